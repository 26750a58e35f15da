/**
 * `testStore()`: the one suite every store runs, memory, SQLite, PostgreSQL and yours. It is
 * long because it is the whole contract, case by case, in one place a store author can read.
 */
import { afterEach, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import { isConflictError, isCallNotFoundError } from '../errors.js';
import {
  FINISHED_STATUSES,
  LIVE_STATUSES,
  type CampaignCallsQuery,
  type SendBudget,
  type Store,
  type StoredCall,
  type StoredCallRecord,
  type StoredCampaign,
  type StorePage,
} from '../store.js';
import { SCHEDULED_CALL_STATUSES, type ScheduledCallStatus } from '../types.js';
import { newStoredCall } from '../_rows.js';
import { callCases } from './_call-cases.js';

/** Options of {@link testStore}. */
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

/** A stored campaign with defaults (`running`, 2 calls at once, no send slot taken yet); override what a test needs. */
export function storedCampaign(
  overrides: Partial<StoredCampaign> & { id: string },
): StoredCampaign {
  return {
    state: 'running',
    concurrency: 2,
    total: 0,
    fingerprint: `fingerprint-${overrides.id}`,
    settings: {},
    nextSlotAt: 0,
    createdAt: T0,
    updatedAt: T0,
    version: 1,
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
    durationS: 60,
    outcomeUnknown: false,
    answeredBy: null,
  };
}

/** Counts without the statuses at 0 (a store may leave them out or give them as 0). */
const positive = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));

/** The campaign methods of a store, offered all together or not at all. */
const CAMPAIGN_METHODS = [
  'insertCampaign',
  'getCampaign',
  'listCampaigns',
  'updateCampaign',
  'claimCampaign',
  'nextCampaignWake',
  'listCampaignCalls',
  'countCampaign',
] as const;

type CampaignMethod = (typeof CAMPAIGN_METHODS)[number];

/** The optional methods of a store that some tests need. */
type OptionalMethod =
  'countByStatus' | 'deleteFinished' | 'deleteCallRecords' | 'acquireLease' | CampaignMethod;

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

type CampaignMethods = { [K in CampaignMethod]: NonNullable<Store[K]> };

/** The store's campaign methods, bound to it; `null` (the test skipped) when one is missing. */
function campaignMethods(store: Store, context: TestContext): CampaignMethods | null {
  const methods: Partial<Record<CampaignMethod, unknown>> = {};
  for (const method of CAMPAIGN_METHODS) {
    const fn = offered(store, method, context);
    if (!fn) return null;
    methods[method] = fn;
  }
  return methods as CampaignMethods;
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
      await expectRejects(store.update('missing', 1, { reason: 'x' }), isCallNotFoundError);
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
        durationS: null,
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

    describe('campaigns, when it offers the campaign methods', () => {
      const LEASE = 30_000;
      const HOLD = 60_000;
      /** Entry `position` of `campaign`, with the id `campaign-00position` unless overridden. */
      const entry = (campaign: string, position: number, overrides: Partial<StoredCall> = {}) =>
        storedCall({
          id: `${campaign}-${String(position).padStart(3, '0')}`,
          campaign,
          position,
          ...overrides,
        });
      const entries = (campaign: string, count: number) =>
        Array.from({ length: count }, (_, position) => entry(campaign, position));
      const positions = (rows: StoredCall[]) => rows.map((row) => row.position);
      const reasonOf = (error: unknown) => (error as { reason: string }).reason;
      /** A claim of campaign `id` at `now` by `worker` (leased `LEASE` ms), holds of `HOLD` ms. */
      const claimWith =
        (c: CampaignMethods) =>
        (
          id: string,
          now: number,
          limit: number,
          more: { worker?: string; budget?: SendBudget; holdMs?: number } = {},
        ) =>
          c.claimCampaign(id, now, limit, more.worker ?? 'w1', now + LEASE, {
            holdMs: more.holdMs ?? HOLD,
            ...(more.budget ? { budget: more.budget } : {}),
          });
      /** The row as a claim by `worker` at `now` leaves it. */
      const claimedAs = (row: StoredCall, now: number, worker = 'w1'): StoredCall => ({
        ...row,
        status: row.status === 'scheduled' ? 'queued' : row.status,
        leaseOwner: worker,
        leaseUntil: now + LEASE,
        updatedAt: now,
        version: row.version + 1,
      });

      it('offers every campaign method or none', () => {
        const offers = CAMPAIGN_METHODS.map((method) => typeof store[method] === 'function');
        expect(offers).toEqual(offers.map(() => offers[0]));
      });

      it('stores a campaign with its entries at once, and nothing of one it refuses', async (context) => {
        const c = campaignMethods(store, context);
        if (!c) return;
        const campaign = storedCampaign({
          id: 'spring',
          total: 3,
          settings: {
            callsPerSecond: 2,
            window: { start: '09:00', end: '17:00', timezone: 'Europe/Paris' },
            note: 'x',
          },
        });
        const rows = [
          entry('spring', 0, { idempotencyKey: 'k-spring', call: { say: 'Hello' } }),
          entry('spring', 1),
          entry('spring', 2, { to: '+14155550002' }),
        ];
        await c.insertCampaign(campaign, rows);
        expect(await c.getCampaign('spring')).toEqual(campaign);
        expect(await c.getCampaign('missing')).toBeNull();
        for (const row of rows) expect(await store.get(row.id)).toEqual(row);
        expect((await store.findByIdempotencyKey('k-spring'))?.id).toBe(rows[0]!.id);

        // The same campaign id again: refused, none of its entries stored.
        const again = storedCampaign({ id: 'spring', total: 1, fingerprint: 'other' });
        const error = await expectRejects(
          c.insertCampaign(again, [entry('spring', 0, { id: 'again' })]),
          isConflictError,
        );
        expect(reasonOf(error)).toBe('duplicate');
        expect(await store.get('again')).toBeNull();
        expect(await c.getCampaign('spring')).toEqual(campaign);

        // An entry whose id or idempotency key is taken: the whole campaign is refused.
        await store.insert(storedCall({ id: 'own', idempotencyKey: 'k-own' }));
        const clashes = [
          entry('summer', 1, { id: 'own' }),
          entry('summer', 1, { id: rows[1]!.id }),
          entry('summer', 1, { idempotencyKey: 'k-own' }),
          entry('summer', 1, { idempotencyKey: 'k-spring' }),
        ];
        for (const clash of clashes) {
          const refused = await expectRejects(
            c.insertCampaign(storedCampaign({ id: 'summer', total: 2 }), [
              entry('summer', 0),
              clash,
            ]),
            isConflictError,
          );
          expect(reasonOf(refused)).toBe('duplicate');
          expect(await c.getCampaign('summer')).toBeNull();
          expect(await store.get(entry('summer', 0).id)).toBeNull();
        }
        expect(await store.get('own')).toEqual(storedCall({ id: 'own', idempotencyKey: 'k-own' }));
        expect(positive(await c.countCampaign('spring'))).toEqual({ scheduled: 3 });

        // One space of ids and keys: the scheduler's own rows cannot take a campaign row's.
        await expectRejects(store.insert(storedCall({ id: rows[0]!.id })), isConflictError);
        await expectRejects(
          store.insert(storedCall({ id: 'other', idempotencyKey: 'k-spring' })),
          isConflictError,
        );
        expect(await store.get(rows[0]!.id)).toEqual(rows[0]);
      });

      it("keeps campaign rows out of the scheduler's own claims, wake time and list", async (context) => {
        const c = campaignMethods(store, context);
        if (!c) return;
        const rows = [
          entry('spring', 0, { dueAt: T0 - 5000 }),
          entry('spring', 1, { status: 'queued', leaseOwner: 'gone', leaseUntil: T0 - 1000 }),
          entry('spring', 2, {
            status: 'ringing',
            leaseOwner: 'gone',
            leaseUntil: T0 - 1000,
            placingAt: T0 - 9000,
            providerCallId: 'p-spring',
          }),
          entry('spring', 3, { status: 'completed' }),
        ];
        await c.insertCampaign(storedCampaign({ id: 'spring', concurrency: 10, total: 4 }), rows);
        const later = T0 + 60_000;
        expect(await store.nextDueAt()).toBeNull();
        expect(await store.claimDue(later, 10, 'w1', later + LEASE)).toEqual([]);
        expect(await store.list({ limit: 10 })).toEqual({ items: [], nextCursor: null });
        expect(
          (await store.list({ status: [...SCHEDULED_CALL_STATUSES], limit: 10 })).items,
        ).toEqual([]);

        await store.insert(storedCall({ id: 'own-a', dueAt: T0 + 1000 }));
        await store.insert(storedCall({ id: 'own-b', dueAt: T0 + 2000 }));
        expect(await store.nextDueAt()).toBe(T0 + 1000);
        const first = await store.claimDue(later, 1, 'w1', later + LEASE);
        expect(first.map((r) => r.id)).toEqual(['own-a']);
        const second = store.claimDueBudgeted
          ? (
              await store.claimDueBudgeted(later, 10, 'w1', later + LEASE, {
                intervalMs: 100,
                horizonMs: 1000,
              })
            ).calls
          : await store.claimDue(later, 10, 'w1', later + LEASE);
        expect(second.map((r) => r.id)).toEqual(['own-b']);
        expect(await store.claimDue(later, 10, 'w2', later + LEASE)).toEqual([]);
        expect(await store.nextDueAt()).toBe(later + LEASE);
        expect((await store.list({ limit: 10 })).items.map((r) => r.id)).toEqual([
          'own-a',
          'own-b',
        ]);
        expect((await store.list({ campaign: null, limit: 10 })).items.map((r) => r.id)).toEqual([
          'own-a',
          'own-b',
        ]);

        // Read and written as any row, and still out of the scheduler's claims once written.
        expect((await store.findByProviderCallId('p-spring'))?.id).toBe(rows[2]!.id);
        const moved = await store.update(rows[0]!.id, 1, { dueAt: T0 - 9000, reason: 'moved' });
        expect(moved).toEqual({ ...rows[0], dueAt: T0 - 9000, reason: 'moved', version: 2 });
        if (store.updateMany) {
          const applied = await store.updateMany([
            { id: rows[3]!.id, expectedVersion: 1, patch: { reason: 'batched' } },
          ]);
          expect(applied).toEqual([true]);
          expect(await store.get(rows[3]!.id)).toEqual({
            ...rows[3],
            reason: 'batched',
            version: 2,
          });
        }
        expect(await store.claimDue(later + LEASE, 10, 'w2', later + 2 * LEASE)).toMatchObject([
          { id: 'own-a' },
          { id: 'own-b' },
        ]);
        expect(await store.nextDueAt()).toBe(later + 2 * LEASE);
        // `countByStatus` counts every row, the campaigns' too.
        if (store.countByStatus) {
          expect(positive(await store.countByStatus(LIVE_STATUSES))).toEqual({
            scheduled: 1,
            queued: 3,
            ringing: 1,
          });
        }
      });

      it("lists a campaign's rows alone, in the (createdAt, id) order, page by page", async (context) => {
        const c = campaignMethods(store, context);
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
        await store.insert(storedCall({ id: 'o-a', createdAt: T0 + 1 }));
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
        const [listed] = (await store.list({ campaign: 'summer', limit: 1 })).items;
        expect(listed).toEqual(entry('summer', 1, { id: 'u-b', createdAt: T0 }));
      });

      it('claims the due entries of a running campaign in list order, leased', async (context) => {
        const c = campaignMethods(store, context);
        if (!c) return;
        const claim = claimWith(c);
        // Ids and creation times in another order than the list's.
        const ids = ['m', 'c', 'x', 'a', 'q', 'b', 'z'];
        const rows = ids.map((id, position) =>
          entry('spring', position, { id, createdAt: T0 - position * 10 }),
        );
        const campaign = storedCampaign({ id: 'spring', concurrency: 10, total: 7 });
        await c.insertCampaign(
          campaign,
          [3, 0, 6, 1, 5, 2, 4].map((i) => rows[i]!),
        );

        const first = await claim('spring', T0, 3);
        expect(first).toEqual({
          campaign,
          calls: rows.slice(0, 3).map((row) => claimedAs(row, T0)),
          slots: [null, null, null],
          taken: 3,
          nextSlotAt: null,
        });
        expect(await store.get('m')).toEqual(claimedAs(rows[0]!, T0));
        const second = await claim('spring', T0 + 5, 10, { worker: 'w2' });
        expect(second.calls.map((r) => r.id)).toEqual(['a', 'q', 'b', 'z']);
        expect(second.calls[0]).toEqual(claimedAs(rows[3]!, T0 + 5, 'w2'));
        expect(second.taken).toBe(7);
        expect(await claim('spring', T0 + 5, 10)).toEqual({
          campaign,
          calls: [],
          slots: [],
          taken: 7,
          nextSlotAt: null,
        });
        expect(await claim('missing', T0, 10)).toEqual({
          campaign: null,
          calls: [],
          slots: [],
          taken: 0,
          nextSlotAt: null,
        });
      });

      it('keeps its live rows and the held unknown outcomes under the concurrency', async (context) => {
        const c = campaignMethods(store, context);
        if (!c) return;
        const claim = claimWith(c);
        const holdMs = 5000;
        const leased = { leaseOwner: 'w0', leaseUntil: T0 + 600_000 };
        const unknown = { status: 'failed' as const, reason: 'outcome_unknown' };
        await c.insertCampaign(storedCampaign({ id: 'spring', concurrency: 3, total: 10 }), [
          entry('spring', 0, { status: 'queued', ...leased }),
          entry('spring', 1, { status: 'ringing', providerCallId: 'p1', ...leased }),
          // Held until T0 + 4000.
          entry('spring', 2, { ...unknown, placingAt: T0 - 1000 }),
          // Its hold passed: `placingAt` is not after `now - holdMs`.
          entry('spring', 3, { ...unknown, placingAt: T0 - holdMs }),
          entry('spring', 4, { status: 'failed', reason: 'provider_error', placingAt: T0 - 10 }),
          entry('spring', 5, { ...unknown, placingAt: null }),
          entry('spring', 6, { status: 'completed', placingAt: T0 - 10 }),
          entry('spring', 7),
          entry('spring', 8),
          entry('spring', 9),
        ]);
        const at = async (now: number) => {
          const result = await claim('spring', now, 10, { holdMs });
          return [positions(result.calls), result.taken];
        };
        expect(await at(T0)).toEqual([[], 3]);
        expect(await at(T0 + 3999)).toEqual([[], 3]);
        expect(await at(T0 + 4000)).toEqual([[7], 3]);
        // A call that ends frees its place.
        await store.update(entry('spring', 0).id, 1, {
          status: 'completed',
          leaseOwner: null,
          leaseUntil: null,
        });
        expect(await at(T0 + 4000)).toEqual([[8], 3]);
        // One whose outcome turned unknown keeps it for `holdMs` after its placement.
        await store.update(entry('spring', 1).id, 1, {
          ...unknown,
          placingAt: T0 + 4000,
          leaseOwner: null,
          leaseUntil: null,
        });
        expect(await at(T0 + 8999)).toEqual([[], 3]);
        expect(await at(T0 + 9000)).toEqual([[9], 3]);
        expect(positive(await c.countCampaign('spring'))).toEqual({
          completed: 2,
          failed: 5,
          queued: 3,
        });
      });

      it('adopts rows whose lease ran out first, whatever its state, and new ones only when running', async (context) => {
        const c = campaignMethods(store, context);
        if (!c) return;
        const claim = claimWith(c);
        const rows = [
          entry('spring', 0, {
            status: 'queued',
            leaseOwner: 'gone',
            leaseUntil: T0 + 2000,
            placingAt: T0 - 10,
          }),
          entry('spring', 1, {
            status: 'ringing',
            leaseOwner: 'gone',
            leaseUntil: T0 + 1000,
            placingAt: T0 - 5000,
            providerCallId: 'p1',
          }),
          entry('spring', 2, { status: 'answered', leaseOwner: 'w0', leaseUntil: T0 + 600_000 }),
          entry('spring', 3),
          entry('spring', 4),
        ];
        const paused = storedCampaign({
          id: 'spring',
          state: 'paused',
          concurrency: 1,
          total: 5,
        });
        await c.insertCampaign(paused, rows);
        expect(await claim('spring', T0 + 999, 10)).toMatchObject({ calls: [], taken: 3 });
        // The earliest lease first, its status kept.
        const one = await claim('spring', T0 + 2000, 1, { worker: 'w2' });
        expect(one).toEqual({
          campaign: paused,
          calls: [claimedAs(rows[1]!, T0 + 2000, 'w2')],
          slots: [null],
          taken: 3,
          nextSlotAt: null,
        });
        const rest = await claim('spring', T0 + 2000, 10, { worker: 'w2' });
        expect(rest.calls).toEqual([claimedAs(rows[0]!, T0 + 2000, 'w2')]);

        const stopped = await c.updateCampaign('spring', 1, { state: 'stopped' });
        // Equal leases: by id.
        const expiry = T0 + 2000 + LEASE;
        const both = await claim('spring', expiry, 10, { worker: 'w3' });
        expect(both.campaign).toEqual(stopped);
        expect(both.calls.map((r) => [r.id, r.status, r.leaseOwner, r.version])).toEqual([
          [rows[0]!.id, 'queued', 'w3', 3],
          [rows[1]!.id, 'ringing', 'w3', 3],
        ]);
        expect(both.taken).toBe(3);

        // Running again: adopted rows count, new ones wait for a free place.
        const running = await c.updateCampaign('spring', 2, { state: 'running' });
        expect(await claim('spring', expiry, 10)).toMatchObject({ calls: [], taken: 3 });
        await c.updateCampaign('spring', running.version, { concurrency: 5 });
        expect(positions((await claim('spring', expiry, 10)).calls)).toEqual([3, 4]);
      });

      it('adopts before claiming new entries, within one limit, above the concurrency', async (context) => {
        const c = campaignMethods(store, context);
        if (!c) return;
        const claim = claimWith(c);
        const gone = { status: 'queued' as const, leaseOwner: 'gone', leaseUntil: T0 };
        await c.insertCampaign(storedCampaign({ id: 'spring', concurrency: 4, total: 6 }), [
          entry('spring', 0),
          entry('spring', 1),
          entry('spring', 2, gone),
          entry('spring', 3),
          entry('spring', 4, { ...gone, status: 'initiated' }),
          entry('spring', 5),
        ]);
        const first = await claim('spring', T0, 3);
        expect(first.calls.map((r) => [r.position, r.status])).toEqual([
          [2, 'queued'],
          [4, 'initiated'],
          [0, 'queued'],
        ]);
        expect(first.slots).toEqual([null, null, null]);
        expect(first.taken).toBe(3);
        expect(positions((await claim('spring', T0, 10)).calls)).toEqual([1]);

        // Adopted however many are live: the cap only holds new entries back.
        await c.insertCampaign(storedCampaign({ id: 'small', concurrency: 1, total: 3 }), [
          entry('small', 0, gone),
          entry('small', 1, { ...gone, status: 'answered' }),
          entry('small', 2),
        ]);
        const small = await claim('small', T0, 10);
        expect(small.calls.map((r) => [r.position, r.status])).toEqual([
          [0, 'queued'],
          [1, 'answered'],
        ]);
        expect(small.taken).toBe(2);
      });

      it('claims an entry not due yet once due, ahead of the entries after it', async (context) => {
        const c = campaignMethods(store, context);
        if (!c) return;
        const claim = claimWith(c);
        const rows = entries('spring', 6);
        rows[2] = entry('spring', 2, { dueAt: T0 + 20_000 }); // a window's opening
        await c.insertCampaign(storedCampaign({ id: 'spring', concurrency: 10, total: 6 }), rows);
        expect(positions((await claim('spring', T0, 2)).calls)).toEqual([0, 1]);
        expect(positions((await claim('spring', T0, 1)).calls)).toEqual([3]);
        // Entry 0 is to be tried again in 10 s.
        const retried = await store.update(rows[0]!.id, 2, {
          status: 'scheduled',
          dueAt: T0 + 10_000,
          attempt: 2,
          leaseOwner: null,
          leaseUntil: null,
        });
        expect(positions((await claim('spring', T0 + 5000, 1)).calls)).toEqual([4]);
        const again = await claim('spring', T0 + 10_000, 1);
        expect(again.calls).toEqual([claimedAs(retried, T0 + 10_000)]);
        expect(positions((await claim('spring', T0 + 10_000, 10)).calls)).toEqual([5]);
        expect(positions((await claim('spring', T0 + 19_999, 10)).calls)).toEqual([]);
        expect(positions((await claim('spring', T0 + 20_000, 10)).calls)).toEqual([2]);
      });

      it("gives each new entry a slot of the campaign's send budget, and keeps the next one", async (context) => {
        const c = campaignMethods(store, context);
        if (!c) return;
        const claim = claimWith(c);
        const budget = { intervalMs: 100, horizonMs: 1000 };
        const campaign = storedCampaign({ id: 'spring', concurrency: 20, total: 12 });
        await c.insertCampaign(campaign, entries('spring', 12));

        // No budget: no slot, and the campaign's next slot stays.
        const plain = await claim('spring', T0, 1);
        expect(plain).toMatchObject({ campaign, slots: [null], nextSlotAt: null });
        const first = await claim('spring', T0, 3, { budget });
        expect(positions(first.calls)).toEqual([1, 2, 3]);
        expect(first.slots).toEqual([T0, T0 + 100, T0 + 200]);
        expect(first.nextSlotAt).toBe(T0 + 300);
        const moved = { ...campaign, nextSlotAt: T0 + 300, updatedAt: T0, version: 2 };
        expect(first.campaign).toEqual(moved);
        expect(await c.getCampaign('spring')).toEqual(moved);

        // A slot at `now + horizonMs` at the latest.
        const second = await claim('spring', T0, 10, { budget: { ...budget, horizonMs: 900 } });
        expect(positions(second.calls)).toEqual([4, 5, 6, 7, 8, 9, 10]);
        expect(second.slots).toEqual([300, 400, 500, 600, 700, 800, 900].map((d) => T0 + d));
        expect(second.nextSlotAt).toBe(T0 + 1000);
        const full = await claim('spring', T0, 10, { budget: { ...budget, horizonMs: 999 } });
        expect(full).toMatchObject({ calls: [], slots: [], nextSlotAt: T0 + 1000 });
        expect(full.campaign).toMatchObject({ nextSlotAt: T0 + 1000, version: 3 });
        expect(await c.getCampaign('spring')).toEqual(full.campaign);

        // Adopted rows take no slot; once the slots are past, the next is `now`.
        const later = T0 + LEASE + 50;
        const last = await claim('spring', later, 13, { budget });
        expect(last.calls).toHaveLength(12);
        expect(last.calls[11]!.position).toBe(11);
        expect(last.slots).toEqual([...Array<null>(11).fill(null), later]);
        expect(last.nextSlotAt).toBe(later + 100);
        expect(await c.getCampaign('spring')).toEqual({
          ...campaign,
          nextSlotAt: later + 100,
          updatedAt: later,
          version: 4,
        });
      });

      it('holds back new entries when the next free slot is beyond the horizon', async (context) => {
        const c = campaignMethods(store, context);
        if (!c) return;
        const claim = claimWith(c);
        const slow = { intervalMs: 400, horizonMs: 1000 };
        const campaign = storedCampaign({ id: 'spring', concurrency: 20, total: 10 });
        await c.insertCampaign(campaign, entries('spring', 10));
        const first = await claim('spring', T0, 10, { budget: slow });
        expect(first.slots).toEqual([T0, T0 + 400, T0 + 800]);
        const none = await claim('spring', T0, 10, { budget: slow });
        expect(none).toMatchObject({ calls: [], slots: [], taken: 3, nextSlotAt: T0 + 1200 });
        const later = await claim('spring', T0 + 300, 10, { budget: slow });
        expect(positions(later.calls)).toEqual([3]);
        expect(later.slots).toEqual([T0 + 1200]);
        expect(later.nextSlotAt).toBe(T0 + 1600);
        // The next slot set by hand (a late placement took a fresh one) is where claims go on.
        const current = (await c.getCampaign('spring'))!;
        await c.updateCampaign('spring', current.version, { nextSlotAt: T0 + 5000 });
        expect((await claim('spring', T0 + 4000, 10, { budget: slow })).slots).toEqual([T0 + 5000]);
        // Nothing claimed: the next free slot is the campaign's, or `now` once that is past.
        const paused = await c.updateCampaign('spring', current.version + 2, { state: 'paused' });
        expect(paused.nextSlotAt).toBe(T0 + 5400);
        const idle = await claim('spring', T0 + 5399, 10, { budget: slow });
        expect(idle).toMatchObject({ calls: [], slots: [], nextSlotAt: T0 + 5400 });
        const late = await claim('spring', T0 + 10_000, 10, { budget: slow });
        expect(late).toEqual({
          campaign: paused,
          calls: [],
          slots: [],
          taken: 5,
          nextSlotAt: T0 + 10_000,
        });
        expect(await c.getCampaign('spring')).toEqual(paused);
      });

      it('wakes at a lease running out, an entry coming due, or a hold passing', async (context) => {
        const c = campaignMethods(store, context);
        if (!c) return;
        const wake = c.nextCampaignWake;
        const unknown = { status: 'failed' as const, reason: 'outcome_unknown' };
        expect(await wake('missing', T0, 5000)).toBeNull();
        await c.insertCampaign(storedCampaign({ id: 'quiet', total: 5 }), [
          entry('quiet', 0, { status: 'completed', leaseOwner: 'w0', leaseUntil: T0 + 5000 }),
          entry('quiet', 1, { ...unknown, placingAt: T0 - 5000 }),
          entry('quiet', 2, { status: 'failed', reason: 'busy', placingAt: T0 }),
          entry('quiet', 3, { status: 'answered' }), // followed by no one
          entry('quiet', 4, { dueAt: T0 }), // due: a claim takes it now
        ]);
        expect(await wake('quiet', T0, 5000)).toBeNull();

        await c.insertCampaign(storedCampaign({ id: 'due', total: 3 }), [
          entry('due', 0, { dueAt: T0 + 7000 }),
          entry('due', 1, { dueAt: T0 + 3000 }),
          entry('due', 2, { dueAt: T0 }),
        ]);
        expect(await wake('due', T0, 5000)).toBe(T0 + 3000);
        expect(await wake('due', T0 + 3000, 5000)).toBe(T0 + 7000);

        const leased = { leaseOwner: 'w0' };
        await c.insertCampaign(storedCampaign({ id: 'lease', total: 3 }), [
          entry('lease', 0, { status: 'queued', leaseUntil: T0 + 6000, ...leased }),
          entry('lease', 1, { status: 'initiated', leaseUntil: T0 + 4000, ...leased }),
          entry('lease', 2, { dueAt: T0 + 9000 }),
        ]);
        expect(await wake('lease', T0, 5000)).toBe(T0 + 4000);
        // A lease already out: a claim would adopt its row now.
        await store.update(entry('lease', 0).id, 1, { leaseUntil: T0 - 10 });
        expect(await wake('lease', T0, 5000)).toBe(T0 - 10);

        await c.insertCampaign(storedCampaign({ id: 'held', total: 2 }), [
          entry('held', 0, { ...unknown, placingAt: T0 - 2000 }),
          entry('held', 1, { dueAt: T0 + 9000 }),
        ]);
        expect(await wake('held', T0, 5000)).toBe(T0 + 3000);
        expect(await wake('held', T0, 1000)).toBe(T0 + 9000);
      });

      it("pages through a campaign's rows in list order, filtered by status", async (context) => {
        const c = campaignMethods(store, context);
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
        await store.insert(storedCall({ id: 'own', status: 'queued' }));
        const list = (query: CampaignCallsQuery, id = 'spring') => c.listCampaignCalls(id, query);

        expect(await list({ limit: 3 })).toEqual(rows.slice(0, 3));
        expect(await list({ afterPosition: null, limit: 3 })).toEqual(rows.slice(0, 3));
        expect(await list({ afterPosition: 2, limit: 3 })).toEqual(rows.slice(3, 6));
        expect(positions(await list({ afterPosition: 5, limit: 3 }))).toEqual([6]);
        expect(await list({ afterPosition: 6, limit: 3 })).toEqual([]);
        const live: ScheduledCallStatus[] = ['queued', 'ringing'];
        expect(positions(await list({ status: live, limit: 2 }))).toEqual([1, 4]);
        expect(positions(await list({ status: live, afterPosition: 4, limit: 2 }))).toEqual([6]);
        expect(
          positions(await list({ status: ['scheduled'], afterPosition: 2, limit: 5 })),
        ).toEqual([5]);
        expect(
          positions(await list({ status: ['failed', 'completed', 'scheduled'], limit: 10 })),
        ).toEqual([0, 2, 3, 5]);
        expect(await list({ status: [], limit: 10 })).toEqual([]);
        expect(await list({ limit: 10 }, 'missing')).toEqual([]);
        expect(positions(await list({ status: ['scheduled'], limit: 10 }, 'summer'))).toEqual([
          0, 1,
        ]);
      });

      it("counts a campaign's rows by status, and only its own", async (context) => {
        const c = campaignMethods(store, context);
        if (!c) return;
        await c.insertCampaign(storedCampaign({ id: 'spring', total: 4 }), [
          entry('spring', 0, { status: 'completed' }),
          entry('spring', 1, { status: 'completed' }),
          entry('spring', 2, { status: 'busy' }),
          entry('spring', 3),
        ]);
        await c.insertCampaign(storedCampaign({ id: 'summer', total: 1 }), entries('summer', 1));
        await store.insert(storedCall({ id: 'own', status: 'busy' }));
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

      it('updates a campaign at the expected version, and refuses a stale or unknown one', async (context) => {
        const c = campaignMethods(store, context);
        if (!c) return;
        const campaign = storedCampaign({ id: 'spring', total: 1 });
        await c.insertCampaign(campaign, entries('spring', 1));
        const paused = await c.updateCampaign('spring', 1, { state: 'paused', updatedAt: T0 + 5 });
        expect(paused).toEqual({ ...campaign, state: 'paused', updatedAt: T0 + 5, version: 2 });
        expect(await c.getCampaign('spring')).toEqual(paused);
        const settings = { callsPerSecond: null, note: 'changed', list: [1, 2] };
        const changed = await c.updateCampaign('spring', 2, {
          state: 'running',
          concurrency: 9,
          settings,
          nextSlotAt: T0 + 700,
        });
        expect(changed).toEqual({
          ...paused,
          state: 'running',
          concurrency: 9,
          settings,
          nextSlotAt: T0 + 700,
          version: 3,
        });
        const stale = await expectRejects(
          c.updateCampaign('spring', 2, { state: 'stopped' }),
          isConflictError,
        );
        expect(reasonOf(stale)).toBe('version_conflict');
        expect(await c.getCampaign('spring')).toEqual(changed);
        await expectRejects(
          c.updateCampaign('missing', 1, { state: 'stopped' }),
          isCallNotFoundError,
        );
      });

      it('lists campaigns newest first, page by page', async (context) => {
        const c = campaignMethods(store, context);
        if (!c) return;
        expect(await c.listCampaigns({ limit: 5 })).toEqual({ items: [], nextCursor: null });
        const campaigns = (
          [
            ['b', T0],
            ['d', T0 + 1000],
            ['a', T0],
            ['e', T0 - 1000],
            ['c', T0],
          ] as const
        ).map(([id, createdAt]) => storedCampaign({ id, createdAt, updatedAt: createdAt }));
        for (const campaign of campaigns) await c.insertCampaign(campaign, []);
        const byId = Object.fromEntries(campaigns.map((campaign) => [campaign.id, campaign]));
        const seen: StoredCampaign[][] = [];
        let cursor: string | null = null;
        do {
          const page: StorePage<StoredCampaign> = await c.listCampaigns({ cursor, limit: 2 });
          seen.push(page.items);
          cursor = page.nextCursor;
        } while (cursor && seen.length < 10);
        expect(seen).toEqual([[byId.d, byId.c], [byId.b, byId.a], [byId.e]]);
        expect((await c.listCampaigns({ limit: 5 })).nextCursor).toBeNull();
      });

      it('deletes finished campaign rows with the others, when it offers deleteFinished', async (context) => {
        const c = campaignMethods(store, context);
        const deleteFinished = c && offered(store, 'deleteFinished', context);
        if (!c || !deleteFinished) return;
        await store.insert(
          storedCall({ id: 'own-old', status: 'completed', updatedAt: T0 - 3000 }),
        );
        await store.insert(storedCall({ id: 'own-new', status: 'canceled', updatedAt: T0 - 1000 }));
        const live = entry('spring', 3, {
          status: 'queued',
          leaseOwner: 'w0',
          leaseUntil: T0 + 60_000,
          updatedAt: T0 - 9000,
        });
        await c.insertCampaign(storedCampaign({ id: 'spring', total: 4 }), [
          entry('spring', 0, {
            status: 'completed',
            updatedAt: T0 - 2000,
            idempotencyKey: 'k-spring',
            providerCallId: 'p-spring',
          }),
          entry('spring', 1, { status: 'busy', updatedAt: T0 - 4000 }),
          entry('spring', 2, { status: 'completed', updatedAt: T0 + 1000 }),
          live,
        ]);
        // Oldest first, across the scheduler's rows and the campaigns'.
        expect(await deleteFinished(T0, 2)).toBe(2);
        expect(await store.get(entry('spring', 1).id)).toBeNull();
        expect(await store.get('own-old')).toBeNull();
        expect(await store.get(entry('spring', 0).id)).not.toBeNull();
        expect(await deleteFinished(T0, 10)).toBe(2);
        expect(await deleteFinished(T0, 10)).toBe(0);
        expect(await store.get('own-new')).toBeNull();
        expect(await store.findByIdempotencyKey('k-spring')).toBeNull();
        expect(await store.findByProviderCallId('p-spring')).toBeNull();
        expect(positions(await c.listCampaignCalls('spring', { limit: 10 }))).toEqual([2, 3]);
        expect(positive(await c.countCampaign('spring'))).toEqual({ completed: 1, queued: 1 });
        expect(await store.get(live.id)).toEqual(live);
        expect(await claimWith(c)('spring', T0 + 60_000, 10)).toMatchObject({
          calls: [{ id: live.id, leaseOwner: 'w1' }],
          taken: 1,
        });
      });

      it('never takes more than the concurrency, one row twice or one slot twice, across connections', async (context) => {
        const c = campaignMethods(store, context);
        if (!c) return;
        const other = options.connectAgain ? await options.connectAgain(store) : store;
        if (other !== store) extra.push(other);
        const claims = [claimWith(c), claimWith(campaignMethods(other, context)!)];
        await c.insertCampaign(
          storedCampaign({ id: 'spring', concurrency: 7, total: 40 }),
          entries('spring', 40),
        );
        const budget = { intervalMs: 10, horizonMs: 10_000 };
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            claims[i % 2]!('spring', T0, 3, { worker: `w${i}`, budget }),
          ),
        );
        const calls = results.flatMap((result) => result.calls);
        expect(new Set(calls.map((r) => r.id)).size).toBe(calls.length);
        expect(positions(calls).sort((x, y) => x! - y!)).toEqual([0, 1, 2, 3, 4, 5, 6]);
        expect(Math.max(...results.map((result) => result.taken))).toBe(7);
        const slots = results.flatMap((result) => result.slots as number[]).sort((x, y) => x - y);
        expect(slots).toEqual(slots.map((_, i) => T0 + i * 10));
        expect((await c.getCampaign('spring'))?.nextSlotAt).toBe(T0 + 70);
        expect(positive(await c.countCampaign('spring'))).toEqual({ queued: 7, scheduled: 33 });
      });
    });
  });
}
