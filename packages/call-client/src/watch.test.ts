import { describe, expect, it, vi } from 'vitest';
import {
  InvalidOptionsError,
  HttpError,
  NetworkError,
  UnsupportedOperationError,
} from './errors.js';
import type { CallProvider, ProviderCall } from './provider.js';
import type { CallStatus } from './status.js';
import { watchCall } from './watch.js';
import type { Clock } from './clock.js';

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

  it('polls at the interval and backs off exponentially on errors', async () => {
    const failure = new NetworkError({ request, errno: 'ECONNRESET' });
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
    const failure = new NetworkError({ request, errno: 'ECONNRESET' });
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
