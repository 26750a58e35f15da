/**
 * The worker that creates a durable campaign takes its entries as it wrote them, without reading
 * every row back; a worker that joins reads them. Both show the same entries, and the creator
 * tells what another worker does from the creation on.
 */
import { createFakeClock } from '@ringkit/call-client/testing';
import { placingMark, type Store, type StoredCall } from '@ringkit/scheduler-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createStepProvider } from '../test/campaign-steps.js';
import { storeKinds } from '../test/stores.js';
import { eventually } from '../test/utils.js';
import { createDialer } from './dialer.js';
import type { CampaignDialer } from './types.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const CALLER_ID = '+14155550100';
const NUMBERS = ['+14155552671', '+13018040009', '+12025550123', '+16175550199'];

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

/**
 * `store`, counting its reads of a campaign's rows from the first one, of every status (what
 * reading every row starts with).
 */
function countingFullReads(store: Store) {
  const reads = { full: 0 };
  const list = store.listCampaignCalls!.bind(store);
  store.listCampaignCalls = (campaign, query) => {
    if (query.status === undefined && (query.afterPosition ?? null) === null) reads.full += 1;
    return list(campaign, query);
  };
  return reads;
}

/** The entries a dialer shows, as `[index, phone, status]`. */
const entriesOf = (dialer: CampaignDialer) =>
  dialer.snapshot().entries.map((e) => [e.index, e.phone, e.status]);

for (const kind of storeKinds()) {
  describe(`a campaign's creator, on the ${kind.name} store`, () => {
    /**
     * Two stores on one fresh place, and `dialer(store, workerId)`: a durable dialer of the
     * campaign `created`, one place, whose calls stay where the provider first answers them.
     */
    async function setup() {
      const where = await kind.create();
      const stores = [where.open(), where.open()] as const;
      cleanup.push(async () => {
        for (const store of stores) await store.close();
        await where.dispose();
      });
      const clock = createFakeClock(T0);
      const steps = createStepProvider(() => ({ statuses: null }));
      cleanup.push(steps.dispose);
      const dialer = (store: Store, workerId: string) => {
        const made = createDialer({
          provider: steps.provider,
          store,
          campaign: 'created',
          numbers: NUMBERS,
          callerId: CALLER_ID,
          concurrency: 1,
          workerId,
          clock,
          // Each re-read is the test's own (`refresh()`): a worker reads what another changed
          // when the test says, and claims nothing more on its own in between.
          refreshIntervalMs: 3_600_000,
        });
        cleanup.push(() => made.close());
        steps.workers.push(made);
        return made;
      };
      return { stores, clock, dialer };
    }

    it('takes the rows it wrote, where a worker that joins reads every row; both show the same entries', async () => {
      const { stores, clock, dialer } = await setup();
      const [creatorStore, joinerStore] = stores;
      const creatorReads = countingFullReads(creatorStore);
      const joinerReads = countingFullReads(joinerStore);

      const creator = dialer(creatorStore, 'creator');
      await creator.start();
      expect(creatorReads.full).toBe(0);
      const joiner = dialer(joinerStore, 'joiner');
      await joiner.start();
      expect(joinerReads.full).toBe(1);

      // The creator's first claim took entry 0, held at the provider: both show it so.
      await eventually(clock, async () => {
        await creator.refresh();
        await joiner.refresh();
        const shown = entriesOf(creator);
        expect(shown).toEqual([
          [0, NUMBERS[0], 'initiated'],
          ...NUMBERS.slice(1).map((phone, i) => [i + 1, phone, 'idle']),
        ]);
        expect(entriesOf(joiner)).toEqual(shown);
      });
    });

    it('tells the calls another worker placed after the creation, once it reads how their requests went', async () => {
      const { stores, clock, dialer } = await setup();
      const [store] = stores;
      // The creator's claims under way: its refill after the first answer may still be.
      let claiming = 0;
      const claimCampaign = store.claimCampaign!.bind(store);
      store.claimCampaign = async (...args) => {
        claiming += 1;
        try {
          return await claimCampaign(...args);
        } finally {
          claiming -= 1;
        }
      };
      const creator = dialer(store, 'creator');
      const dialing: number[] = [];
      creator.on('dialing', ({ index }) => dialing.push(index));
      await creator.start();
      await eventually(clock, () => {
        expect(dialing).toEqual([0]);
        expect(entriesOf(creator)[0]![2]).toBe('initiated');
        expect(claiming).toBe(0);
      });

      // Another worker claims the next two entries after the creation.
      const campaign = (await store.getCampaign!('created'))!;
      await store.updateCampaign!('created', campaign.version, { concurrency: 3 });
      const claim = await store.claimCampaign!('created', T0, 2, 'other', T0 + 30_000, {
        holdMs: 60_000,
      });
      expect(claim.calls.map((row) => row.position)).toEqual([1, 2]);
      // Claimed, and even marked: until the other worker writes its answer, its last checks may
      // still hand them back unsent (a pause, a stop), so they are not told as dialed.
      await creator.refresh();
      expect(dialing).toEqual([0]);
      const shown = () => creator.snapshot().entries.map((e) => [e.status, e.attempts]);
      expect(shown()).toEqual([
        ['initiated', 1],
        ['idle', 0],
        ['idle', 0],
        ['idle', 0],
      ]);
      const marked: StoredCall[] = [];
      for (const row of claim.calls) {
        marked.push(await store.update(row.id, row.version, placingMark(row, T0)));
      }
      await creator.refresh();
      expect(dialing).toEqual([0]);
      expect(shown()[1]).toEqual(['idle', 0]);
      // The provider's answers, written: told, each from idle.
      for (const [i, row] of marked.entries()) {
        await store.update(row.id, row.version, {
          status: 'initiated',
          providerCallId: `other-${i}`,
          leaseOwner: null,
          leaseUntil: null,
          events: [...(row.events ?? []), { status: 'initiated', at: T0, attempt: 1 }],
        });
      }
      await creator.refresh();
      expect(dialing).toEqual([0, 1, 2]);
      expect(shown()).toEqual([
        ['initiated', 1],
        ['initiated', 1],
        ['initiated', 1],
        ['idle', 0],
      ]);
    });
  });
}
