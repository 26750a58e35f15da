import { describe, expect, it, vi } from 'vitest';
import type { LiveStatus } from '@ringkit/scheduler-core';
import { createObserver, type PlacementObservation } from './observe.js';

const ZERO = {
  scheduled: 0,
  queued: 0,
  initiated: 0,
  ringing: 0,
  answered: 0,
} satisfies Record<LiveStatus, number>;

const placement: PlacementObservation = {
  source: 'scheduler',
  provider: 'mock-call-api',
  outcome: 'placed',
  durationMs: 12,
  lagMs: 3,
  at: 1,
};

function setup(counts = vi.fn(() => Promise.resolve({ ...ZERO }))) {
  let now = 1_000;
  const errors: unknown[] = [];
  const observer = createObserver({
    counts,
    dialerInFlight: () => 2,
    onListenerError: (error) => errors.push(error),
    now: () => now,
  });
  return { observer, counts, errors, advance: (ms: number) => (now += ms) };
}

describe('createObserver', () => {
  it('tells every listener of each placement and end until it stops listening', () => {
    const { observer } = setup();
    const a: unknown[] = [];
    const b: unknown[] = [];
    const stopA = observer.onPlacement((p) => a.push(p));
    observer.onPlacement((p) => b.push(p));
    const ends: unknown[] = [];
    observer.onEnded((e) => ends.push(e));
    observer.placement(placement);
    stopA();
    observer.placement({ ...placement, source: 'dialer', lagMs: null });
    observer.ended({ source: 'dialer', status: 'busy', at: 5 });
    expect(a).toEqual([placement]);
    expect(b).toHaveLength(2);
    expect(ends).toEqual([{ source: 'dialer', status: 'busy', at: 5 }]);
  });

  it('reports a listener that throws and still tells the others', () => {
    const { observer, errors } = setup();
    const seen: unknown[] = [];
    observer.onPlacement(() => {
      throw new Error('boom');
    });
    observer.onPlacement((p) => seen.push(p));
    expect(() => observer.placement(placement)).not.toThrow();
    expect(seen).toHaveLength(1);
    expect(errors).toEqual([new Error('boom')]);
  });

  it('counts calls in flight: the scheduler from the store, the dialer from its run', async () => {
    const counts = vi.fn(() =>
      Promise.resolve({ ...ZERO, scheduled: 9, queued: 1, initiated: 2, ringing: 3, answered: 4 }),
    );
    const { observer } = setup(counts);
    expect(await observer.inFlight()).toEqual({ scheduler: 10, dialer: 2 });
  });

  it('asks the store at most once a second, and again after a failed count', async () => {
    const counts = vi
      .fn<() => Promise<Record<LiveStatus, number>>>()
      .mockRejectedValueOnce(new Error('store down'))
      .mockResolvedValue({ ...ZERO, scheduled: 4 });
    const { observer, advance } = setup(counts);
    await expect(observer.scheduledCounts()).rejects.toThrow('store down');
    expect((await observer.scheduledCounts()).scheduled).toBe(4);
    await observer.inFlight();
    advance(999);
    await observer.scheduledCounts();
    expect(counts).toHaveBeenCalledTimes(2);
    advance(1);
    await observer.scheduledCounts();
    expect(counts).toHaveBeenCalledTimes(3);
  });
});
