import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isConflictError, isCallNotFoundError } from '../../errors.js';
import { claimedStatus, wakeTime, type StoredCall, type StoredCallPatch } from '../../store.js';
import { storedCall } from '../../testing/store-contract.js';
import { createMemoryStore } from './memory.js';
import { claimedRows } from '../../testing/store-contract/_fixtures.js';

const T0 = Date.UTC(2026, 0, 1, 12);

/** Changes every field of a row a caller got, nested objects included. */
function vandalise(row: StoredCall | StoredCallPatch): void {
  Object.assign(row, { to: '+10000000000', status: 'failed', dueAt: -1, version: 99 });
  Object.assign(row, { leaseOwner: 'thief', leaseUntil: -1, reason: 'vandalised' });
  for (const event of row.events ?? []) event.at = -1;
  row.events?.push({ status: 'failed', at: -1, attempt: 9 });
  if (row.options) {
    row.options.maxAttempts = 99;
    if (row.options.retryBackoff) row.options.retryBackoff.delayMs = -1;
    if (row.options.recurrence) row.options.recurrence.cron = '* * * * *';
    if (row.options.metadata) {
      row.options.metadata.vandalised = true;
      const tags = row.options.metadata.tags;
      if (Array.isArray(tags)) tags.push('vandalised');
    }
  }
}

const rowWithEverything = () =>
  storedCall({
    id: 'a',
    idempotencyKey: 'key-a',
    events: [{ status: 'scheduled', at: T0, attempt: 1 }],
    options: {
      maxAttempts: 3,
      retryBackoff: { delayMs: 10, factor: 2, maxDelayMs: 100 },
      recurrence: { cron: '0 9 * * *', timezone: 'UTC' },
      window: null,
      metadata: { note: 'hi', tags: ['x'] },
      seriesId: 'a',
      occurrenceAt: T0,
    },
  });

describe('memory store rows', () => {
  it('hands out copies: changing a row it returned changes nothing stored', async () => {
    const store = createMemoryStore();
    const input = rowWithEverything();
    const inserted = await store.insert(input);
    const expected = rowWithEverything();
    vandalise(input);
    vandalise(inserted);
    vandalise((await store.get('a'))!);
    vandalise((await store.list({ limit: 10 })).items[0]!);
    vandalise((await store.findByIdempotencyKey('key-a'))!);
    expect(await store.get('a')).toEqual(expected);

    const [claimed] = await claimedRows(store, T0, 1, 'w1', T0 + 1000);
    const afterClaim = { ...expected, status: 'queued', leaseOwner: 'w1', leaseUntil: T0 + 1000 };
    vandalise(claimed!);
    expect(await store.get('a')).toEqual({ ...afterClaim, version: 2 });

    const patch: StoredCallPatch = {
      events: [{ status: 'queued', at: T0, attempt: 1 }],
      options: { ...rowWithEverything().options!, metadata: { tags: ['y'] } },
    };
    const updated = await store.update('a', 2, patch);
    const afterUpdate = {
      ...afterClaim,
      version: 3,
      events: [{ status: 'queued', at: T0, attempt: 1 }],
      options: { ...expected.options!, metadata: { tags: ['y'] } },
    };
    vandalise(patch);
    vandalise(updated);
    expect(await store.get('a')).toEqual(afterUpdate);
    expect(await store.nextDueAt()).toBe(T0 + 1000);
    await store.close();
  });

  it('claims thousands of rows by wake time and id, and lists them by creation', async () => {
    const store = createMemoryStore();
    const n = 5000;
    const rows = Array.from({ length: n }, (_, i) =>
      storedCall({
        id: `c${String((i * 7919) % n).padStart(5, '0')}`,
        dueAt: T0 + ((i * 31) % 97),
        createdAt: T0 + ((i * 13) % 3001),
      }),
    );
    await store.insertMany!(rows);
    const byWake = [...rows].sort((a, b) => a.dueAt - b.dueAt || (a.id < b.id ? -1 : 1));
    const byCreation = [...rows].sort(
      (a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1),
    );
    const listed: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await store.list({ cursor, limit: 700 });
      listed.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(listed).toEqual(byCreation.map((r) => r.id));
    const claimed: string[] = [];
    for (let batch; (batch = await claimedRows(store, T0 + 100, 333, 'w', T0 + 9000)).length > 0;) {
      claimed.push(...batch.map((r) => r.id));
    }
    expect(claimed).toEqual(byWake.map((r) => r.id));
    expect(await store.nextDueAt()).toBe(T0 + 9000);
    await store.close();
  });

  it('keeps the numbers and strings of a row exactly', async () => {
    const store = createMemoryStore();
    const row = storedCall({
      id: '  spaced id  ',
      to: '+442071838750',
      status: 'answered',
      dueAt: T0 + 0.5,
      version: 2 ** 40,
      attempt: 3,
      leaseOwner: 'w',
      leaseUntil: -0,
      placingAt: 0,
      providerCallId: 'p',
      reason: 'r',
    });
    expect(await store.insert(row)).toEqual(row);
    expect(Object.is((await store.get(row.id))!.leaseUntil, -0)).toBe(true);
    expect(await store.findByProviderCallId('mock', 'p')).toEqual(row);
    await store.close();
  });
});

// A reference model: the contract in a few lines, with plain objects.
const ids = ['a', 'b', 'c', 'd', 'e'];
const wakeOf = (r: StoredCall) => wakeTime(r);
const byWakeThenId = (a: StoredCall, b: StoredCall) =>
  wakeOf(a)! - wakeOf(b)! || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const options = fc.option(
  fc.record({
    maxAttempts: fc.integer({ min: 1, max: 5 }),
    retryBackoff: fc.constant({ delayMs: 10, factor: 2, maxDelayMs: 100 }),
    recurrence: fc.constant(null),
    window: fc.constant(null),
    metadata: fc.option(fc.record({ tags: fc.array(fc.string(), { maxLength: 2 }) })),
    seriesId: fc.constant(null),
    occurrenceAt: fc.constant(null),
  }),
);
const events = fc.option(
  fc.array(
    fc.record({
      status: fc.constantFrom('scheduled' as const, 'queued' as const),
      at: fc.integer(),
      attempt: fc.nat(3),
    }),
    { maxLength: 3 },
  ),
);
const op = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    id: fc.constantFrom(...ids),
    to: fc.constantFrom('+14155550001', '+14155550002'),
    status: fc.constantFrom('scheduled' as const, 'queued' as const, 'completed' as const),
    dueAt: fc.nat(50),
    createdAt: fc.nat(3),
    leaseUntil: fc.option(fc.nat(50)),
    idempotencyKey: fc.option(fc.constantFrom('k1', 'k2')),
    events,
    options,
  }),
  fc.record({
    kind: fc.constant('update' as const),
    id: fc.constantFrom(...ids),
    stale: fc.boolean(),
    patch: fc.record(
      {
        status: fc.constantFrom('scheduled' as const, 'queued' as const, 'initiated' as const),
        dueAt: fc.nat(50),
        leaseUntil: fc.option(fc.nat(50)),
        providerCallId: fc.option(fc.constantFrom('p1', 'p2')),
        reason: fc.option(fc.string()),
        events,
        options,
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({
    kind: fc.constant('claim' as const),
    now: fc.nat(60),
    limit: fc.integer({ min: 1, max: 3 }),
  }),
);

describe('memory store (property)', () => {
  it('behaves like the plain-object model, whatever callers do to the rows they get', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60, size: 'max' }), async (ops) => {
        const store = createMemoryStore();
        const model = new Map<string, StoredCall>();
        for (const step of ops) {
          if (step.kind === 'insert') {
            const { kind: _, ...fields } = step;
            const row = structuredClone(storedCall({ ...fields, dueAt: T0 + fields.dueAt }));
            const clash =
              model.has(row.id) ||
              (row.idempotencyKey !== null &&
                [...model.values()].some((r) => r.idempotencyKey === row.idempotencyKey));
            const result = await store.insert(row).catch((e: unknown) => e);
            if (clash) expect(isConflictError(result)).toBe(true);
            else {
              model.set(row.id, structuredClone(row));
              expect(result).toEqual(row);
              vandalise(result as StoredCall);
            }
            vandalise(row);
          } else if (step.kind === 'update') {
            const current = model.get(step.id);
            const version = (current?.version ?? 1) + (step.stale ? 1 : 0);
            const patch = structuredClone(step.patch);
            const result = await store.update(step.id, version, patch).catch((e: unknown) => e);
            if (!current) expect(isCallNotFoundError(result)).toBe(true);
            else if (step.stale) expect(isConflictError(result)).toBe(true);
            else {
              const next = structuredClone({ ...current, ...step.patch, id: current.id });
              next.version += 1;
              model.set(step.id, next);
              expect(result).toEqual(next);
              vandalise(result as StoredCall);
            }
            vandalise(patch);
          } else {
            const now = T0 + step.now;
            const due = [...model.values()]
              .filter((r) => wakeOf(r) !== null && wakeOf(r)! <= now)
              .sort(byWakeThenId)
              .slice(0, step.limit);
            const claimed = (
              await store.claimDue({
                now,
                limit: step.limit,
                workerId: 'w',
                leaseUntil: now + 1000,
              })
            ).calls;
            expect(claimed.map((r) => r.id)).toEqual(due.map((r) => r.id));
            for (const row of due) {
              Object.assign(row, {
                status: claimedStatus(row.status),
                leaseOwner: 'w',
                leaseUntil: now + 1000,
              });
              Object.assign(row, { updatedAt: now, version: row.version + 1 });
            }
            expect(claimed).toEqual(due);
            claimed.forEach(vandalise);
          }
        }
        for (const id of ids) expect(await store.get(id)).toEqual(model.get(id) ?? null);
        const listed: StoredCall[] = [];
        let cursor: string | null = null;
        do {
          const page = await store.list({ cursor, limit: 2 });
          listed.push(...page.items);
          cursor = page.nextCursor;
        } while (cursor);
        const byCreation = (a: StoredCall, b: StoredCall) =>
          a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1);
        expect(listed).toEqual([...model.values()].sort(byCreation));
        const wakes = [...model.values()].map(wakeOf).filter((w) => w !== null);
        expect(await store.nextDueAt()).toBe(wakes.length > 0 ? Math.min(...wakes) : null);
        await store.close();
      }),
      { numRuns: 300 },
    );
  });
});
