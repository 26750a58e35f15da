import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createObserver,
  type CallSource,
  type ObserverHub,
  type PlacementObservation,
} from './observe.js';
import { createOpsSampler, percentile, type OpsSampler } from './ops.js';

const placement = (over: Partial<PlacementObservation> = {}): PlacementObservation => ({
  source: 'scheduler',
  provider: 'mock-call-api',
  outcome: 'placed',
  durationMs: 10,
  lagMs: 2,
  at: 0,
  ...over,
});

let sampler: OpsSampler | undefined;
beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
afterEach(() => {
  sampler?.close();
  sampler = undefined;
  vi.useRealTimers();
});

function setup(
  inFlight: () => Promise<Record<CallSource, number>> = () =>
    Promise.resolve({ scheduler: 4, dialer: 1 }),
  options: Parameters<typeof createOpsSampler>[1] = {},
) {
  const observer: ObserverHub = {
    ...createObserver({
      counts: () => Promise.reject(new Error('not used')),
      dialerInFlight: () => 0,
      onListenerError: (error) => {
        throw error;
      },
    }),
    inFlight,
  };
  sampler = createOpsSampler(observer, options);
  return { observer, sampler };
}

describe('percentile', () => {
  it('is the nearest rank, and null without values', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 50)).toBe(50);
  });
});

describe('createOpsSampler', () => {
  it('turns each interval into one sample: rates, percentiles, ends and calls in flight', async () => {
    const { observer, sampler } = setup();
    for (const lagMs of [1, 2, 3, 4, 100]) observer.placement(placement({ lagMs }));
    observer.placement(placement({ source: 'dialer', lagMs: null, durationMs: 50 }));
    observer.placement(placement({ outcome: 'unknown', durationMs: 900, lagMs: 5 }));
    observer.ended({ source: 'dialer', status: 'busy', at: 0 });
    observer.ended({ source: 'scheduler', status: 'completed', at: 0 });
    await vi.advanceTimersByTimeAsync(1000);

    const figures = {
      placed_per_s: { scheduler: 5, dialer: 1 },
      dispatch_lag_ms: { p50: 3, p99: 100 },
      provider_ms: { p50: 10, p99: 900 },
      ended: { completed: 1, busy: 1, 'no-answer': 0, failed: 0, canceled: 0, suppressed: 0 },
    };
    expect(sampler.samples()).toEqual([
      {
        t: 1_001_000,
        ...figures,
        in_flight: { scheduler: 4, dialer: 1 },
        // The window so far is this one second.
        window: { span_s: 1, ...figures },
      },
    ]);
    // An interval with nothing in it: zero rates and no percentiles.
    await vi.advanceTimersByTimeAsync(1000);
    expect(sampler.samples()[1]).toMatchObject({
      placed_per_s: { scheduler: 0, dialer: 0 },
      dispatch_lag_ms: { p50: null, p99: null },
      provider_ms: { p50: null, p99: null },
    });
  });

  it('gives each sample the figures of the last minute: rates, percentiles and ends over it', async () => {
    const { observer, sampler } = setup();
    // 30 s with one placement and one end a second, then 60 s with two placements a second.
    for (let s = 0; s < 30; s++) {
      observer.placement(placement({ lagMs: 1000 + s, durationMs: 5 }));
      observer.ended({ source: 'scheduler', status: 'completed', at: 0 });
      await vi.advanceTimersByTimeAsync(1000);
    }
    const half = sampler.samples().at(-1)!;
    expect(half.window).toEqual({
      span_s: 30,
      placed_per_s: { scheduler: 1, dialer: 0 },
      dispatch_lag_ms: { p50: 1014, p99: 1029 },
      provider_ms: { p50: 5, p99: 5 },
      ended: { completed: 30, busy: 0, 'no-answer': 0, failed: 0, canceled: 0, suppressed: 0 },
    });
    // The last second alone says little: one placement, one end.
    expect(half.placed_per_s.scheduler).toBe(1);
    expect(half.ended.completed).toBe(1);
    for (let s = 0; s < 60; s++) {
      observer.placement(placement({ source: 'dialer', lagMs: null, durationMs: 20 }));
      observer.placement(placement({ source: 'dialer', lagMs: null, durationMs: 40 }));
      await vi.advanceTimersByTimeAsync(1000);
    }
    // A minute later, the first 30 s have left the window.
    expect(sampler.samples().at(-1)!.window).toEqual({
      span_s: 60,
      placed_per_s: { scheduler: 0, dialer: 2 },
      dispatch_lag_ms: { p50: null, p99: null },
      provider_ms: { p50: 20, p99: 40 },
      ended: { completed: 0, busy: 0, 'no-answer': 0, failed: 0, canceled: 0, suppressed: 0 },
    });
  });

  it('takes the percentiles of a window from its newest maxValues values', async () => {
    const { observer, sampler } = setup(undefined, { maxValues: 3 });
    for (const durationMs of [500, 600, 700]) observer.placement(placement({ durationMs }));
    await vi.advanceTimersByTimeAsync(1000);
    for (const durationMs of [1, 2]) observer.placement(placement({ durationMs }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(sampler.samples().at(-1)!.window.provider_ms).toEqual({ p50: 2, p99: 700 });
  });

  it('gives rates per second whatever the interval', async () => {
    const { observer, sampler } = setup(undefined, { intervalMs: 250 });
    for (let i = 0; i < 3; i++) observer.placement(placement());
    await vi.advanceTimersByTimeAsync(250);
    expect(sampler.samples()[0]!.placed_per_s.scheduler).toBe(12);
    expect(sampler.intervalMs).toBe(250);
  });

  it('keeps capacity samples, the oldest dropped', async () => {
    const { sampler } = setup(undefined, { capacity: 3 });
    await vi.advanceTimersByTimeAsync(5000);
    expect(sampler.samples().map((s) => s.t)).toEqual([1_003_000, 1_004_000, 1_005_000]);
  });

  it('keeps at most maxValues values of an interval for its percentiles, counting all in its rates', async () => {
    const { observer, sampler } = setup(undefined, { maxValues: 2 });
    observer.placement(placement({ lagMs: 1 }));
    observer.placement(placement({ lagMs: 2 }));
    observer.placement(placement({ lagMs: 1000 }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(sampler.samples()[0]).toMatchObject({
      placed_per_s: { scheduler: 3 },
      dispatch_lag_ms: { p50: 1, p99: 2 },
    });
  });

  it('keeps the last count of calls in flight when one fails, and reports it', async () => {
    const errors: unknown[] = [];
    let fail = false;
    const { sampler } = setup(
      () =>
        fail
          ? Promise.reject(new Error('store down'))
          : Promise.resolve({ scheduler: 2, dialer: 3 }),
      { onError: (error) => errors.push(error) },
    );
    await vi.advanceTimersByTimeAsync(1000);
    fail = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(sampler.samples().map((s) => s.in_flight)).toEqual([
      { scheduler: 2, dialer: 3 },
      { scheduler: 2, dialer: 3 },
    ]);
    expect(errors).toEqual([new Error('store down')]);
  });

  it('goes on sampling when a count never answers, keeping the last one', async () => {
    const errors: unknown[] = [];
    let hang = false;
    const { observer, sampler } = setup(
      () => (hang ? new Promise(() => {}) : Promise.resolve({ scheduler: 5, dialer: 1 })),
      { onError: (error) => errors.push(error) },
    );
    await vi.advanceTimersByTimeAsync(1000);
    hang = true;
    for (let i = 0; i < 6; i++) {
      observer.placement(placement());
      await vi.advanceTimersByTimeAsync(1000);
    }
    await vi.advanceTimersByTimeAsync(800); // the last count's patience
    // One sample a second goes on, each with its second's placement and the last count.
    expect(sampler.samples().map((s) => [s.placed_per_s.scheduler, s.in_flight.scheduler])).toEqual(
      [[0, 5], ...Array.from({ length: 6 }, () => [1, 5])],
    );
    expect(errors).toHaveLength(6);
    expect(errors[0]).toEqual(new Error('the count of calls in flight took over 800 ms'));
  });

  it("counts ends by call-client's terminal statuses, whatever they are", async () => {
    vi.resetModules();
    vi.doMock('@ringkit/call-client', async (original) => ({
      ...(await original<Record<string, unknown>>()),
      TERMINAL_STATUSES: ['completed', 'voicemail'],
    }));
    try {
      const ops = await import('./ops.js');
      const { observer } = setup();
      const own = ops.createOpsSampler(observer);
      await vi.advanceTimersByTimeAsync(1000);
      expect(own.samples()[0]!.ended).toEqual({ completed: 0, voicemail: 0 });
      own.close();
    } finally {
      vi.doUnmock('@ringkit/call-client');
      vi.resetModules();
    }
  });

  it('stops sampling and listening once closed', async () => {
    const { observer, sampler } = setup();
    sampler.close();
    observer.placement(placement());
    await vi.advanceTimersByTimeAsync(3000);
    expect(sampler.samples()).toEqual([]);
  });
});
