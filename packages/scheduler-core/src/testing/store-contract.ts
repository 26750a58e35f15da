/**
 * `testStore()`: the one suite every store runs, memory, SQLite, PostgreSQL and yours. It is
 * long because it is the whole contract, case by case, in one place a store author can read.
 */
import { afterEach, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import { isConflictError, isNotFoundError } from '../errors.js';
import {
  FINISHED_STATUSES,
  LIVE_STATUSES,
  type Store,
  type StoredCall,
  type StoredCallRecord,
} from '../store.js';
import { SCHEDULED_CALL_STATUSES, type ScheduledCallStatus } from '../types.js';
import { newStoredCall } from '../_rows.js';
import { callCases } from './_call-cases.js';

export interface TestStoreOptions {
  /** Shown in the test names, e.g. `'sqlite'`. */
  name: string;
  /** Makes an empty store; called before each test. */
  create: () => Store | Promise<Store>;
  /**
   * Opens a second connection to the same data (another process would): concurrent claims are
   * then raced across both. Leave it out for stores that live in one process.
   */
  connectAgain?: (store: Store) => Store | Promise<Store>;
}

const T0 = Date.UTC(2026, 0, 1, 12);

/** A stored row with defaults (a new `scheduled` call, due at a fixed time); override what a test needs. */
export function storedCall(overrides: Partial<StoredCall> & { id: string }): StoredCall {
  return {
    ...newStoredCall({
      id: overrides.id,
      to: '+14155552671',
      dueAt: T0,
      now: T0,
      idempotencyKey: null,
      options: null,
    }),
    ...overrides,
  };
}

function record(id: string, from: string, to: string, startedAt: number): StoredCallRecord {
  return {
    id,
    from,
    to,
    direction: 'outbound',
    status: 'completed',
    startedAt,
    answeredAt: startedAt + 1000,
    endedAt: startedAt + 61_000,
    durationSeconds: 60,
    outcomeUnknown: false,
    answeredBy: null,
  };
}

/** Counts without the statuses at 0 (a store may leave them out or give them as 0). */
const positive = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));

/** The optional methods of a store that some tests need. */
type OptionalMethod = 'countByStatus' | 'deleteFinished' | 'deleteCallRecords' | 'acquireLease';

/**
 * The store's optional `method`, bound to it; `null` (and the test marked skipped, naming the
 * method) when the store does not offer it.
 */
function offered<K extends OptionalMethod>(
  store: Store,
  method: K,
  context: TestContext,
): NonNullable<Store[K]> | null {
  const fn = store[method] as ((...args: never[]) => unknown) | undefined;
  if (typeof fn !== 'function') {
    context.skip(`the store has no ${method}()`);
    return null;
  }
  return fn.bind(store) as NonNullable<Store[K]>;
}

async function expectRejects(promise: Promise<unknown>, guard: (e: unknown) => boolean) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a rejection').toBeDefined();
  expect(guard(error), String(error)).toBe(true);
  return error;
}

/**
 * The one contract suite every `Store` must pass. Call it at the top level of a vitest file:
 *
 * @example
 * import { testStore } from '@ringkit/scheduler-core/testing';
 * testStore({ name: 'my-store', create: () => myStore() });
 */
export function testStore(options: TestStoreOptions): void {
  describe(`Store contract: ${options.name}`, () => {
    let store: Store;
    const extra: Store[] = [];

    beforeEach(async () => {
      store = await options.create();
    });
    afterEach(async () => {
      for (const other of extra.splice(0)) await other.close();
      await store.close();
    });

    it('returns an inserted row exactly as given, and null for an unknown id', async () => {
      const row = storedCall({
        id: 'a',
        idempotencyKey: 'key-a',
        events: [{ status: 'scheduled', at: T0, attempt: 1, reason: 'x' }],
        options: {
          maxAttempts: 3,
          retryBackoff: { delayMs: 10, factor: 2, maxDelayMs: 100 },
          recurrence: { cron: '0 9 * * *', timezone: 'America/New_York' },
          window: { start: '08:00', end: '21:00', timezone: 'America/New_York' },
          metadata: { note: 'hi', n: 1 },
          seriesId: null,
          occurrenceAt: T0,
        },
      });
      expect(await store.insert(row)).toEqual(row);
      expect(await store.get('a')).toEqual(row);
      expect(await store.get('missing')).toBeNull();
    });

    it('refuses a second row with the same id or idempotency key', async () => {
      await store.insert(storedCall({ id: 'a', idempotencyKey: 'k' }));
      await expectRejects(store.insert(storedCall({ id: 'a' })), isConflictError);
      const error = await expectRejects(
        store.insert(storedCall({ id: 'b', idempotencyKey: 'k' })),
        isConflictError,
      );
      expect((error as { reason: string }).reason).toBe('duplicate');
      expect(await store.get('b')).toBeNull();
      expect((await store.findByIdempotencyKey('k'))?.id).toBe('a');
      expect(await store.findByIdempotencyKey('nope')).toBeNull();
    });

    it('updates a row at the expected version and bumps the version', async () => {
      await store.insert(storedCall({ id: 'a' }));
      const updated = await store.update('a', 1, { status: 'canceled', reason: 'canceled' });
      expect(updated).toMatchObject({
        id: 'a',
        version: 2,
        status: 'canceled',
        reason: 'canceled',
      });
      expect(await store.get('a')).toEqual(updated);
    });

    it('refuses an update at a stale version and one for an unknown id', async () => {
      await store.insert(storedCall({ id: 'a' }));
      await store.update('a', 1, { reason: 'first' });
      const error = await expectRejects(
        store.update('a', 1, { reason: 'second' }),
        isConflictError,
      );
      expect((error as { reason: string }).reason).toBe('version_conflict');
      expect((await store.get('a'))?.reason).toBe('first');
      await expectRejects(store.update('missing', 1, { reason: 'x' }), isNotFoundError);
    });

    it('claims only due rows, earliest first, up to the limit, with a lease', async () => {
      await store.insert(storedCall({ id: 'late', dueAt: T0 + 5000 }));
      await store.insert(storedCall({ id: 'b', dueAt: T0 + 1000 }));
      await store.insert(storedCall({ id: 'a', dueAt: T0 + 1000 }));
      await store.insert(storedCall({ id: 'first', dueAt: T0 }));
      await store.insert(storedCall({ id: 'done', dueAt: T0, status: 'completed' }));
      const claimed = await store.claimDue(T0 + 1000, 2, 'w1', T0 + 31_000);
      expect(claimed.map((r) => r.id)).toEqual(['first', 'a']);
      expect(claimed[0]).toMatchObject({
        status: 'queued',
        leaseOwner: 'w1',
        leaseUntil: T0 + 31_000,
        version: 2,
      });
      expect((await store.claimDue(T0 + 1000, 10, 'w2', T0 + 31_000)).map((r) => r.id)).toEqual([
        'b',
      ]);
      expect(await store.claimDue(T0 + 1000, 10, 'w2', T0 + 31_000)).toEqual([]);
    });

    it('hands a claimed row to another worker only once its lease expired', async () => {
      await store.insert(storedCall({ id: 'a' }));
      await store.claimDue(T0, 1, 'w1', T0 + 30_000);
      expect(await store.claimDue(T0 + 29_999, 1, 'w2', T0 + 60_000)).toEqual([]);
      const [again] = await store.claimDue(T0 + 30_000, 1, 'w2', T0 + 60_000);
      expect(again).toMatchObject({
        id: 'a',
        leaseOwner: 'w2',
        leaseUntil: T0 + 60_000,
        version: 3,
      });
    });

    it('never hands one call to two concurrent claimants', async () => {
      const other = options.connectAgain ? await options.connectAgain(store) : store;
      if (other !== store) extra.push(other);
      for (let i = 0; i < 200; i++) {
        await store.insert(
          storedCall({ id: `c${String(i).padStart(3, '0')}`, dueAt: T0 + (i % 7) }),
        );
      }
      const claims = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 === 0 ? store : other).claimDue(T0 + 10, 7, `w${i}`, T0 + 30_000),
        ),
      );
      const ids = claims.flat().map((r) => r.id);
      expect(ids).toHaveLength(200);
      expect(new Set(ids).size).toBe(200);
    });

    describe('a shared send budget, when it offers claimDueBudgeted and reserveSendSlot', () => {
      const budget = { intervalMs: 100, horizonMs: 1000 };
      const budgeted = () => {
        const { claimDueBudgeted, reserveSendSlot } = store;
        if (!claimDueBudgeted || !reserveSendSlot) return null;
        return {
          claim: claimDueBudgeted.bind(store),
          reserve: reserveSendSlot.bind(store),
        };
      };

      it('offers both methods or neither', () => {
        expect(store.claimDueBudgeted === undefined).toBe(store.reserveSendSlot === undefined);
      });

      it('gives each claimed call the next free slot, intervalMs apart, claim after claim', async () => {
        const b = budgeted();
        if (!b) return;
        for (const id of ['a', 'b', 'c', 'd', 'e']) await store.insert(storedCall({ id }));
        const now = T0 + 1000;
        const first = await b.claim(now, 3, 'w1', now + 30_000, budget);
        expect(first.calls.map((r) => r.id)).toEqual(['a', 'b', 'c']);
        expect(first.calls[0]).toMatchObject({ status: 'queued', leaseOwner: 'w1' });
        expect(first.slots).toEqual([now, now + 100, now + 200]);
        expect(first.nextSlotAt).toBe(now + 300);
        const second = await b.claim(now, 10, 'w2', now + 30_000, budget);
        expect(second.calls.map((r) => r.id)).toEqual(['d', 'e']);
        expect(second.slots).toEqual([now + 300, now + 400]);
        expect(await b.reserve(now, budget)).toBe(now + 500);
        // Once the budget's slots are past, the next one is now.
        expect(await b.reserve(now + 5000, budget)).toBe(now + 5000);
        const idle = await b.claim(now + 9000, 10, 'w2', now + 39_000, budget);
        expect(idle).toEqual({ calls: [], slots: [], nextSlotAt: now + 9000 });
      });

      it('claims no more calls than have a slot within the horizon', async () => {
        const b = budgeted();
        if (!b) return;
        for (let i = 0; i < 10; i++) await store.insert(storedCall({ id: `c${i}` }));
        const slow = { intervalMs: 400, horizonMs: 1000 };
        const now = T0;
        const first = await b.claim(now, 10, 'w1', now + 30_000, slow);
        expect(first.slots).toEqual([now, now + 400, now + 800]);
        const none = await b.claim(now, 10, 'w2', now + 30_000, slow);
        expect(none).toEqual({ calls: [], slots: [], nextSlotAt: now + 1200 });
        const later = await b.claim(now + 300, 10, 'w2', now + 30_000, slow);
        expect(later.calls.map((r) => r.id)).toEqual(['c3']);
        expect(later.slots).toEqual([now + 1200]);
        expect(later.nextSlotAt).toBe(now + 1600);
      });

      it('uses no slot for a call in flight or one whose request may have left', async () => {
        const b = budgeted();
        if (!b) return;
        await store.insert(
          storedCall({ id: 'flying', status: 'initiated', leaseOwner: 'gone', leaseUntil: T0 }),
        );
        await store.insert(
          storedCall({
            id: 'sent',
            status: 'queued',
            leaseOwner: 'gone',
            leaseUntil: T0,
            placingAt: T0 - 5,
          }),
        );
        await store.insert(storedCall({ id: 'zz', dueAt: T0 }));
        const claim = await b.claim(T0 + 10, 10, 'w1', T0 + 30_000, budget);
        const byId = Object.fromEntries(claim.calls.map((r, i) => [r.id, claim.slots[i]]));
        expect(byId).toEqual({ flying: null, sent: null, zz: T0 + 10 });
        expect(claim.nextSlotAt).toBe(T0 + 110);
      });

      it('never gives one slot to two concurrent claimants', async () => {
        const b = budgeted();
        if (!b) return;
        const other = options.connectAgain ? await options.connectAgain(store) : store;
        if (other !== store) extra.push(other);
        const otherClaim = other.claimDueBudgeted!.bind(other);
        for (let i = 0; i < 60; i++) {
          await store.insert(storedCall({ id: `c${String(i).padStart(2, '0')}` }));
        }
        const wide = { intervalMs: 10, horizonMs: 1000 };
        const claims = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 === 0 ? b.claim : otherClaim)(T0, 5, `w${i}`, T0 + 30_000, wide),
          ),
        );
        const ids = claims.flatMap((c) => c.calls.map((r) => r.id));
        expect(new Set(ids).size).toBe(ids.length);
        const slots = claims.flatMap((c) => c.slots as number[]).sort((x, y) => x - y);
        expect(slots).toHaveLength(ids.length);
        expect(slots).toEqual(slots.map((_, i) => T0 + i * 10));
      });
    });

    it('reports the earliest wake time: a due time, or the expiry of a lease', async () => {
      expect(await store.nextDueAt()).toBeNull();
      await store.insert(storedCall({ id: 'a', dueAt: T0 + 5000 }));
      await store.insert(storedCall({ id: 'b', dueAt: T0 + 1000 }));
      await store.insert(storedCall({ id: 'c', dueAt: T0, status: 'completed' }));
      expect(await store.nextDueAt()).toBe(T0 + 1000);
      await store.claimDue(T0 + 1000, 1, 'w1', T0 + 9000);
      expect(await store.nextDueAt()).toBe(T0 + 5000);
      const b = (await store.get('b'))!;
      await store.update('b', b.version, { leaseUntil: T0 + 2000 });
      expect(await store.nextDueAt()).toBe(T0 + 2000);
      await store.update('b', b.version + 1, {
        status: 'initiated',
        leaseOwner: null,
        leaseUntil: null,
      });
      const a = (await store.get('a'))!;
      await store.update('a', a.version, { dueAt: T0 + 3000 });
      expect(await store.nextDueAt()).toBe(T0 + 3000);
    });

    it('wakes at the end of the follow lease of a call in flight, and none without one', async () => {
      await store.insert(storedCall({ id: 'later', dueAt: T0 + 60_000 }));
      await store.insert(
        storedCall({ id: 'ringing', status: 'ringing', leaseOwner: 'w1', leaseUntil: T0 + 9000 }),
      );
      await store.insert(storedCall({ id: 'unfollowed', status: 'answered', dueAt: T0 }));
      await store.insert(
        storedCall({ id: 'ended', status: 'completed', leaseOwner: 'w1', leaseUntil: T0 }),
      );
      expect(await store.nextDueAt()).toBe(T0 + 9000);
      const ringing = (await store.get('ringing'))!;
      await store.update('ringing', ringing.version, { leaseUntil: T0 + 20_000 });
      expect(await store.nextDueAt()).toBe(T0 + 20_000);
    });

    it('hands a call in flight to another worker once its follow lease ran out, keeping its status', async () => {
      await store.insert(
        storedCall({
          id: 'ringing',
          status: 'ringing',
          providerCallId: 'p1',
          placingAt: T0 - 5000,
          leaseOwner: 'dead',
          leaseUntil: T0 + 3000,
        }),
      );
      await store.insert(storedCall({ id: 'due', dueAt: T0 + 4000 }));
      expect(await store.claimDue(T0 + 2999, 10, 'w2', T0 + 33_000)).toEqual([]);
      const claimed = await store.claimDue(T0 + 4000, 10, 'w2', T0 + 34_000);
      expect(claimed.map((r) => [r.id, r.status, r.leaseOwner])).toEqual([
        ['ringing', 'ringing', 'w2'],
        ['due', 'queued', 'w2'],
      ]);
      expect(claimed[0]).toMatchObject({ providerCallId: 'p1', placingAt: T0 - 5000, version: 2 });
      expect(await store.claimDue(T0 + 4000, 10, 'w3', T0 + 34_000)).toEqual([]);
      expect(await store.nextDueAt()).toBe(T0 + 34_000);
    });

    it('pages through rows in a stable order, even with equal timestamps', async () => {
      const ids = ['e', 'b', 'd', 'a', 'c', 'f', 'g'];
      for (const [i, id] of ids.entries()) {
        await store.insert(storedCall({ id, createdAt: i < 5 ? T0 : T0 - 1, dueAt: T0 + i }));
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await store.list({ cursor, limit: 2 });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((r) => r.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(['f', 'g', 'a', 'b', 'c', 'd', 'e']);
    });

    it('filters a list by status and by number', async () => {
      await store.insert(storedCall({ id: 'a', to: '+14155550001' }));
      await store.insert(storedCall({ id: 'b', to: '+14155550002', status: 'completed' }));
      await store.insert(storedCall({ id: 'c', to: '+14155550001', status: 'canceled' }));
      const byStatus = await store.list({ status: ['completed', 'canceled'], limit: 10 });
      expect(byStatus.items.map((r) => r.id)).toEqual(['b', 'c']);
      expect(byStatus.nextCursor).toBeNull();
      const byNumber = await store.list({ to: '+14155550001', status: 'scheduled', limit: 10 });
      expect(byNumber.items.map((r) => r.id)).toEqual(['a']);
    });

    it('counts rows by status in one query, when it offers countByStatus', async () => {
      if (!store.countByStatus) return;
      expect(positive(await store.countByStatus(SCHEDULED_CALL_STATUSES))).toEqual({});
      await store.insert(storedCall({ id: 'a' }));
      await store.insert(storedCall({ id: 'b', status: 'completed' }));
      await store.insert(storedCall({ id: 'c', status: 'completed' }));
      await store.insert(storedCall({ id: 'd', status: 'ringing' }));
      const d = (await store.get('d'))!;
      await store.update('d', d.version, { status: 'answered' });
      const counts = await store.countByStatus(SCHEDULED_CALL_STATUSES);
      // Statuses with no row may be there as 0 or left out.
      expect(positive(counts)).toEqual({
        scheduled: 1,
        completed: 2,
        answered: 1,
      });
    });

    it('counts only the statuses it is asked for, as rows change status', async (context) => {
      const count = offered(store, 'countByStatus', context);
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
      for (const [id, status] of rows) await store.insert(storedCall({ id, status }));
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

      await store.update('s1', 1, { status: 'queued', leaseOwner: 'w1', leaseUntil: T0 + 1000 });
      await store.update('a', 1, { status: 'completed' });
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
        await store.insert(storedCall({ id, status, createdAt, ...(to ? { to } : {}) }));
      }
      const pages = async (query: Omit<Parameters<Store['list']>[0], 'cursor'>) => {
        const seen: string[][] = [];
        let cursor: string | null = null;
        do {
          const page = await store.list({ ...query, cursor });
          seen.push(page.items.map((r) => r.id));
          cursor = page.nextCursor;
        } while (cursor && seen.length < 20);
        return seen;
      };
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
      await store.update('c', 1, { status: 'completed' });
      expect(await pages({ status: 'completed', limit: 10 })).toEqual([['a', 'c', 'f']]);
      expect(await pages({ status: ['scheduled'], limit: 10 })).toEqual([['d', 'h']]);
    });

    it('finds a row by the provider id of its current attempt', async () => {
      await store.insert(storedCall({ id: 'a' }));
      await store.update('a', 1, { providerCallId: 'p-1', status: 'initiated' });
      expect((await store.findByProviderCallId('p-1'))?.id).toBe('a');
      await store.update('a', 2, { providerCallId: null, status: 'scheduled' });
      expect(await store.findByProviderCallId('p-1')).toBeNull();
    });

    it('lists history where the number is either party, newest first, page by page', async () => {
      const me = '+14155550100';
      await store.saveCallRecord(record('r1', me, '+14155550001', T0));
      await store.saveCallRecord(record('r2', '+14155550002', me, T0 + 1000));
      await store.saveCallRecord(record('r3', me, '+14155550003', T0 + 1000));
      await store.saveCallRecord(record('r4', '+14155550004', '+14155550005', T0 + 2000));
      await store.saveCallRecord({ ...record('r1', me, '+14155550001', T0), status: 'busy' });
      const first = await store.listHistory(me, { limit: 2 });
      expect(first.items.map((r) => r.id)).toEqual(['r3', 'r2']);
      const second = await store.listHistory(me, { cursor: first.nextCursor, limit: 2 });
      expect(second.items.map((r) => r.id)).toEqual(['r1']);
      expect(second.items[0]).toEqual({ ...record('r1', me, '+14155550001', T0), status: 'busy' });
      expect(second.nextCursor).toBeNull();
      expect(
        (await store.listHistory('+14155550005', { limit: 5 })).items.map((r) => r.id),
      ).toEqual(['r4']);
    });

    it("keeps whether a record's outcome is unknown, and updates it in place", async () => {
      const me = '+14155550100';
      const unknown: StoredCallRecord = {
        ...record('u1', me, '+14155550001', T0),
        status: 'failed',
        answeredAt: null,
        durationSeconds: null,
        outcomeUnknown: true,
      };
      await store.saveCallRecord(unknown);
      expect((await store.listHistory(me, { limit: 5 })).items).toEqual([unknown]);
      // The provider's answer learned later replaces it.
      await store.saveCallRecord(record('u1', me, '+14155550001', T0));
      expect((await store.listHistory(me, { limit: 5 })).items).toEqual([
        record('u1', me, '+14155550001', T0),
      ]);
    });

    it('applies a batch of compare-and-sets, skipping only stale ones, when it offers updateMany', async () => {
      if (!store.updateMany) return;
      const events = [{ status: 'queued' as const, at: T0, attempt: 1 }];
      await store.insert(storedCall({ id: 'a', idempotencyKey: 'key-a' }));
      await store.insert(storedCall({ id: 'b' }));
      await store.insert(
        storedCall({ id: 'c', status: 'queued', leaseOwner: 'w0', leaseUntil: T0, events }),
      );
      await store.update('b', 1, { reason: 'moved' });
      const results = await store.updateMany([
        {
          id: 'a',
          expectedVersion: 1,
          patch: { status: 'queued', placingAt: T0, leaseUntil: T0 + 1000, events },
        },
        { id: 'b', expectedVersion: 1, patch: { reason: 'stale' } },
        { id: 'missing', expectedVersion: 1, patch: { reason: 'x' } },
        {
          id: 'c',
          expectedVersion: 1,
          patch: { leaseOwner: null, leaseUntil: null, events: null },
        },
      ]);
      expect(results).toEqual([true, false, false, true]);
      expect(await store.get('a')).toEqual(
        storedCall({
          id: 'a',
          idempotencyKey: 'key-a',
          status: 'queued',
          placingAt: T0,
          leaseUntil: T0 + 1000,
          events,
          version: 2,
        }),
      );
      expect(await store.get('b')).toMatchObject({ reason: 'moved', version: 2 });
      expect(await store.get('c')).toEqual(storedCall({ id: 'c', status: 'queued', version: 2 }));
      expect(await store.updateMany([])).toEqual([]);
    });

    it('applies updates of one row in a batch in order, as if one by one', async () => {
      if (!store.updateMany) return;
      await store.insert(storedCall({ id: 'a' }));
      const results = await store.updateMany([
        { id: 'a', expectedVersion: 1, patch: { reason: 'one' } },
        { id: 'a', expectedVersion: 2, patch: { reason: 'two' } },
        { id: 'a', expectedVersion: 2, patch: { reason: 'stale' } },
      ]);
      expect(results).toEqual([true, true, false]);
      expect(await store.get('a')).toMatchObject({ reason: 'two', version: 3 });
    });

    it('saves the call record of a batched update only when that update applies', async () => {
      if (!store.updateMany) return;
      const me = '+14155550100';
      await store.insert(storedCall({ id: 'a' }));
      await store.insert(storedCall({ id: 'b' }));
      await store.update('b', 1, { reason: 'moved' });
      await store.saveCallRecord({ ...record('a-1', me, '+14155550001', T0), status: 'initiated' });
      const saved = record('a-1', me, '+14155550001', T0);
      await store.updateMany([
        { id: 'a', expectedVersion: 1, patch: { status: 'completed' }, record: saved },
        {
          id: 'b',
          expectedVersion: 1,
          patch: { status: 'completed' },
          record: record('b-1', me, '+14155550002', T0 + 1000),
        },
      ]);
      expect((await store.listHistory(me, { limit: 10 })).items).toEqual([saved]);
    });

    it('rejects a whole batch that would duplicate an idempotency key', async () => {
      if (!store.updateMany) return;
      await store.insert(storedCall({ id: 'a', idempotencyKey: 'k' }));
      await store.insert(storedCall({ id: 'b' }));
      const error = await expectRejects(
        store.updateMany([
          { id: 'a', expectedVersion: 1, patch: { reason: 'x' } },
          { id: 'b', expectedVersion: 1, patch: { idempotencyKey: 'k' } },
        ]),
        isConflictError,
      );
      expect((error as { reason: string }).reason).toBe('duplicate');
      expect(await store.get('a')).toMatchObject({ reason: null, version: 1 });
      expect(await store.get('b')).toMatchObject({ idempotencyKey: null, version: 1 });
    });

    it('answers batches asked for at once each as if run alone, in the order asked', async () => {
      if (!store.updateMany) return;
      for (const id of ['a', 'b', 'c', 'd', 'e']) {
        await store.insert(storedCall({ id, idempotencyKey: `k-${id}` }));
      }
      const results = await Promise.allSettled([
        store.updateMany([{ id: 'a', expectedVersion: 1, patch: { reason: 'one' } }]),
        store.updateMany([{ id: 'b', expectedVersion: 1, patch: { reason: 'two' } }]),
        // A second write of `a` at the version it was read: stale once the first applied.
        store.updateMany([
          { id: 'a', expectedVersion: 1, patch: { reason: 'stale' } },
          { id: 'c', expectedVersion: 1, patch: { reason: 'three' } },
        ]),
        // A duplicate idempotency key: this batch fails, and none of it applies.
        store.updateMany([
          { id: 'd', expectedVersion: 1, patch: { reason: 'four' } },
          { id: 'e', expectedVersion: 1, patch: { idempotencyKey: 'k-a' } },
        ]),
        store.updateMany([{ id: 'e', expectedVersion: 1, patch: { reason: 'five' } }]),
      ]);
      expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'rejected'))).toEqual([
        [true],
        [true],
        [false, true],
        'rejected',
        [true],
      ]);
      expect(isConflictError((results[3] as PromiseRejectedResult).reason)).toBe(true);
      const rows = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => store.get(id)));
      expect(rows.map((r) => [r!.reason, r!.version])).toEqual([
        ['one', 2],
        ['two', 2],
        ['three', 2],
        [null, 1],
        ['five', 2],
      ]);
    });

    describe('retention, when it offers deleteFinished, deleteCallRecords and acquireLease', () => {
      it('offers the three methods or none', () => {
        const offers = [store.deleteFinished, store.deleteCallRecords, store.acquireLease].map(
          (method) => method !== undefined,
        );
        expect(offers).toEqual([offers[0], offers[0], offers[0]]);
      });

      it('deletes finished rows updated before a time, oldest first, up to a limit', async (context) => {
        const deleteFinished = offered(store, 'deleteFinished', context);
        if (!deleteFinished) return;
        const before = T0;
        const live: StoredCall[] = LIVE_STATUSES.map((status, i) =>
          storedCall({
            id: `live-${status}`,
            status,
            idempotencyKey: `k-live-${status}`,
            updatedAt: T0 - 100_000 - i,
            ...(status === 'scheduled' ? {} : { leaseOwner: 'w0', leaseUntil: T0 + 3_600_000 }),
            ...(status === 'initiated' || status === 'ringing' || status === 'answered'
              ? { providerCallId: `p-live-${status}` }
              : {}),
          }),
        );
        for (const row of live) await store.insert(row);
        const finished: [string, ScheduledCallStatus, number][] = [
          ['f1', 'completed', T0 - 5000],
          ['f2', 'busy', T0 - 4000],
          ['f3', 'no-answer', T0 - 3000],
          ['f4', 'failed', T0 - 2000],
          ['f5', 'canceled', T0 - 1],
          ['edge', 'completed', T0],
          ['recent', 'completed', T0 + 1000],
        ];
        for (const [id, status, updatedAt] of finished) {
          await store.insert(
            storedCall({
              id,
              status,
              updatedAt,
              idempotencyKey: `k-${id}`,
              providerCallId: `p-${id}`,
            }),
          );
        }
        // Ended long ago, but written since: its last write counts.
        await store.insert(
          storedCall({ id: 'touched', status: 'completed', updatedAt: T0 - 9000 }),
        );
        await store.update('touched', 1, { updatedAt: T0 + 500, reason: 'touched' });
        // Live long ago, ended before `f1`: the oldest finished row.
        await store.insert(storedCall({ id: 'ended', updatedAt: T0 - 200_000 }));
        await store.update('ended', 1, { status: 'canceled', updatedAt: T0 - 6000 });

        expect(await deleteFinished(before, 2)).toBe(2);
        expect(await store.get('ended')).toBeNull();
        expect(await store.get('f1')).toBeNull();
        expect((await store.get('f2'))?.status).toBe('busy');
        expect(await deleteFinished(before, 10)).toBe(4);
        expect(await deleteFinished(before, 10)).toBe(0);

        for (const id of ['f1', 'f2', 'f3', 'f4', 'f5']) {
          expect(await store.get(id)).toBeNull();
          expect(await store.findByIdempotencyKey(`k-${id}`)).toBeNull();
          expect(await store.findByProviderCallId(`p-${id}`)).toBeNull();
        }
        for (const row of live) {
          expect(await store.get(row.id)).toEqual(row);
          expect((await store.findByIdempotencyKey(row.idempotencyKey!))?.id).toBe(row.id);
          if (row.providerCallId) {
            expect((await store.findByProviderCallId(row.providerCallId))?.id).toBe(row.id);
          }
        }
        const kept = ['edge', 'recent', 'touched'];
        const ids = async (query: Omit<Parameters<Store['list']>[0], 'limit'> = {}) =>
          (await store.list({ ...query, limit: 100 })).items.map((r) => r.id);
        expect(await ids()).toEqual([...live.map((r) => r.id), ...kept].sort());
        expect(await ids({ status: [...FINISHED_STATUSES] })).toEqual(kept);
        expect(await ids({ status: 'completed', to: live[0]!.to })).toEqual(kept);
        if (store.countByStatus) {
          expect(positive(await store.countByStatus(FINISHED_STATUSES))).toEqual({ completed: 3 });
          expect(positive(await store.countByStatus(LIVE_STATUSES))).toEqual(
            Object.fromEntries(LIVE_STATUSES.map((status) => [status, 1])),
          );
        }

        // A deleted row's id and idempotency key may be used again.
        const again = storedCall({ id: 'f1', idempotencyKey: 'k-f1', dueAt: T0 + 60_000 });
        expect(await store.insert(again)).toEqual(again);
        expect(await store.get('f1')).toEqual(again);
        expect((await store.findByIdempotencyKey('k-f1'))?.id).toBe('f1');

        // However old, a live row is never deleted.
        expect(await deleteFinished(T0 + 3_600_000, 100)).toBe(3);
        expect(await ids()).toEqual([...live.map((r) => r.id), 'f1'].sort());
        expect(await deleteFinished(T0 + 3_600_000, 100)).toBe(0);
      });

      it('deletes call records started before a time, oldest first, up to a limit', async (context) => {
        const deleteCallRecords = offered(store, 'deleteCallRecords', context);
        if (!deleteCallRecords) return;
        const me = '+14155550100';
        const [a, b, c] = ['+14155550001', '+14155550002', '+14155550003'];
        const r1 = record('r1', me, a, T0 - 4000);
        const r2 = record('r2', b, me, T0 - 3000);
        const r3 = record('r3', me, c, T0 - 2000);
        const r4 = record('r4', me, a, T0);
        const r5 = record('r5', b, me, T0 + 1000);
        // Saved as old, then replaced by a newer start: the newer one counts.
        const r0 = record('r0', me, c, T0 + 2000);
        for (const r of [r1, r2, r3, r4, r5, record('r0', me, b, T0 - 9000), r0]) {
          await store.saveCallRecord(r);
        }
        const history = async (phone: string) =>
          (await store.listHistory(phone, { limit: 100 })).items;

        expect(await deleteCallRecords(T0, 2)).toBe(2);
        expect(await history(me)).toEqual([r0, r5, r4, r3]);
        expect(await history(a)).toEqual([r4]);
        expect(await history(b)).toEqual([r5]);
        expect(await deleteCallRecords(T0, 10)).toBe(1);
        expect(await deleteCallRecords(T0, 10)).toBe(0);
        expect(await history(me)).toEqual([r0, r5, r4]);
        expect(await history(c)).toEqual([r0]);

        // A deleted record's id may be saved again.
        await store.saveCallRecord(r1);
        expect(await history(a)).toEqual([r4, r1]);
        expect(await deleteCallRecords(T0 + 3000, 100)).toBe(4);
        expect(await history(me)).toEqual([]);
      });

      it('gives a named lease to one worker at a time, across connections', async (context) => {
        const acquireLease = offered(store, 'acquireLease', context);
        if (!acquireLease) return;
        const other = options.connectAgain ? await options.connectAgain(store) : store;
        if (other !== store) extra.push(other);
        const otherLease = other.acquireLease!.bind(other);

        // Free: taken.
        expect(await acquireLease('retention', 'w1', T0, T0 + 1000)).toBe(true);
        // Held by another and not expired: refused, on either connection.
        expect(await otherLease('retention', 'w2', T0 + 500, T0 + 1500)).toBe(false);
        expect(await acquireLease('retention', 'w2', T0 + 999, T0 + 1500)).toBe(false);
        // Its owner renews it, here until T0 + 2000.
        expect(await acquireLease('retention', 'w1', T0 + 900, T0 + 2000)).toBe(true);
        expect(await otherLease('retention', 'w2', T0 + 1500, T0 + 2500)).toBe(false);
        // Expired (its end at or before now): another takes it.
        expect(await otherLease('retention', 'w2', T0 + 2000, T0 + 3000)).toBe(true);
        expect(await acquireLease('retention', 'w1', T0 + 2100, T0 + 4000)).toBe(false);
        // Another name is another lease.
        expect(await acquireLease('other', 'w1', T0 + 2100, T0 + 4000)).toBe(true);
        expect(await otherLease('other', 'w2', T0 + 2200, T0 + 5000)).toBe(false);
        // The owner renews through any connection.
        expect(await acquireLease('retention', 'w2', T0 + 2900, T0 + 3500)).toBe(true);
        expect(await otherLease('retention', 'w1', T0 + 3400, T0 + 3600)).toBe(false);
        expect(await otherLease('retention', 'w1', T0 + 3500, T0 + 3600)).toBe(true);
      });
    });

    callCases(() => store);

    it('inserts a batch all or nothing when it offers insertMany', async () => {
      if (!store.insertMany) return;
      await store.insertMany([
        storedCall({ id: 'a' }),
        storedCall({ id: 'b', idempotencyKey: 'k' }),
      ]);
      expect((await store.list({ limit: 10 })).items.map((r) => r.id)).toEqual(['a', 'b']);
      await expectRejects(
        store.insertMany([storedCall({ id: 'c' }), storedCall({ id: 'd', idempotencyKey: 'k' })]),
        isConflictError,
      );
      expect(await store.get('c')).toBeNull();
    });
  });
}
