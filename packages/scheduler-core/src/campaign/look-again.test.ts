/**
 * A status that reaches a campaign worker before any row carries its provider id (the worker
 * that placed the call has not written the answer yet): the worker looks again a few times,
 * further apart each time, once per provider id however many statuses wait, and stops as soon
 * as the row is found or the waits run out.
 */
import type { CallStatus, ProviderCall } from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { countingStore, deferred } from '../../test/fakes.js';
import type { Store } from '../store.js';
import { createMemoryStore } from '../stores/memory/memory.js';
import { createCampaignRunner, type CampaignRunner } from './runner.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const CALLER_ID = '+14155550100';
const TO = '+14155552671';
/** The waits of the runner's looks, in order (ms): `LOOK_AGAIN_MS` in runner.ts. */
const WAITS = [50, 200, 1000, 5000, 30_000];

const runners: CampaignRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.close()));
});

const status = (callId: string, s: CallStatus, at: number) => ({
  callId,
  status: s,
  providerStatus: s,
  at: new Date(at),
});

function runnerOf(
  store: Store,
  provider: ReturnType<typeof createFakeProvider>,
  clock: ReturnType<typeof createFakeClock>,
  workerId: string,
) {
  const runner = createCampaignRunner({
    store,
    provider,
    campaign: 'spring',
    callerId: CALLER_ID,
    clock,
    concurrency: 1,
    recheckIntervalMs: 0,
    entries: [{ to: TO }],
    workerId,
  });
  runners.push(runner);
  return runner;
}

describe('a campaign worker given a status for a call no row carries yet', () => {
  it('looks again once per provider id, however many statuses wait, and stops when the waits run out', async () => {
    const clock = createFakeClock(T0);
    const counting = countingStore(createMemoryStore());
    const provider = createFakeProvider({ clock, follow: 'webhooks', script: () => [] });
    const runner = runnerOf(counting.store, provider, clock, 'b');
    await runner.start();
    await clock.advance(10); // its own entry placed and answered: no request of its on the way
    counting.reset();

    for (const [i, s] of (['ringing', 'answered', 'completed'] as const).entries()) {
      expect(await runner.handleStatus(status('ghost', s, T0 + 1000 * (i + 1)))).toBeNull();
    }
    const atArrival = counting.counts['findByProviderCallId'] ?? 0;
    // On arrival each status looks twice (no row; no answer of this worker's on the way, so the
    // second look is at once, for an answer another worker may have written meanwhile).
    expect(atArrival).toBe(6);

    for (const [i, wait] of WAITS.entries()) {
      await clock.advance(wait);
      expect(counting.counts['findByProviderCallId']).toBe(atArrival + i + 1);
    }
    await clock.advance(120_000);
    expect(counting.counts['findByProviderCallId']).toBe(atArrival + WAITS.length);
  });

  it('stops looking once the row shows, and applies what waited', async () => {
    const clock = createFakeClock(T0);
    const inner = createMemoryStore();
    const counting = countingStore(inner);
    const provider = createFakeProvider({ clock, follow: 'webhooks', script: () => [] });
    // The placing worker's provider answers only once let go: the call exists, its row does not
    // carry the provider's id yet.
    const placed = deferred<ProviderCall>();
    const letGo = deferred<void>();
    const placing = { ...provider } as typeof provider;
    placing.placeCall = async (request) => {
      const call = await provider.placeCall(request);
      placed.resolve(call);
      await letGo.promise;
      return call;
    };
    const a = runnerOf(inner, placing, clock, 'a');
    await a.start();
    const call = await placed.promise;
    const b = runnerOf(counting.store, provider, clock, 'b');
    await b.start();
    counting.reset();

    expect(await b.handleStatus(status(call.id, 'ringing', T0 + 1000))).toBeNull();
    expect(await b.handleStatus(status(call.id, 'answered', T0 + 2000))).toBeNull();
    await clock.advance(WAITS[0]!); // looked again: not there yet
    const before = counting.counts['findByProviderCallId'] ?? 0;

    letGo.resolve();
    await clock.advance(WAITS[1]!); // the answer is written; the next look finds the row
    expect(counting.counts['findByProviderCallId']).toBe(before + 1);
    const [row] = await a.calls({ limit: 10 });
    expect(row?.status).toBe('answered');
    expect(row?.events?.map((e) => e.status)).toEqual([
      'scheduled',
      'queued',
      'initiated',
      'ringing',
      'answered',
    ]);

    await clock.advance(WAITS.slice(2).reduce((sum, wait) => sum + wait, 0) + 60_000);
    expect(counting.counts['findByProviderCallId']).toBe(before + 1);
  });
});
