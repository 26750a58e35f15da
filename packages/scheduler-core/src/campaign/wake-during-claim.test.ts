/**
 * A retry written while a campaign's claim is on its way, after that claim read the campaign's
 * next wake time in its own transaction: the end that wrote it claims again once the claim on
 * its way is back, and that claim reads the retry's due time. The retry is placed when it is
 * due, not when the lease the first read answered runs out (with no re-check to fall back on).
 */
import type { CallStatus } from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { deferred } from '../../test/fakes.js';
import type { Store } from '../store.js';
import { createMemoryStore } from '../stores/memory/memory.js';
import { createCampaignRunner, type CampaignRunner } from './runner.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const CALLER_ID = '+14155550100';
const A = '+14155552001';
const B = '+14155552002';

const runners: CampaignRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.close()));
});

/** `inner`, whose next `claimCampaign` after `hold()` answers only at `release()`. */
function claimsHeld(inner: Store) {
  let gate: ReturnType<typeof deferred> | null = null;
  let waiting: ReturnType<typeof deferred> | null = null;
  let started = deferred();
  const store = new Proxy(inner, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (key !== 'claimCampaign' || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const answer: unknown = await value.apply(target, args);
        const held = gate;
        gate = null;
        if (held !== null) {
          waiting = held;
          started.resolve(undefined);
          await held.promise;
        }
        return answer;
      };
    },
  });
  return {
    store,
    hold() {
      gate = deferred();
      started = deferred();
    },
    /** Settles once the held claim has read its answer, and waits. */
    started: () => started.promise,
    release() {
      waiting?.resolve(undefined);
      waiting = null;
    },
  };
}

const status = (callId: string, s: CallStatus) => ({
  callId,
  status: s,
  providerStatus: s,
  at: new Date(T0),
});

describe("a campaign's wake asked for during a claim", () => {
  it('places a retry written while a claim was on its way when it is due', async () => {
    const clock = createFakeClock(T0);
    const claims = claimsHeld(createMemoryStore());
    const provider = createFakeProvider({ clock, follow: 'webhooks' });
    const runner = createCampaignRunner({
      store: claims.store,
      provider,
      campaign: 'spring',
      callerId: CALLER_ID,
      clock,
      concurrency: 2,
      recheckIntervalMs: 0,
      leaseMs: 30_000,
      entries: [{ to: A }, { to: B }],
      retry: { busy: { afterMs: 1000, maxAttempts: 2 } },
    });
    runners.push(runner);
    const errors: unknown[] = [];
    runner.on('error', (e) => errors.push(e.error));
    await runner.start();
    await clock.advance(0);
    const [a, b] = provider.placed;
    expect([a?.to, b?.to]).toEqual([A, B]);

    // B's end frees a place: the claim that refills it reads the campaign's next wake (A's
    // lease, A still in flight), then waits.
    claims.hold();
    await runner.handleStatus(status(b!.id!, 'completed'));
    await claims.started();
    // A ends busy meanwhile: its retry is due a second from now.
    await runner.handleStatus(status(a!.id!, 'busy'));
    claims.release();
    await clock.advance(1000);
    expect(provider.placed.map((p) => [p.to, p.at.getTime() - T0])).toEqual([
      [A, 0],
      [B, 0],
      [A, 1000],
    ]);
    expect(errors).toEqual([]);
  });
});
