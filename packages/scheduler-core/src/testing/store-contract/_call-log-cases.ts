/**
 * The cases of `testStore()` for the call log across every number: `listCallLog`, its order, its
 * pages and each of its filters, alone and together.
 */
import { expect, it } from 'vitest';
import type { CallLogQuery, Store, StoredCallRecord } from '../../store.js';
import { record, T0 } from './_fixtures.js';

const ME = '+14155550100';
const A = '+14155550001';
const B = '+14155550002';

/**
 * Six records: outbound and inbound, of several outcomes, two started at the same time, three of
 * two campaigns' entries.
 */
const RECORDS: StoredCallRecord[] = [
  { ...record('c1', ME, A, T0), campaign: 'spring' },
  {
    ...record('c2', ME, B, T0 + 1000),
    status: 'busy',
    answeredAt: null,
    durationS: 0,
    campaign: 'autumn',
  },
  { ...record('c3', A, ME, T0 + 2000), direction: 'inbound' },
  { ...record('c4', B, ME, T0 + 2000), direction: 'inbound', status: 'no-answer' },
  { ...record('c5', ME, A, T0 + 3000), status: 'failed', outcomeUnknown: true, campaign: 'spring' },
  { ...record('c6', A, B, T0 + 4000), status: 'canceled' },
];

/** Registers the cases; `store()` is the store of the running test. */
export function callLogCases(store: () => Store): void {
  async function seeded() {
    for (const r of RECORDS) await store().saveCallRecord(r);
  }

  /** The ids every page of `query` lists, `limit` at a time, following the cursors. */
  async function ids(log: Store['listCallLog'], query: Omit<CallLogQuery, 'limit'>) {
    const out: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await log({ ...query, cursor, limit: 2 });
      expect(page.items.length).toBeLessThanOrEqual(2);
      out.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    return out;
  }

  it('lists every record, newest first (ties by id, descending), page by page, whole', async () => {
    const log = (query: CallLogQuery) => store().listCallLog(query);
    await seeded();
    expect(await ids(log, {})).toEqual(['c6', 'c5', 'c4', 'c3', 'c2', 'c1']);
    const first = await log({ limit: 3 });
    expect(first.items).toEqual([RECORDS[5], RECORDS[4], RECORDS[3]]);
    expect(first.nextCursor).not.toBeNull();
    expect((await log({ limit: 10 })).nextCursor).toBeNull();
  });

  it('filters by direction, statuses, a time range, a number and a campaign, alone and together', async () => {
    const log = (query: CallLogQuery) => store().listCallLog(query);
    await seeded();
    expect(await ids(log, { direction: 'inbound' })).toEqual(['c4', 'c3']);
    expect(await ids(log, { statuses: ['busy', 'no-answer', 'failed'] })).toEqual([
      'c5',
      'c4',
      'c2',
    ]);
    expect(await ids(log, { statuses: [] })).toEqual([]);
    expect(await ids(log, { since: T0 + 1000, until: T0 + 3000 })).toEqual(['c4', 'c3', 'c2']);
    expect(await ids(log, { phone: B })).toEqual(['c6', 'c4', 'c2']);
    expect(
      await ids(log, {
        direction: 'outbound',
        statuses: ['completed', 'busy', 'canceled'],
        since: T0,
        phone: A,
      }),
    ).toEqual(['c6', 'c1']);
    expect(await ids(log, { phone: '+14155559999' })).toEqual([]);
    expect(await ids(log, { campaign: 'spring' })).toEqual(['c5', 'c1']);
    expect(await ids(log, { campaign: 'spring', statuses: ['completed'] })).toEqual(['c1']);
    expect(await ids(log, { campaign: 'autumn', phone: B })).toEqual(['c2']);
    expect(await ids(log, { campaign: 'autumn', phone: A })).toEqual([]);
    expect(await ids(log, { campaign: 'winter' })).toEqual([]);
  });

  it('keeps its place when records are added above the page being read', async () => {
    const log = (query: CallLogQuery) => store().listCallLog(query);
    await seeded();
    const first = await log({ limit: 2 });
    await store().saveCallRecord(record('c7', ME, A, T0 + 9000));
    const second = await log({ cursor: first.nextCursor, limit: 2 });
    expect(second.items.map((r) => r.id)).toEqual(['c4', 'c3']);
  });

  it("reads one number's records past hundreds of others of its own, filtered, page by page", async () => {
    const log = (query: CallLogQuery) => store().listCallLog(query);
    // 600 records of ME, one in three busy, beside 300 of other numbers.
    for (let i = 0; i < 600; i += 1) {
      const other = i % 2 === 0 ? A : B;
      const mine = record(`m${String(i).padStart(3, '0')}`, ME, other, T0 + i * 1000);
      await store().saveCallRecord(i % 3 === 0 ? { ...mine, status: 'busy' } : mine);
      if (i % 2 === 0) await store().saveCallRecord(record(`o${i}`, A, B, T0 + i * 1000 + 1));
    }
    const busy = await ids(log, { phone: ME, statuses: ['busy'] });
    expect(busy).toHaveLength(200);
    expect(busy[0]).toBe('m597');
    expect(busy.at(-1)).toBe('m000');
    const page = await log({ phone: ME, statuses: ['busy'], limit: 150 });
    expect(page.items).toHaveLength(150);
    const rest = await log({ phone: ME, statuses: ['busy'], limit: 150, cursor: page.nextCursor });
    expect(rest.items.map((r) => r.id)).toEqual(busy.slice(150));
    expect(rest.nextCursor).toBeNull();
  });
}
