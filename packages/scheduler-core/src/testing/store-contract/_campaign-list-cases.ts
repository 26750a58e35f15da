/**
 * The cases of `testStore()` for reading a campaign's rows: in `list`, in `listCampaignCalls`
 * and counted by `countCampaign`. Run inside the campaigns' `describe`.
 */
import { expect, it } from 'vitest';
import type { CampaignCallsQuery, Store, StoredCampaign, StorePage } from '../../store.js';
import type { ScheduledCallStatus } from '../../types.js';
import { campaignMethods } from './_capabilities.js';
import { claimWith, entries, entry, positions } from './_campaign-fixtures.js';
import {
  listPages,
  positive,
  storedCall,
  storedCampaign,
  T0,
  type ListQuery,
} from './_fixtures.js';

/** Registers the cases; `store()` is the store of the running test. */
export function campaignListCases(store: () => Store): void {
  it("lists a campaign's rows alone, in the (createdAt, id) order, page by page", async (context) => {
    const c = campaignMethods(store(), context);
    if (!c) return;
    const other = '+14155550009';
    await c.insertCampaign(storedCampaign({ id: 'spring', total: 4 }), [
      entry('spring', 0, { id: 's-e', createdAt: T0 + 2 }),
      entry('spring', 1, { id: 's-a', createdAt: T0 + 1 }),
      entry('spring', 2, { id: 's-c', createdAt: T0 + 1, status: 'completed' }),
      entry('spring', 3, { id: 's-b', createdAt: T0 + 3, to: other }),
    ]);
    await c.insertCampaign(storedCampaign({ id: 'summer', total: 2 }), [
      entry('summer', 0, { id: 'u-a', createdAt: T0 + 1 }),
      entry('summer', 1, { id: 'u-b', createdAt: T0 }),
    ]);
    await store().insert(storedCall({ id: 'o-a', createdAt: T0 + 1 }));
    const pages = (query: ListQuery) => listPages(store(), query);
    expect(await pages({ campaign: 'spring', limit: 2 })).toEqual([
      ['s-a', 's-c'],
      ['s-e', 's-b'],
    ]);
    expect(await pages({ campaign: 'spring', status: 'scheduled', limit: 2 })).toEqual([
      ['s-a', 's-e'],
      ['s-b'],
    ]);
    expect(
      await pages({ campaign: 'spring', status: ['completed', 'scheduled'], limit: 10 }),
    ).toEqual([['s-a', 's-c', 's-e', 's-b']]);
    expect(await pages({ campaign: 'spring', to: other, limit: 10 })).toEqual([['s-b']]);
    expect(await pages({ campaign: 'summer', limit: 10 })).toEqual([['u-b', 'u-a']]);
    expect(await pages({ campaign: 'missing', limit: 10 })).toEqual([[]]);
    expect(await pages({ limit: 10 })).toEqual([['o-a']]);
    expect(await pages({ status: 'scheduled', limit: 10 })).toEqual([['o-a']]);
    const [listed] = (await store().list({ campaign: 'summer', limit: 1 })).items;
    expect(listed).toEqual(entry('summer', 1, { id: 'u-b', createdAt: T0 }));
  });

  it("pages through a campaign's rows in list order, filtered by status", async (context) => {
    const c = campaignMethods(store(), context);
    if (!c) return;
    const statuses: ScheduledCallStatus[] = [
      'completed',
      'queued',
      'scheduled',
      'failed',
      'queued',
      'scheduled',
      'ringing',
    ];
    const rows = statuses.map((status, position) =>
      entry('spring', position, {
        id: `r${(position * 5) % 7}`,
        status,
        ...(status === 'queued' || status === 'ringing'
          ? { leaseOwner: 'w0', leaseUntil: T0 + 60_000 }
          : {}),
      }),
    );
    await c.insertCampaign(storedCampaign({ id: 'spring', total: 7 }), [...rows].reverse());
    await c.insertCampaign(storedCampaign({ id: 'summer', total: 2 }), entries('summer', 2));
    await store().insert(storedCall({ id: 'own', status: 'queued' }));
    const list = (query: CampaignCallsQuery, id = 'spring') => c.listCampaignCalls(id, query);

    expect(await list({ limit: 3 })).toEqual(rows.slice(0, 3));
    expect(await list({ afterPosition: null, limit: 3 })).toEqual(rows.slice(0, 3));
    expect(await list({ afterPosition: 2, limit: 3 })).toEqual(rows.slice(3, 6));
    expect(positions(await list({ afterPosition: 5, limit: 3 }))).toEqual([6]);
    expect(await list({ afterPosition: 6, limit: 3 })).toEqual([]);
    const live: ScheduledCallStatus[] = ['queued', 'ringing'];
    expect(positions(await list({ status: live, limit: 2 }))).toEqual([1, 4]);
    expect(positions(await list({ status: live, afterPosition: 4, limit: 2 }))).toEqual([6]);
    expect(positions(await list({ status: ['scheduled'], afterPosition: 2, limit: 5 }))).toEqual([
      5,
    ]);
    expect(
      positions(await list({ status: ['failed', 'completed', 'scheduled'], limit: 10 })),
    ).toEqual([0, 2, 3, 5]);
    expect(await list({ status: [], limit: 10 })).toEqual([]);
    expect(await list({ limit: 10 }, 'missing')).toEqual([]);
    expect(positions(await list({ status: ['scheduled'], limit: 10 }, 'summer'))).toEqual([0, 1]);
  });

  it("counts a campaign's rows by status, and only its own", async (context) => {
    const c = campaignMethods(store(), context);
    if (!c) return;
    await c.insertCampaign(storedCampaign({ id: 'spring', total: 4 }), [
      entry('spring', 0, { status: 'completed' }),
      entry('spring', 1, { status: 'completed' }),
      entry('spring', 2, { status: 'busy' }),
      entry('spring', 3),
    ]);
    await c.insertCampaign(storedCampaign({ id: 'summer', total: 1 }), entries('summer', 1));
    await store().insert(storedCall({ id: 'own', status: 'busy' }));
    expect(positive(await c.countCampaign('spring'))).toEqual({
      completed: 2,
      busy: 1,
      scheduled: 1,
    });
    await claimWith(c)('spring', T0, 10);
    expect(positive(await c.countCampaign('spring'))).toEqual({
      completed: 2,
      busy: 1,
      queued: 1,
    });
    expect(positive(await c.countCampaign('summer'))).toEqual({ scheduled: 1 });
    expect(positive(await c.countCampaign('missing'))).toEqual({});
  });
}

/** Registers the cases of archiving a campaign: kept, marked, and listed on demand. */
export function campaignArchiveCases(store: () => Store): void {
  it('keeps an archived campaign and lists it, or the others, on demand, page by page', async (context) => {
    const c = campaignMethods(store(), context);
    if (!c) return;
    const ids = ['a', 'b', 'c', 'd', 'e'];
    for (const [i, id] of ids.entries()) {
      await c.insertCampaign(storedCampaign({ id, total: 1, createdAt: T0 + i }), [entry(id, 0)]);
    }
    expect((await c.getCampaign('a'))?.archivedAt).toBeNull();
    for (const id of ['b', 'c', 'e']) {
      const stored = (await c.getCampaign(id))!;
      const archived = await c.updateCampaign(id, stored.version, { archivedAt: T0 + 100 });
      expect(archived).toEqual({ ...stored, archivedAt: T0 + 100, version: stored.version + 1 });
      expect(await c.getCampaign(id)).toEqual(archived);
    }
    const pages = async (archived: boolean | undefined) => {
      const seen: string[][] = [];
      let cursor: string | null = null;
      do {
        const page: StorePage<StoredCampaign> = await c.listCampaigns({
          cursor,
          limit: 2,
          ...(archived === undefined ? {} : { archived }),
        });
        seen.push(page.items.map((x) => x.id));
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    };
    expect(await pages(undefined)).toEqual([['e', 'd'], ['c', 'b'], ['a']]);
    expect(await pages(true)).toEqual([['e', 'c'], ['b']]);
    expect(await pages(false)).toEqual([['d', 'a']]);
    // Archived again to no more: shown with the others.
    const c2 = (await c.getCampaign('c'))!;
    await c.updateCampaign('c', c2.version, { archivedAt: null });
    expect(await pages(false)).toEqual([['d', 'c'], ['a']]);
    // Its entries stay, as they were.
    expect(positive(await c.countCampaign('e'))).toEqual({ scheduled: 1 });
  });
}
