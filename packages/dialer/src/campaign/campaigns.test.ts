import type { CallStatusEvent } from '@ringkit/call-client';
import { isUnsupportedOperationError } from '@ringkit/call-client';
import { isCallNotFoundError, isConflictError, type Store } from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createScriptedProvider } from '../../test/campaign-provider.js';
import { storeKinds } from '../../test/stores.js';
import { isCampaignExistsError, isCampaignsClosedError } from '../errors.js';
import { createCampaigns } from './campaigns.js';
import type { Campaigns, CampaignsOptions, CampaignView } from './types.js';

const CALLER_ID = '+14155550100';
const A = '+14155552671';
const B = '+13018040009';
const C = '+12025550123';
const D = '+16175550199';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/**
 * A webhook route: to the campaign whose call it is, else held for the placement to come. A
 * worker that is closed rejects it, and the provider sends it again (to the next worker).
 */
const deliverTo = (campaigns: Campaigns) => async (event: CallStatusEvent) => {
  await campaigns.handleStatus(event);
};

/**
 * Resolves with the view once `name` is done (or stopped) in `campaigns`; after `ms` (a bound on
 * liveness that a busy machine must not reach, not a timing), fails with what its entries are then.
 */
function done(campaigns: Campaigns, name: string, ms = 60_000): Promise<CampaignView> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = async () => {
      const view = await campaigns.get(name).catch(() => null);
      if (view?.state === 'done' || view?.state === 'stopped') {
        clearInterval(timer);
        resolve(view);
      } else if (Date.now() - started > ms) {
        clearInterval(timer);
        const snapshot = await campaigns.snapshot(name).catch((e: unknown) => String(e));
        reject(new Error(`${name} not done within ${ms} ms: ${JSON.stringify(snapshot)}`));
      }
    };
    const timer = setInterval(() => void check(), 20);
  });
}

for (const kind of storeKinds()) {
  // Its waits are bounds on liveness (`done`, a minute), which the tests' time must leave room for.
  describe(`createCampaigns on the ${kind.name} store`, { timeout: 120_000 }, () => {
    /** A fresh place and a way to open workers on it, closed after the test. */
    async function place() {
      const where = await kind.create();
      const stores: Store[] = [];
      cleanups.push(async () => {
        for (const store of new Set(stores)) await store.close();
        await where.dispose();
      });
      const worker = (options: Omit<CampaignsOptions, 'store' | 'callerId'>) => {
        const store = where.open();
        stores.push(store);
        const campaigns = createCampaigns({
          store,
          callerId: CALLER_ID,
          refreshIntervalMs: 20,
          ...options,
        });
        cleanups.push(() => campaigns.close());
        return campaigns;
      };
      return { worker };
    }

    it('creates, dials, reports and reads back a campaign, with its events', async () => {
      const { provider, state } = createScriptedProvider({
        outcome: (_n, to) => (to === B ? 'busy' : 'completed'),
      });
      const { worker } = await place();
      const campaigns = worker({ provider, changeIntervalMs: 10 });
      state.route = deliverTo(campaigns);
      const seen: string[] = [];
      campaigns.on('created', (e) => seen.push(`created ${e.campaign}`));
      campaigns.on('done', (e) => seen.push(`done ${e.campaign} ${e.view.state}`));
      const statuses: string[] = [];
      campaigns.on('status', (e) => statuses.push(`${e.campaign}:${e.index}:${e.status}`));
      await campaigns.start();
      const created = await campaigns.create('spring', [A, B, C], { concurrency: 2 });
      expect(created.campaign.id).toBe('spring');
      expect(created.concurrency).toBe(2);
      const view = await done(campaigns, 'spring');
      expect(view.state).toBe('done');
      expect(view.progress).toEqual({
        dialed: 3,
        live: 0,
        completed: 2,
        missed: 1,
        unknown: 0,
        canceled: 0,
        suppressed: 0,
      });
      await vi.waitFor(() => expect(seen).toEqual(['created spring', 'done spring done']));
      expect(statuses).toContain('spring:1:busy');
      expect(state.placed).toEqual([A, B, C]);
      expect(state.maxLive).toBeLessThanOrEqual(2);

      const entries = [];
      for await (const entry of campaigns.results('spring')) entries.push(entry);
      expect(entries.map((e) => [e.phone, e.status])).toEqual([
        [A, 'completed'],
        [B, 'busy'],
        [C, 'completed'],
      ]);
      expect((await campaigns.snapshot('spring')).entries).toEqual(entries);
      const page = await campaigns.list({ limit: 10 });
      expect(page.items.map((v) => [v.campaign.id, v.state])).toEqual([['spring', 'done']]);
      expect(page.nextCursor).toBeNull();
    });

    it('refuses pause, resume and stop of a campaign that is done (campaign_done), and a missing one', async () => {
      const { provider, state } = createScriptedProvider({ outcome: () => 'completed' });
      const { worker } = await place();
      const campaigns = worker({ provider });
      state.route = deliverTo(campaigns);
      await campaigns.create('once', [A]);
      await done(campaigns, 'once');
      for (const action of ['pause', 'resume', 'stop'] as const) {
        const error = await campaigns[action]('once').catch((e: unknown) => e);
        expect(isConflictError(error) && error.reason).toBe('campaign_done');
      }
      expect((await campaigns.get('once')).state).toBe('done');
      expect(isCallNotFoundError(await campaigns.get('nope').catch((e: unknown) => e))).toBe(true);
      expect(isCallNotFoundError(await campaigns.pause('nope').catch((e: unknown) => e))).toBe(
        true,
      );
    });

    it('pauses, resumes and stops; a stopped campaign refuses resume', async () => {
      const { provider, state } = createScriptedProvider({
        outcome: () => 'completed',
        delay: () => 40,
      });
      const { worker } = await place();
      const campaigns = worker({ provider });
      state.route = deliverTo(campaigns);
      await campaigns.create('p', [A, B, C, D], { concurrency: 1 });
      expect((await campaigns.pause('p')).state).toBe('paused');
      const before = state.placed.length;
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(state.placed.length).toBeLessThanOrEqual(before + 1);
      expect((await campaigns.resume('p')).state).toBe('running');
      const stopped = await campaigns.stop('p');
      expect(stopped.state).toBe('stopped');
      const error = await campaigns.resume('p').catch((e: unknown) => e);
      expect(isConflictError(error) && error.reason).toBe('campaign_stopped');
      const view = await done(campaigns, 'p');
      expect(view.progress.canceled).toBeGreaterThan(0);
    });

    it('gives a name to exactly one of concurrent creations, in one worker and in two, many times', async () => {
      const { provider, state } = createScriptedProvider({ outcome: () => 'completed' });
      const { worker } = await place();
      const one = worker({ provider });
      const two = worker({ provider });
      state.route = deliverTo(one);
      const lists = [[A], [A, B], [B, C, D], [A]];
      for (let round = 0; round < 8; round += 1) {
        const name = `race-${round}`;
        const attempts = Array.from({ length: 12 }, (_, i) => {
          const by = round % 2 === 0 ? one : i % 2 === 0 ? one : two;
          const list = lists[(i + round) % lists.length]!;
          return new Promise((resolve) => setTimeout(resolve, Math.random() * 3)).then(() =>
            by.create(name, list),
          );
        });
        const results = await Promise.allSettled(attempts);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r) => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost.every((r) => isCampaignExistsError(r.reason))).toBe(true);
        // The winner's list is the one stored and dialed.
        const view = won[0]!.value;
        const stored = await one.snapshot(name);
        expect(stored.entries).toHaveLength(view.campaign.total);
      }
      // Later, and identical lists too, are refused.
      const again = await one.create('race-0', [A]).catch((e: unknown) => e);
      expect(isCampaignExistsError(again) && again.campaign).toBe('race-0');
    });

    it('joins at start() every campaign that is not done, after a worker went away', async () => {
      const { provider, state } = createScriptedProvider({
        outcome: () => 'completed',
        delay: () => 30,
      });
      const { worker } = await place();
      const first = worker({ provider });
      state.route = deliverTo(first);
      await first.create('left', [A, B, C], { concurrency: 1 });
      await first.pause('left');
      await first.close();
      expect(isCampaignsClosedError(await first.get('left').catch((e: unknown) => e))).toBe(false);
      expect(isCampaignsClosedError(await first.create('x', [A]).catch((e: unknown) => e))).toBe(
        true,
      );

      const second = worker({ provider });
      state.route = deliverTo(second);
      const joined: string[] = [];
      second.on('joined', (e) => joined.push(e.campaign));
      await second.start();
      expect(joined).toEqual(['left']);
      await second.resume('left');
      const view = await done(second, 'left');
      expect(view.progress.completed).toBe(3);
      // Each number was rung once, whoever placed it.
      expect([...state.placed].sort()).toEqual([A, B, C].sort());
    });

    it('keeps finished snapshots by size: past the bound, entries are read again from the store', async () => {
      const { provider, state } = createScriptedProvider({ outcome: () => 'completed' });
      const { worker } = await place();
      const campaigns = worker({ provider, finishedEntriesKept: 3 });
      state.route = deliverTo(campaigns);
      await campaigns.create('small', [A, B]);
      await campaigns.create('large', [A, B, C, D]);
      await done(campaigns, 'small');
      await done(campaigns, 'large');
      // Still complete and right, however much is kept.
      expect((await campaigns.snapshot('large')).entries.map((e) => e.status)).toEqual(
        Array(4).fill('completed'),
      );
      expect((await campaigns.snapshot('small')).entries).toHaveLength(2);
      expect((await campaigns.get('large')).progress.completed).toBe(4);
    });
  });
}

describe('createCampaigns', () => {
  it('creates a long list in slices of time: the event loop turns meanwhile, and a bad number is still told at its index', async () => {
    const { provider } = createScriptedProvider({ outcome: () => 'completed' });
    const store = createMemoryStore();
    // The turns of the loop taken before the rows reach the store: while the list was checked.
    let turnsBeforeInsert = -1;
    const insertCampaign = store.insertCampaign!.bind(store);
    store.insertCampaign = (campaign, rows) => {
      turnsBeforeInsert = turns;
      return insertCampaign(campaign, rows);
    };
    const campaigns = createCampaigns({ store, provider, callerId: CALLER_ID });
    cleanups.push(() => campaigns.close());
    await campaigns.start();
    const numbers = Array.from({ length: 5_000 }, (_, i) => `+1415${2_000_000 + i}`);
    let turns = 0;
    let created = false;
    const tick = () => {
      if (created) return;
      turns += 1;
      setImmediate(tick);
    };
    setImmediate(tick);
    const view = await campaigns.create('long', numbers, { concurrency: 1 });
    created = true;
    expect(view.campaign.total).toBe(5_000);
    // Checking 5,000 numbers takes tens of ms: the loop turned between slices of it.
    expect(turnsBeforeInsert).toBeGreaterThan(2);

    const bad = await campaigns
      .create('bad', [...numbers.slice(0, 3_000), 'nope'], { concurrency: 1 })
      .catch((error: unknown) => error);
    expect(bad).toMatchObject({
      code: 'invalid_numbers',
      invalid: [{ index: 3_000, input: 'nope' }],
    });
    await expect(campaigns.get('bad')).rejects.toSatisfy(isCallNotFoundError);
  });

  it('refuses a store without the campaign methods', () => {
    const { provider } = createScriptedProvider({ outcome: () => 'completed' });
    const store = createMemoryStore();
    const bare = { ...store, claimCampaign: undefined } as unknown as Store;
    const error = (() => {
      try {
        createCampaigns({ store: bare, provider, callerId: CALLER_ID });
      } catch (e) {
        return e;
      }
    })();
    expect(isUnsupportedOperationError(error) && error.code).toBe('campaigns_unsupported');
  });
});
