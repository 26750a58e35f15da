import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isConflictError } from '../../errors.js';
import {
  claimedStatus,
  FINISHED_STATUSES,
  LIVE_STATUSES,
  wakeTime,
  type Store,
  type StoredCall,
  type StoredCallRecord,
} from '../../store.js';
import { storedCall } from '../../testing/store-contract.js';
import { SCHEDULED_CALL_STATUSES, type ScheduledCallStatus } from '../../types.js';
import { createTunedMemoryStore, DEFAULT_TUNING, type MemoryTuning } from './_store.js';
import { CallTable } from './_table.js';
import { claimedRows } from '../../testing/store-contract/_fixtures.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const PHONES = ['+14155550001', '+14155550002', '+14155550003'];
const IDS = ['a', 'b', 'c', 'd', 'e', 'f'];
const RECORD_IDS = ['r1', 'r2', 'r3', 'r4'];
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const isFinished = (status: ScheduledCallStatus) => FINISHED_STATUSES.includes(status);

/** Every page of `list`, joined. */
async function listAll(store: Store, query: Parameters<Store['list']>[0]): Promise<StoredCall[]> {
  const out: StoredCall[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.list({ ...query, cursor });
    expect(page.items.length).toBeLessThanOrEqual(query.limit);
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

async function historyAll(store: Store, phone: string, limit: number) {
  const out: StoredCallRecord[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listCallLog({ phone: phone, cursor, limit });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

const status = fc.constantFrom(...SCHEDULED_CALL_STATUSES);
const statuses = fc.option(fc.oneof(status, fc.uniqueArray(status, { maxLength: 4 })), {
  nil: undefined,
});
const op = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      id: fc.constantFrom(...IDS),
      status,
      to: fc.constantFrom(...PHONES),
      createdAt: fc.nat(3),
      updatedAt: fc.nat(6),
      dueAt: fc.nat(20),
      leaseUntil: fc.option(fc.nat(20)),
      idempotencyKey: fc.option(fc.constantFrom('k1', 'k2', 'k3')),
      withProviderId: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('update' as const),
      id: fc.constantFrom(...IDS),
      patch: fc.record(
        {
          status,
          to: fc.constantFrom(...PHONES),
          updatedAt: fc.nat(6),
          dueAt: fc.nat(20),
          leaseUntil: fc.option(fc.nat(20)),
        },
        { requiredKeys: [] },
      ),
      providerId: fc.option(fc.boolean(), { nil: undefined }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('claim' as const),
      now: fc.nat(25),
      limit: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('deleteFinished' as const),
      before: fc.nat(7),
      limit: fc.nat(3),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('record' as const),
      id: fc.constantFrom(...RECORD_IDS),
      from: fc.constantFrom(...PHONES),
      to: fc.constantFrom(...PHONES),
      startedAt: fc.nat(5),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('deleteRecords' as const),
      before: fc.nat(6),
      limit: fc.nat(3),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('check' as const),
      status: statuses,
      to: fc.option(fc.constantFrom(...PHONES, '+19999999999'), { nil: undefined }),
      limit: fc.integer({ min: 1, max: 3 }),
      count: fc.uniqueArray(status, { maxLength: 5 }),
      phone: fc.constantFrom(...PHONES),
    }),
  },
);

/** The model's answers, and the store's, after each step. */
async function expectSame(
  store: Store,
  rows: Map<string, StoredCall>,
  records: Map<string, StoredCallRecord>,
  check: { status?: ScheduledCallStatus | ScheduledCallStatus[]; to?: string; limit: number },
  count: ScheduledCallStatus[],
  phone: string,
) {
  const byCreation = (a: StoredCall, b: StoredCall) => a.createdAt - b.createdAt || cmp(a.id, b.id);
  const wanted = check.status === undefined ? null : [check.status].flat();
  const listed = [...rows.values()]
    .filter(
      (r) => (wanted === null || wanted.includes(r.status)) && (!check.to || r.to === check.to),
    )
    .sort(byCreation);
  expect(await listAll(store, check)).toEqual(listed);

  const counts: Record<string, number> = {};
  for (const s of count) {
    const n = [...rows.values()].filter((r) => r.status === s).length;
    if (n > 0) counts[s] = n;
  }
  expect(await store.countByStatus!(count)).toEqual(counts);

  const history = [...records.values()]
    .filter((r) => r.from === phone || r.to === phone)
    .sort((a, b) => b.startedAt - a.startedAt || cmp(b.id, a.id));
  expect(await historyAll(store, phone, check.limit)).toEqual(history);
}

/** Runs random steps on a store and on plain objects, and compares every answer. */
async function run(tuning: MemoryTuning, ops: Op[]) {
  const store = createTunedMemoryStore(tuning);
  const rows = new Map<string, StoredCall>();
  const records = new Map<string, StoredCallRecord>();
  for (const step of ops) {
    if (step.kind === 'insert') {
      const { kind: _, withProviderId, ...fields } = step;
      const row = storedCall({
        ...fields,
        dueAt: T0 + fields.dueAt,
        createdAt: T0 + fields.createdAt,
        updatedAt: T0 + fields.updatedAt,
        leaseUntil: fields.leaseUntil === null ? null : T0 + fields.leaseUntil,
        providerCallId: withProviderId ? `p-${step.id}` : null,
      });
      const clash =
        rows.has(row.id) ||
        (row.idempotencyKey !== null &&
          [...rows.values()].some((r) => r.idempotencyKey === row.idempotencyKey));
      const result = await store.insert(row).catch((e: unknown) => e);
      if (clash) expect(isConflictError(result)).toBe(true);
      else {
        expect(result).toEqual(row);
        rows.set(row.id, row);
      }
    } else if (step.kind === 'update') {
      const current = rows.get(step.id);
      if (!current) continue;
      const { patch: p } = step;
      const patch = {
        ...p,
        ...(p.dueAt === undefined ? {} : { dueAt: T0 + p.dueAt }),
        ...(p.updatedAt === undefined ? {} : { updatedAt: T0 + p.updatedAt }),
        ...(p.leaseUntil === undefined
          ? {}
          : { leaseUntil: p.leaseUntil === null ? null : T0 + p.leaseUntil }),
        ...(step.providerId === undefined
          ? {}
          : { providerCallId: step.providerId ? `p-${step.id}` : null }),
      };
      const next = { ...current, ...patch, version: current.version + 1 };
      expect(await store.update(step.id, current.version, patch)).toEqual(next);
      rows.set(step.id, next);
    } else if (step.kind === 'claim') {
      const now = T0 + step.now;
      const due = [...rows.values()]
        .filter((r) => wakeTime(r) !== null && wakeTime(r)! <= now)
        .sort((a, b) => wakeTime(a)! - wakeTime(b)! || cmp(a.id, b.id))
        .slice(0, step.limit);
      const claimed = (
        await store.claimDue({ now, limit: step.limit, workerId: 'w', leaseUntil: now + 7 })
      ).calls;
      const expected = due.map((r) => ({
        ...r,
        status: claimedStatus(r.status),
        leaseOwner: 'w',
        leaseUntil: now + 7,
        updatedAt: now,
        version: r.version + 1,
      }));
      expect(claimed).toEqual(expected);
      for (const row of expected) rows.set(row.id, row);
    } else if (step.kind === 'deleteFinished') {
      const before = T0 + step.before;
      const doomed = [...rows.values()]
        .filter((r) => isFinished(r.status) && r.updatedAt < before)
        .sort((a, b) => a.updatedAt - b.updatedAt || cmp(a.id, b.id))
        .slice(0, step.limit);
      expect(await store.deleteFinished!(before, step.limit)).toBe(doomed.length);
      for (const row of doomed) rows.delete(row.id);
    } else if (step.kind === 'record') {
      const record: StoredCallRecord = {
        id: step.id,
        from: step.from,
        to: step.to,
        direction: 'outbound',
        status: 'completed',
        startedAt: T0 + step.startedAt,
        answeredAt: null,
        endedAt: null,
        durationS: null,
        outcomeUnknown: false,
        answeredBy: null,
        recordingUrl: null,
        recordingDurationS: null,
        providerStatus: null,
        campaign: null,
      };
      await store.saveCallRecord(record);
      records.set(record.id, record);
    } else if (step.kind === 'deleteRecords') {
      const before = T0 + step.before;
      const doomed = [...records.values()]
        .filter((r) => r.startedAt < before)
        .sort((a, b) => a.startedAt - b.startedAt || cmp(a.id, b.id))
        .slice(0, step.limit);
      expect(await store.deleteCallRecords!(before, step.limit)).toBe(doomed.length);
      for (const record of doomed) records.delete(record.id);
    } else {
      const { status: s, to, limit } = step;
      const query = { limit, ...(s === undefined ? {} : { status: s }), ...(to ? { to } : {}) };
      await expectSame(store, rows, records, query, step.count, step.phone);
    }
  }
  // Every way to find a row agrees with the model, deleted rows included.
  for (const id of IDS) {
    const row = rows.get(id) ?? null;
    expect(await store.get(id)).toEqual(row);
    const byProvider = await store.findByProviderCallId('mock', `p-${id}`);
    expect(byProvider).toEqual(row?.providerCallId ? row : null);
  }
  for (const key of ['k1', 'k2', 'k3']) {
    const row = [...rows.values()].find((r) => r.idempotencyKey === key) ?? null;
    expect(await store.findByIdempotencyKey(key)).toEqual(row);
  }
  const wakes = [...rows.values()].map(wakeTime).filter((w) => w !== null);
  expect(await store.nextDueAt()).toBe(wakes.length > 0 ? Math.min(...wakes) : null);
  for (const phone of PHONES) {
    await expectSame(store, rows, records, { limit: 2, to: phone }, [...LIVE_STATUSES], phone);
  }
  await expectSame(store, rows, records, { limit: 100 }, [...SCHEDULED_CALL_STATUSES], PHONES[0]!);
  await store.close();
}

type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

describe('memory store (property): list, counts, history and deletes', () => {
  // Tiny chunks and thresholds reach every split, merge, heap rebuild and slot reuse.
  const tunings: [string, MemoryTuning][] = [
    ['tiny chunks, slots reused at once', { chunk: 2, recycleAt: 1, heapSlack: 2 }],
    ['small chunks, slots reused later', { chunk: 3, recycleAt: 4, heapSlack: 8 }],
    ['default sizes', DEFAULT_TUNING],
  ];
  for (const [name, tuning] of tunings) {
    it(`answers as plain objects do (${name})`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 120, size: 'max' }), (ops) => run(tuning, ops)),
        { numRuns: 150 },
      );
    });
  }
});

describe('memory store deletes', () => {
  it('never wakes, claims or misorders through the stale heap entry of a deleted row', async () => {
    for (const tuning of [
      { chunk: 2, recycleAt: 1, heapSlack: 1000 },
      { chunk: 2, recycleAt: 1000, heapSlack: 1000 },
    ]) {
      const store = createTunedMemoryStore(tuning);
      const due = T0 + 1000;
      await store.insert(storedCall({ id: 'm', dueAt: due }));
      await store.insert(storedCall({ id: 'n', dueAt: due }));
      // `m` is canceled: its heap entry, first in the heap, goes stale; then it is deleted.
      await store.update('m', 1, { status: 'canceled', updatedAt: T0 });
      expect(await store.deleteFinished!(T0 + 1, 10)).toBe(1);
      expect(await store.get('m')).toBeNull();
      // A new row due at the same time, whose id sorts after `n`: it may take `m`'s slot, but
      // never `m`'s place in the heap.
      await store.insert(storedCall({ id: 'x', dueAt: due }));
      expect(await store.nextDueAt()).toBe(due);
      expect((await claimedRows(store, due, 1, 'w', due + 10)).map((r) => r.id)).toEqual(['n']);
      expect((await claimedRows(store, due, 5, 'w', due + 10)).map((r) => r.id)).toEqual(['x']);
      expect(await claimedRows(store, due, 5, 'w', due + 10)).toEqual([]);
      expect(await store.nextDueAt()).toBe(due + 10);
      await store.close();
    }
  });

  it('reuses the slots of deleted rows, so a store that deletes as much as it adds stays its size', () => {
    const table = new CallTable(4);
    const slots = new Set<number>();
    for (let round = 0; round < 20; round++) {
      const added = Array.from({ length: 50 }, (_, i) =>
        table.add(storedCall({ id: `r${round}-${i}`, status: 'completed', to: `+1415555${i}` })),
      );
      added.forEach((slot) => slots.add(slot));
      for (const slot of table.finishedBefore(Infinity, 1000)) table.delete(slot);
      expect(table.size).toBe(0);
      // The store frees the slots once its heap holds none of them (see `recycle`).
      table.recycle();
    }
    expect(slots.size).toBe(50);
    expect(table.count('completed')).toBe(0);
    expect(table.list(null, null, null, 10)).toEqual([]);
    expect(table.list(null, '+14155550', null, 10)).toEqual([]);
  });

  it('keeps a record under both its numbers, and moves it when a save changes them', async () => {
    const store = createTunedMemoryStore({ chunk: 2, recycleAt: 1, heapSlack: 2 });
    const [me, bob, eve] = PHONES as [string, string, string];
    const record = (id: string, from: string, to: string, startedAt: number): StoredCallRecord => ({
      id,
      from,
      to,
      direction: 'outbound',
      status: 'completed',
      startedAt,
      answeredAt: null,
      endedAt: null,
      durationS: null,
      answeredBy: null,
    });
    await store.saveCallRecord(record('x', me, bob, T0));
    await store.saveCallRecord(record('y', me, me, T0 + 1));
    const ids = async (phone: string) =>
      (await historyAll(store, phone, 1)).map((r) => `${r.id}@${r.startedAt - T0}`);
    expect(await ids(me)).toEqual(['y@1', 'x@0']);
    expect(await ids(bob)).toEqual(['x@0']);
    await store.saveCallRecord(record('x', eve, me, T0 + 5));
    expect(await ids(me)).toEqual(['x@5', 'y@1']);
    expect(await ids(bob)).toEqual([]);
    expect(await ids(eve)).toEqual(['x@5']);
    expect(await store.deleteCallRecords!(T0 + 5, 10)).toBe(1);
    expect(await ids(me)).toEqual(['x@5']);
    await store.close();
  });
});
