/**
 * A worker joining a durable campaign that another process left mid-call (a `kill -9`, a
 * restart): it takes each entry as stored, with no event, tells what moves from there (never
 * `previous: 'idle'` for an entry met mid-call), tells its own claims in full, and shows the
 * entries a dead worker's lease still holds (`snapshot().leaseWait`) until the lease runs out.
 */
import type { CallStatus } from '@ringkit/call-client';
import { createFakeClock, type FakeClock } from '@ringkit/call-client/testing';
import type { Store, StoredCall } from '@ringkit/scheduler-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createStepProvider } from '../test/campaign-steps.js';
import { storeKinds } from '../test/stores.js';
import { eventually } from '../test/utils.js';
import { createDialer } from './dialer.js';
import type { CampaignDialer, DialerEntryStatus } from './types.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const CALLER_ID = '+14155550100';
const NUMBERS = ['+14155552671', '+13018040009', '+12025550123', '+16175550199'];
const DEAD_LEASE_MS = 30_000;

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

/** What a dialer tells, from the moment it is listened to. */
function listen(dialer: CampaignDialer) {
  const told: { index: number; status: DialerEntryStatus; previous: DialerEntryStatus }[] = [];
  const dialing: number[] = [];
  const finished: number[] = [];
  dialer.on('status', ({ index, status, previous }) => told.push({ index, status, previous }));
  dialer.on('dialing', ({ index }) => dialing.push(index));
  dialer.on('finished', ({ index }) => finished.push(index));
  /** The statuses told of one entry, each with the one before. */
  const of = (index: number) =>
    told.filter((t) => t.index === index).map((t) => [t.status, t.previous]);
  return { told, dialing, finished, of };
}

for (const kind of storeKinds()) {
  describe(`joining a campaign left mid-call, on the ${kind.name} store`, () => {
    /** A store of a fresh place, closed after the test. */
    const place = async () => {
      const where = await kind.create();
      const stores = new Set<Store>();
      cleanup.push(async () => {
        for (const store of stores) await store.close();
        await where.dispose();
      });
      return () => {
        const store = where.open();
        stores.add(store);
        return store;
      };
    };

    /**
     * The campaign `join` created by a first worker, which placed its first entry (held at the
     * provider, `ringing`) and closed; `concurrency` set for the next worker.
     */
    async function leftRinging(
      store: Store,
      clock: FakeClock | null,
      steps: ReturnType<typeof createStepProvider>,
      concurrency: number,
    ) {
      const first = createDialer({
        provider: steps.provider,
        store,
        campaign: 'join',
        numbers: NUMBERS,
        callerId: CALLER_ID,
        concurrency: 1,
        workerId: 'first',
        ...(clock ? { clock } : {}),
      });
      steps.workers.push(first);
      await first.start();
      const statuses = async () =>
        (await store.listCampaignCalls!('join', { limit: 10 })).map((r) => r.status);
      await eventually(clock, async () =>
        expect(await statuses()).toEqual(['initiated', 'scheduled', 'scheduled', 'scheduled']),
      );
      steps.report('call-0', 'ringing');
      await eventually(clock, async () => expect((await statuses())[0]).toBe('ringing'));
      await first.close();
      steps.workers.splice(0);
      const campaign = (await store.getCampaign!('join'))!;
      await store.updateCampaign!('join', campaign.version, { concurrency });
    }

    it('takes each entry as stored, tells later moves from there and its own claims from idle, and shows the dead worker’s lease until it runs out', async () => {
      const open = await place();
      const store = open();
      const clock = createFakeClock(T0);
      const steps = createStepProvider(() => ({ statuses: null }));
      cleanup.push(steps.dispose);
      await leftRinging(store, clock, steps, 3);
      // A worker claims entries 1 and 2 and dies while placing entry 1: its lease holds both.
      const claim = await store.claimCampaign!('join', T0, 2, 'dead', T0 + DEAD_LEASE_MS, {
        holdMs: 60_000,
      });
      expect(claim.calls.map((row) => row.position)).toEqual([1, 2]);
      const placing: StoredCall = claim.calls[0]!;
      await store.update(placing.id, placing.version, {
        placingAt: T0,
        events: [...(placing.events ?? []), { status: 'queued', at: T0, attempt: 1 }],
      });

      const joined = createDialer({
        provider: steps.provider,
        store: open(),
        campaign: 'join',
        callerId: CALLER_ID,
        workerId: 'joined',
        clock,
      });
      cleanup.push(() => joined.close());
      steps.workers.push(joined);
      const heard = listen(joined);
      await joined.start();
      expect(joined.snapshot().entries.map((e) => [e.status, e.callId])).toEqual([
        ['ringing', 'call-0'],
        // Claimed (the first marked too) and never answered: not told as dialed while its
        // worker may still hand it back unsent; its lease is shown.
        ['idle', null],
        ['idle', null],
        ['idle', null],
      ]);
      // What happened before it joined is not news to it.
      expect(heard.told).toEqual([]);
      expect(heard.dialing).toEqual([]);
      expect(heard.finished).toEqual([]);
      const waiting = { entries: 2, until: new Date(T0 + DEAD_LEASE_MS) };
      expect(joined.snapshot().leaseWait).toEqual(waiting);

      // The call met ringing ends: told from ringing. Its place goes to entry 3, dialed here.
      await clock.advance(10_000);
      expect(joined.snapshot().leaseWait).toEqual(waiting);
      steps.report('call-0', 'completed');
      await eventually(clock, () => expect(heard.of(3)).toHaveLength(2));
      expect(heard.of(0)).toEqual([['completed', 'ringing']]);
      expect(heard.of(3)).toEqual([
        ['dialing', 'idle'],
        ['initiated', 'dialing'],
      ]);
      expect(heard.dialing).toEqual([3]);
      expect(joined.snapshot().leaseWait).toEqual(waiting);
      expect(steps.placed).toEqual([NUMBERS[0], NUMBERS[3]]);

      // The dead worker's lease runs out: the entry it was placing ends outcome_unknown (never
      // placed again), the one it never sent is placed here; nothing waits any more.
      await clock.advanceTo(T0 + DEAD_LEASE_MS + 1);
      await eventually(clock, () => {
        expect(heard.of(1)).toHaveLength(1);
        expect(heard.of(2)).toHaveLength(2);
      });
      expect(heard.of(1)).toEqual([['failed', 'idle']]);
      expect(joined.snapshot().entries[1]!.error?.reason).toBe('outcome_unknown');
      expect(heard.of(2)).toEqual([
        ['dialing', 'idle'],
        ['initiated', 'dialing'],
      ]);
      expect(steps.placed).toEqual([NUMBERS[0], NUMBERS[3], NUMBERS[2]]);
      expect(joined.snapshot().leaseWait).toBeUndefined();
      // Its own claims, and the two the dead worker claimed (one marked, one never sent), each
      // told from idle.
      expect(
        heard.told
          .filter((t) => t.previous === 'idle')
          .map((t) => t.index)
          .sort(),
      ).toEqual([1, 2, 3]);
    });

    it('tells its own first claims in full, from idle, however long reading the campaign takes', async () => {
      const open = await place();
      const steps = createStepProvider(() => ({ statuses: null }));
      cleanup.push(steps.dispose);
      await leftRinging(open(), null, steps, 2);
      // Reading the campaign's rows is slow: a claim made meanwhile would be read as stored.
      const slow = new Proxy(open(), {
        get(target, key, receiver) {
          const value: unknown = Reflect.get(target, key, receiver);
          if (key !== 'listCampaignCalls' || typeof value !== 'function') return value;
          return async (...args: unknown[]) => {
            await new Promise((resolve) => setTimeout(resolve, 50));
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      }) as Store;
      const joined = createDialer({
        provider: steps.provider,
        store: slow,
        campaign: 'join',
        callerId: CALLER_ID,
        workerId: 'joined',
      });
      cleanup.push(() => joined.close());
      steps.workers.push(joined);
      const heard = listen(joined);
      await joined.start();
      await eventually(null, () => expect(heard.of(1)).toHaveLength(2));
      expect(heard.of(1)).toEqual([
        ['dialing', 'idle'],
        ['initiated', 'dialing'],
      ]);
      expect(heard.dialing).toEqual([1]);
      expect(heard.of(0)).toEqual([]);
      steps.report('call-0', 'busy' satisfies CallStatus);
      await eventually(null, () => expect(heard.of(0)).toEqual([['busy', 'ringing']]));
    });
  });
}
