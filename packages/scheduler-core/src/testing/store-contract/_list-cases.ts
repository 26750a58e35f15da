/**
 * The cases of `testStore()` for reading many rows: `list` in a stable order, page by page and
 * filtered, and `countByStatus`.
 */
import { expect, it } from 'vitest';
import { FINISHED_STATUSES, LIVE_STATUSES, type Store } from '../../store.js';
import { SCHEDULED_CALL_STATUSES, type ScheduledCallStatus } from '../../types.js';
import { offered } from './_capabilities.js';
import { listPages, positive, storedCall, T0, type ListQuery } from './_fixtures.js';

/** Registers the cases; `store()` is the store of the running test. */
export function listCases(store: () => Store): void {
  it('pages through rows in a stable order, even with equal timestamps', async () => {
    const ids = ['e', 'b', 'd', 'a', 'c', 'f', 'g'];
    for (const [i, id] of ids.entries()) {
      await store().insert(storedCall({ id, createdAt: i < 5 ? T0 : T0 - 1, dueAt: T0 + i }));
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await store().list({ cursor, limit: 2 });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['f', 'g', 'a', 'b', 'c', 'd', 'e']);
  });

  it('filters a list by status and by number', async () => {
    await store().insert(storedCall({ id: 'a', to: '+14155550001' }));
    await store().insert(storedCall({ id: 'b', to: '+14155550002', status: 'completed' }));
    await store().insert(storedCall({ id: 'c', to: '+14155550001', status: 'canceled' }));
    const byStatus = await store().list({ status: ['completed', 'canceled'], limit: 10 });
    expect(byStatus.items.map((r) => r.id)).toEqual(['b', 'c']);
    expect(byStatus.nextCursor).toBeNull();
    const byNumber = await store().list({ to: '+14155550001', status: 'scheduled', limit: 10 });
    expect(byNumber.items.map((r) => r.id)).toEqual(['a']);
  });

  it('counts rows by status in one query, when it offers countByStatus', async () => {
    if (!store().countByStatus) return;
    expect(positive(await store().countByStatus!(SCHEDULED_CALL_STATUSES))).toEqual({});
    await store().insert(storedCall({ id: 'a' }));
    await store().insert(storedCall({ id: 'b', status: 'completed' }));
    await store().insert(storedCall({ id: 'c', status: 'completed' }));
    await store().insert(storedCall({ id: 'd', status: 'ringing' }));
    const d = (await store().get('d'))!;
    await store().update('d', d.version, { status: 'answered' });
    const counts = await store().countByStatus!(SCHEDULED_CALL_STATUSES);
    // Statuses with no row may be there as 0 or left out.
    expect(positive(counts)).toEqual({
      scheduled: 1,
      completed: 2,
      answered: 1,
    });
  });

  it('counts only the statuses it is asked for, as rows change status', async (context) => {
    const count = offered(store(), 'countByStatus', context);
    if (!count) return;
    const rows: [string, ScheduledCallStatus][] = [
      ['s1', 'scheduled'],
      ['s2', 'scheduled'],
      ['q', 'queued'],
      ['i', 'initiated'],
      ['r', 'ringing'],
      ['a', 'answered'],
      ['c1', 'completed'],
      ['c2', 'completed'],
      ['b', 'busy'],
      ['n', 'no-answer'],
      ['f', 'failed'],
      ['x', 'canceled'],
    ];
    for (const [id, status] of rows) await store().insert(storedCall({ id, status }));
    const live = await count(LIVE_STATUSES);
    expect(
      Object.keys(live).filter((s) => !(LIVE_STATUSES as readonly string[]).includes(s)),
    ).toEqual([]);
    expect(positive(live)).toEqual({
      scheduled: 2,
      queued: 1,
      initiated: 1,
      ringing: 1,
      answered: 1,
    });
    const some = await count(['completed', 'busy']);
    expect(Object.keys(some).filter((s) => s !== 'completed' && s !== 'busy')).toEqual([]);
    expect(positive(some)).toEqual({ completed: 2, busy: 1 });
    expect(positive(await count(['queued']))).toEqual({ queued: 1 });
    expect(Object.keys(await count([]))).toEqual([]);

    await store().update('s1', 1, { status: 'queued', leaseOwner: 'w1', leaseUntil: T0 + 1000 });
    await store().update('a', 1, { status: 'completed' });
    expect(positive(await count(LIVE_STATUSES))).toEqual({
      scheduled: 1,
      queued: 2,
      initiated: 1,
      ringing: 1,
    });
    expect(positive(await count(FINISHED_STATUSES))).toEqual({
      completed: 3,
      busy: 1,
      'no-answer': 1,
      failed: 1,
      canceled: 1,
    });
  });

  it('lists several statuses in one (createdAt, id) order, page by page', async () => {
    const other = '+14155550009';
    // Inserted out of order; `createdAt` ties across statuses.
    const rows: [string, ScheduledCallStatus, number, string?][] = [
      ['h', 'scheduled', T0 + 5, other],
      ['c', 'scheduled', T0],
      ['g', 'canceled', T0 + 5],
      ['a', 'completed', T0, other],
      ['f', 'completed', T0 + 5],
      ['b', 'queued', T0],
      ['e', 'failed', T0 - 5],
      ['d', 'scheduled', T0 - 5],
    ];
    for (const [id, status, createdAt, to] of rows) {
      await store().insert(storedCall({ id, status, createdAt, ...(to ? { to } : {}) }));
    }
    const pages = (query: ListQuery) => listPages(store(), query);
    const asked: ScheduledCallStatus[] = ['scheduled', 'completed', 'failed'];
    expect(await pages({ status: asked, limit: 2 })).toEqual([
      ['d', 'e'],
      ['a', 'c'],
      ['f', 'h'],
    ]);
    expect(await pages({ status: asked, limit: 4 })).toEqual([
      ['d', 'e', 'a', 'c'],
      ['f', 'h'],
    ]);
    expect(await pages({ status: ['completed', 'scheduled'], to: other, limit: 1 })).toEqual([
      ['a'],
      ['h'],
    ]);
    expect(await pages({ status: ['queued', 'canceled'], limit: 1 })).toEqual([['b'], ['g']]);
    expect(await pages({ status: ['ringing', 'busy'], limit: 5 })).toEqual([[]]);
    // A row that changes status moves to that status's place in the order.
    await store().update('c', 1, { status: 'completed' });
    expect(await pages({ status: 'completed', limit: 10 })).toEqual([['a', 'c', 'f']]);
    expect(await pages({ status: ['scheduled'], limit: 10 })).toEqual([['d', 'h']]);
  });
}
