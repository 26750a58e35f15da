/**
 * `entries(name, query)` reads one page of a campaign's entries, filtered by status in the store;
 * `archive(name)` archives a campaign that is done, so that `list({ archived: false })` leaves it
 * out while the store keeps it.
 */
import { isInvalidOptionsError } from '@ringkit/call-client';
import { isCallNotFoundError, isConflictError } from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { afterEach, describe, expect, it } from 'vitest';
import { createScriptedProvider } from '../../test/campaign-provider.js';
import { createCampaigns } from './campaigns.js';
import type { Campaigns } from './types.js';

const CALLER_ID = '+14155550100';
const NUMBERS = ['+14155552671', '+13018040009', '+12025550123', '+16175550199', '+13125550147'];

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** Campaigns on a memory store whose calls end busy for odd positions, completed for the others; `delay` ms after their POST. */
function setup(delay = 5) {
  const scripted = createScriptedProvider({
    outcome: (_n, to) => (NUMBERS.indexOf(to) % 2 === 1 ? 'busy' : 'completed'),
    delay: () => delay,
  });
  const campaigns = createCampaigns({
    store: createMemoryStore(),
    provider: scripted.provider,
    callerId: CALLER_ID,
    refreshIntervalMs: 20,
  });
  scripted.state.route = (event) => campaigns.handleStatus(event);
  cleanups.push(() => campaigns.close());
  return { campaigns, scripted };
}

async function done(campaigns: Campaigns, name: string): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    if ((await campaigns.get(name)).state === 'done') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${name} is not done`);
}

describe('entries()', () => {
  it("pages through a campaign's entries in list order, filtered by their rows' status", async () => {
    const { campaigns } = setup();
    await campaigns.create('spring', NUMBERS, { concurrency: 5 });
    await done(campaigns, 'spring');

    const first = await campaigns.entries('spring', { limit: 2 });
    expect(first.items.map((e) => [e.index, e.phone, e.status])).toEqual([
      [0, NUMBERS[0], 'completed'],
      [1, NUMBERS[1], 'busy'],
    ]);
    expect(first.nextCursor).toBe(1);
    const second = await campaigns.entries('spring', { after: first.nextCursor, limit: 2 });
    expect(second.items.map((e) => e.index)).toEqual([2, 3]);
    const last = await campaigns.entries('spring', { after: second.nextCursor, limit: 2 });
    expect(last).toMatchObject({ items: [{ index: 4 }], nextCursor: null });

    const busy = await campaigns.entries('spring', { status: ['busy'] });
    expect(busy.items.map((e) => [e.index, e.status])).toEqual([
      [1, 'busy'],
      [3, 'busy'],
    ]);
    expect(busy.nextCursor).toBeNull();
    // Every entry as snapshot() shows it.
    const all = await campaigns.entries('spring');
    expect(all.items).toEqual((await campaigns.snapshot('spring')).entries);
  });

  it('refuses a bad query with InvalidOptionsError, and an unknown campaign with CallNotFoundError', async () => {
    const { campaigns } = setup();
    for (const query of [
      { limit: 0 },
      { limit: 1001 },
      { after: -1 },
      { status: ['ringin'] },
      { size: 2 },
    ]) {
      const error = await campaigns
        .entries('spring', query as Parameters<Campaigns['entries']>[1])
        .catch((e: unknown) => e);
      expect(isInvalidOptionsError(error)).toBe(true);
    }
    expect(isCallNotFoundError(await campaigns.entries('nobody').catch((e: unknown) => e))).toBe(
      true,
    );
  });
});

describe('archive()', () => {
  it('archives a campaign that is done: left out of list({ archived: false }), kept and readable', async () => {
    const { campaigns } = setup();
    await campaigns.create('spring', NUMBERS.slice(0, 2));
    await campaigns.create('summer', NUMBERS.slice(2));
    await done(campaigns, 'spring');
    const before = await campaigns.get('spring');

    const archived = await campaigns.archive('spring');
    expect(archived.campaign.archivedAt).toEqual(expect.any(Number));
    expect(archived.state).toBe('done');
    expect(archived.progress).toEqual(before.progress);
    const ids = async (archivedOnly?: boolean) =>
      (
        await campaigns.list(archivedOnly === undefined ? {} : { archived: archivedOnly })
      ).items.map((v) => v.campaign.id);
    expect(await ids(false)).toEqual(['summer']);
    expect(await ids(true)).toEqual(['spring']);
    expect(await ids()).toEqual(['summer', 'spring']);
    expect((await campaigns.snapshot('spring')).entries.map((e) => e.status)).toEqual([
      'completed',
      'busy',
    ]);
    // Again: as it is. Taken back: listed with the others.
    expect((await campaigns.archive('spring')).campaign.archivedAt).toBe(
      archived.campaign.archivedAt,
    );
    expect((await campaigns.archive('spring', { archived: false })).campaign.archivedAt).toBeNull();
    await done(campaigns, 'summer');
    expect(await ids(false)).toEqual(['summer', 'spring']);
  });

  it('refuses a campaign still dialing with ConflictError campaign_not_done, and changes nothing', async () => {
    const { campaigns } = setup(60_000);
    await campaigns.create('spring', NUMBERS, { concurrency: 1 });
    const error = await campaigns.archive('spring').catch((e: unknown) => e);
    expect(isConflictError(error)).toBe(true);
    expect(error).toMatchObject({ reason: 'campaign_not_done', id: 'spring' });
    expect((await campaigns.get('spring')).campaign.archivedAt).toBeNull();
    expect((await campaigns.list({ archived: false })).items).toHaveLength(1);
    await campaigns.stop('spring', { hangUp: false });
    expect(
      isInvalidOptionsError(
        await campaigns.archive('spring', { archive: true } as never).catch((e: unknown) => e),
      ),
    ).toBe(true);
    expect(isCallNotFoundError(await campaigns.archive('nobody').catch((e: unknown) => e))).toBe(
      true,
    );
  });
});
