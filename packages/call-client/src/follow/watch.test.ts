import { countingClock } from '@ringkit/internal/testing';
import { describe, expect, it, vi } from 'vitest';
import {
  InvalidOptionsError,
  HttpError,
  ConnectionError,
  UnsupportedOperationError,
} from '../errors/errors.js';
import type { CallProvider, ProviderCall } from '../providers/provider.js';
import type { CallStatus } from '../status.js';
import { watchCall, type WatchCallOptions } from './watch.js';
import type { Clock } from '../time/clock.js';
import { createFakeClock } from '../testing/fake-clock.js';

/** A clock whose timers fire at once, recording every wait. */
function instantClock() {
  const waits: number[] = [];
  let now = 0;
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      waits.push(ms);
      now += ms;
      return setImmediate(fn);
    },
    clearTimeout: (handle) => clearImmediate(handle as NodeJS.Immediate),
  };
  return { clock, waits };
}

/** A provider whose getCall answers each scripted item in turn (a status, or an error to throw). */
function scripted(
  script: Array<CallStatus | string | Error>,
): CallProvider & { reads: () => number } {
  let reads = 0;
  return {
    name: 'scripted',
    capabilities: { polling: true, webhooks: false },
    placeCall: () => Promise.reject(new Error('unused')),
    async getCall(id): Promise<ProviderCall> {
      const item = script[Math.min(reads, script.length - 1)]!;
      reads += 1;
      if (item instanceof Error) throw item;
      const known = [
        'initiated',
        'ringing',
        'answered',
        'completed',
        'busy',
        'no-answer',
        'failed',
        'canceled',
      ];
      return {
        id,
        status: (known.includes(item) ? item : 'initiated') as CallStatus,
        providerStatus: item,
        raw: {},
      };
    },
    reads: () => reads,
  };
}

async function collect(iterable: AsyncIterable<{ status: CallStatus }>) {
  const out: CallStatus[] = [];
  for await (const event of iterable) out.push(event.status);
  return out;
}

const request = { method: 'GET', url: 'http://x/api/call/1' };

/**
 * A provider whose calls move on the clock: `initiated`, then each status of `plan` from its
 * offset (ms after `start`, per call id). Counts reads and the most in flight at once.
 */
function timed(clock: Clock, plan: (id: string) => Array<[number, CallStatus]>, answerMs = 0) {
  const starts = new Map<string, number>();
  const stats = { reads: 0, inFlight: 0, maxInFlight: 0, readsOf: new Map<string, number[]>() };
  const provider: CallProvider = {
    name: 'timed',
    capabilities: { polling: true, webhooks: false },
    placeCall: () => Promise.reject(new Error('unused')),
    async getCall(id): Promise<ProviderCall> {
      stats.reads += 1;
      stats.inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      const at = clock.now();
      if (!starts.has(id)) starts.set(id, at);
      const reads = stats.readsOf.get(id) ?? [];
      reads.push(at);
      stats.readsOf.set(id, reads);
      if (answerMs > 0)
        await new Promise((resolve) => clock.setTimeout(() => resolve(null), answerMs));
      else await Promise.resolve();
      stats.inFlight -= 1;
      let status: CallStatus = 'initiated';
      for (const [offset, next] of plan(id)) if (at - starts.get(id)! >= offset) status = next;
      return { id, status, providerStatus: status, raw: {} };
    },
  };
  return { provider, stats };
}

const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);

describe('watchCall', () => {
  it('yields each forward move once and ends at the terminal status', async () => {
    const provider = scripted([
      'initiated',
      'initiated',
      'ringing',
      'ringing',
      'answered',
      'completed',
      'ringing',
    ]);
    const { clock } = instantClock();
    expect(await collect(watchCall(provider, 'c1', { clock, intervalMs: 10 }))).toEqual([
      'initiated',
      'ringing',
      'answered',
      'completed',
    ]);
    expect(provider.reads()).toBe(6);
  });

  it('never reports a status that moves backwards, nor an unknown word', async () => {
    const provider = scripted(['ringing', 'initiated', 'mystery', 'answered', 'ringing', 'busy']);
    const { clock } = instantClock();
    expect(await collect(watchCall(provider, 'c1', { clock }))).toEqual([
      'ringing',
      'answered',
      'busy',
    ]);
  });

  it('reports only statuses after `since`', async () => {
    const provider = scripted(['initiated', 'ringing', 'completed']);
    const { clock } = instantClock();
    expect(await collect(watchCall(provider, 'c1', { clock, since: 'initiated' }))).toEqual([
      'ringing',
      'completed',
    ]);
  });

  it('waits firstPollDelayMs before the first poll, then polls at the interval', async () => {
    const clock = createFakeClock(0);
    const { provider, stats } = timed(clock, () => [[1_500, 'completed']]);
    const seen = collect(
      watchCall(provider, 'c1', { clock, since: 'initiated', firstPollDelayMs: 1_000 }),
    );
    await clock.advance(999);
    expect(stats.reads).toBe(0);
    await clock.advance(2_001);
    // The first read comes at 1,000 ms and starts the call's plan: it ends 1,500 ms later.
    expect(await seen).toEqual(['completed']);
    expect(stats.readsOf.get('c1')).toEqual([1_000, 2_000, 3_000]);
  });

  it('polls at once without firstPollDelayMs', async () => {
    const clock = createFakeClock(0);
    const { provider, stats } = timed(clock, () => [[0, 'completed']]);
    expect(await collect(watchCall(provider, 'c1', { clock }))).toEqual(['completed']);
    expect(stats.readsOf.get('c1')).toEqual([0]);
  });

  it('polls at the interval and backs off exponentially on errors', async () => {
    const failure = new ConnectionError({ request, errno: 'ECONNRESET' });
    const provider = scripted(['ringing', failure, failure, failure, 'completed']);
    const { clock, waits } = instantClock();
    expect(
      await collect(watchCall(provider, 'c1', { clock, intervalMs: 100, maxIntervalMs: 350 })),
    ).toEqual(['ringing', 'completed']);
    expect(waits[0]).toBe(100);
    // 200, 400→capped at 350, 350 — each with jitter between half and the full backoff
    expect(waits[1]).toBeGreaterThanOrEqual(100);
    expect(waits[1]).toBeLessThanOrEqual(200);
    expect(waits[2]).toBeGreaterThanOrEqual(175);
    expect(waits[3]).toBeLessThanOrEqual(350);
  });

  it('gives up with the last error after too many consecutive failures', async () => {
    const failure = new ConnectionError({ request, errno: 'ECONNRESET' });
    const provider = scripted([failure]);
    const { clock } = instantClock();
    await expect(
      collect(watchCall(provider, 'c1', { clock, maxConsecutiveErrors: 2 })),
    ).rejects.toBe(failure);
    expect(provider.reads()).toBe(3);
  });

  it('ends with a 404 at once: the call does not exist', async () => {
    const missing = new HttpError({
      status: 404,
      request,
      body: {},
      headers: new Headers(),
      attempts: 1,
    });
    const provider = scripted([missing]);
    await expect(
      collect(watchCall(provider, 'nope', { clock: instantClock().clock })),
    ).rejects.toBe(missing);
    expect(provider.reads()).toBe(1);
  });

  it('keeps going through a 429', async () => {
    const limited = new HttpError({
      status: 429,
      request,
      body: {},
      headers: new Headers(),
      attempts: 4,
    });
    const provider = scripted([limited, 'completed']);
    expect(await collect(watchCall(provider, 'c1', { clock: instantClock().clock }))).toEqual([
      'completed',
    ]);
  });

  it('ends quietly when the signal aborts', async () => {
    const controller = new AbortController();
    const provider = scripted(['ringing']);
    const seen: CallStatus[] = [];
    const iterator = watchCall(provider, 'c1', { intervalMs: 5, signal: controller.signal });
    const done = (async () => {
      for await (const event of iterator) {
        seen.push(event.status);
      }
    })();
    await vi.waitFor(() => expect(provider.reads()).toBeGreaterThan(2));
    controller.abort();
    await expect(done).resolves.toBeUndefined();
    expect(seen).toEqual(['ringing']);
  });

  it('follows 2,000 calls at once on one clock timer, each in order and without repeats', async () => {
    const { clock, inner, stats } = countingClock(createFakeClock(0));
    const { provider, stats: reads } = timed(clock, (id) => {
      const n = Number(id.slice(1));
      const base = (n * 7919) % 3000;
      return [
        [base + 1000, 'ringing'],
        [base + 4000, 'answered'],
        [base + 4000 + (n % 20) * 1000, n % 5 === 0 ? 'busy' : 'completed'],
      ];
    });
    const seen = new Map<string, CallStatus[]>();
    const watches = Array.from({ length: 2000 }, async (_, n) => {
      const id = `c${n}`;
      const statuses: CallStatus[] = [];
      seen.set(id, statuses);
      for await (const event of watchCall(provider, id, { clock, since: 'initiated' })) {
        statuses.push(event.status);
      }
    });
    await inner.advance(40_000);
    await Promise.all(watches);
    expect(stats.maxLive).toBe(1);
    expect(stats.live()).toBe(0);
    expect(reads.maxInFlight).toBeLessThanOrEqual(64);
    for (const [id, statuses] of seen) {
      const n = Number(id.slice(1));
      // 'answered' can be missed when it lasts less than a poll; never repeated, never backwards.
      const end = n % 5 === 0 ? 'busy' : 'completed';
      expect([
        ['ringing', 'answered', end],
        ['ringing', end],
      ]).toContainEqual(statuses);
    }
  });

  it('polls an unchanged status less and less often, up to maxIdleIntervalMs, and at the base interval again after a change', async () => {
    const provider = scripted([
      ...Array<CallStatus>(8).fill('ringing'),
      ...Array<CallStatus>(4).fill('answered'),
      'completed',
    ]);
    const { clock, waits } = instantClock();
    expect(
      await collect(watchCall(provider, 'c1', { clock, intervalMs: 100, maxIdleIntervalMs: 800 })),
    ).toEqual(['ringing', 'answered', 'completed']);
    expect(waits).toEqual([100, 100, 100, 200, 400, 800, 800, 800, 100, 100, 100, 200]);
  });

  it('grows the interval by idleBackoffFactor, and polls at a fixed rate with a factor of 1', async () => {
    const script: CallStatus[] = [...Array<CallStatus>(6).fill('ringing'), 'completed'];
    const grown = instantClock();
    await collect(
      watchCall(scripted(script), 'c1', {
        clock: grown.clock,
        intervalMs: 100,
        maxIdleIntervalMs: 10_000,
        idleBackoffFactor: 3,
      }),
    );
    expect(grown.waits).toEqual([100, 100, 100, 300, 900, 2700]);
    const fixed = instantClock();
    await collect(
      watchCall(scripted(script), 'c1', {
        clock: fixed.clock,
        intervalMs: 100,
        idleBackoffFactor: 1,
      }),
    );
    expect(fixed.waits).toEqual([100, 100, 100, 100, 100, 100]);
  });

  it('by default polls a call that moves every few seconds every second, and a quiet one every 5 s', async () => {
    const { clock, inner } = countingClock(createFakeClock(0));
    const { provider, stats } = timed(clock, (id) =>
      id === 'busy-one'
        ? [
            [3000, 'ringing'],
            [6000, 'answered'],
            [9000, 'completed'],
          ]
        : [
            [1000, 'ringing'],
            [2000, 'answered'],
            [62_000, 'completed'],
          ],
    );
    const lively = collect(watchCall(provider, 'busy-one', { clock }));
    const quiet = collect(watchCall(provider, 'long-talk', { clock }));
    await inner.advance(70_000);
    expect(await lively).toEqual(['initiated', 'ringing', 'answered', 'completed']);
    expect(await quiet).toEqual(['initiated', 'ringing', 'answered', 'completed']);
    expect(new Set(gaps(stats.readsOf.get('busy-one')!))).toEqual(new Set([1000]));
    const quietGaps = gaps(stats.readsOf.get('long-talk')!);
    expect(Math.max(...quietGaps)).toBe(5000);
    expect(quietGaps.slice(0, 7)).toEqual([1000, 1000, 1000, 1000, 1000, 2000, 4000]);
    // seen within one idle interval of its end
    expect(stats.readsOf.get('long-talk')!.at(-1)).toBeLessThanOrEqual(62_000 + 5000);
  });

  it('sends no more than maxConcurrentPolls status requests at once', async () => {
    const { clock, inner } = countingClock(createFakeClock(0));
    const { provider, stats } = timed(
      clock,
      () => [
        [500, 'ringing'],
        [3000, 'completed'],
      ],
      50,
    );
    const watches = Array.from({ length: 100 }, (_, n) =>
      collect(watchCall(provider, `c${n}`, { clock, intervalMs: 100, maxConcurrentPolls: 5 })),
    );
    await inner.advance(30_000);
    const results = await Promise.all(watches);
    expect(stats.maxInFlight).toBe(5);
    for (const statuses of results) expect(statuses.at(-1)).toBe('completed');
  });

  it('ends quietly when the signal aborts while it waits its turn, leaving no timer behind', async () => {
    const { clock, inner, stats } = countingClock(createFakeClock(0));
    const { provider, stats: reads } = timed(clock, () => [[0, 'ringing']]);
    const controllers = Array.from({ length: 3 }, () => new AbortController());
    const watches = controllers.map((controller, n) =>
      collect(watchCall(provider, `c${n}`, { clock, signal: controller.signal })),
    );
    await inner.advance(10_000);
    expect(stats.live()).toBe(1);
    const before = reads.reads;
    for (const controller of controllers) controller.abort();
    await expect(Promise.all(watches)).resolves.toEqual([['ringing'], ['ringing'], ['ringing']]);
    expect(stats.live()).toBe(0);
    await inner.advance(60_000);
    expect(reads.reads).toBe(before);
  });

  it('refuses bad polling options', async () => {
    for (const bad of [
      { maxIdleIntervalMs: 500 },
      { intervalMs: 200, maxIdleIntervalMs: 100 },
      { idleBackoffFactor: 0.5 },
      { maxConcurrentPolls: 0 },
      { maxConcurrentPolls: 1.5 },
      { firstPollDelayMs: -1 },
      { firstPollDelayMs: Number.NaN },
      { firstPollDelayMs: '1000' },
    ]) {
      // Some are not even of the right type, as a JavaScript caller may pass them.
      const options = bad as WatchCallOptions;
      await expect(collect(watchCall(scripted(['ringing']), 'c1', options))).rejects.toBeInstanceOf(
        InvalidOptionsError,
      );
    }
  });

  it('refuses a provider that cannot be polled', async () => {
    const provider: CallProvider = {
      name: 'hooks-only',
      capabilities: { polling: false, webhooks: true },
      placeCall: vi.fn(),
    };
    await expect(collect(watchCall(provider, 'c1'))).rejects.toBeInstanceOf(
      UnsupportedOperationError,
    );
  });

  it('refuses bad options', async () => {
    await expect(
      collect(watchCall(scripted(['ringing']), 'c1', { intervalMs: 0 })),
    ).rejects.toBeInstanceOf(InvalidOptionsError);
  });
});
