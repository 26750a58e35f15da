/**
 * `testStore()`: the one suite every store runs, memory, SQLite, PostgreSQL and yours. It is
 * long because it is the whole contract, case by case, in one place a store author can read.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isConflictError, isNotFoundError } from '../errors.js';
import type { Store, StoredCall, StoredCallRecord } from '../store.js';
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
      expect(await store.countByStatus()).toEqual({});
      await store.insert(storedCall({ id: 'a' }));
      await store.insert(storedCall({ id: 'b', status: 'completed' }));
      await store.insert(storedCall({ id: 'c', status: 'completed' }));
      await store.insert(storedCall({ id: 'd', status: 'ringing' }));
      const d = (await store.get('d'))!;
      await store.update('d', d.version, { status: 'answered' });
      const counts = await store.countByStatus();
      // Statuses with no row may be there as 0 or left out.
      expect(Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0))).toEqual({
        scheduled: 1,
        completed: 2,
        answered: 1,
      });
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
