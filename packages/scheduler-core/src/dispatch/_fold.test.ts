/**
 * Statuses of one call that come together are written at once (`applyStatuses`), and that is
 * the same, event for event and version for version, as applying them one by one: checked on
 * random sequences (out of order, repeated, of another attempt, with who answered, ending in a
 * retry or not), and on the write counts and versions of the common case.
 */
import { CALL_STATUSES, type AnsweredBy, type CallStatusEvent } from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import { createSafeEmitter } from '@ringkit/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SchedulerEvents } from '../events.js';
import { createMemoryStore } from '../stores/memory/memory.js';
import { storedCall } from '../testing/store-contract.js';
import type { StoredCall, StoredCallPatch } from '../store.js';
import { withEvent } from '../_rows.js';
import { createOutcomes } from './_outcomes.js';
import { createMutate, createWriter } from './_writes.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const ME = '+14155550100';

/** Every status word, and one no lifecycle knows (a provider's own, such as Twilio's). */
const STATUSES = [...CALL_STATUSES, 'in-progress'] as const;

/** One store and the outcomes over it, with every event it emits, in order, as text. */
async function world(row: StoredCall) {
  const store = createMemoryStore();
  await store.insert(row);
  const clock = createFakeClock(T0 + 10_000);
  const emitter = createSafeEmitter<SchedulerEvents>((error) => ({ error, source: 'listener' }));
  const told: string[] = [];
  emitter.on('status', (e) =>
    told.push(
      `status ${e.previous}→${e.status} v${e.call.version} ${e.call.status} ${e.providerStatus ?? '-'} ${e.answeredBy ?? '-'} ${e.call.updatedAt.getTime()}`,
    ),
  );
  for (const name of ['completed', 'failed', 'retrying', 'canceled'] as const) {
    emitter.on(name, (e) => told.push(`${name} v${e.call.version} ${e.call.status}`));
  }
  let writes = 0;
  const update = store.update.bind(store);
  store.update = (...args) => {
    writes += 1;
    return update(...args);
  };
  const outcomes = createOutcomes({
    store,
    clock,
    emitter,
    mutate: createMutate(store, clock, createWriter(store)),
    callerId: ME,
    generateId: () => 'next',
    wake: () => undefined,
    callTimeoutMs: 600_000,
    campaign: null,
    provider: 'mock',
  });
  return { store, outcomes, told, writes: () => writes };
}

const inFlight = (maxAttempts: number, status: StoredCall['status'] = 'initiated') =>
  storedCall({
    id: 'a',
    status,
    providerCallId: 'p1',
    placingAt: T0,
    options: {
      maxAttempts,
      retryBackoff: null,
      recurrence: null,
      window: null,
      metadata: null,
      seriesId: null,
      occurrenceAt: null,
    },
  });

const event = (status: string, ms: number, answeredBy?: AnsweredBy): CallStatusEvent => ({
  callId: 'p1',
  status: status as CallStatusEvent['status'],
  providerStatus: status,
  at: new Date(T0 + ms),
  ...(answeredBy === undefined ? {} : { answeredBy }),
});

const arbitraryEvent = fc
  .record({
    status: fc.constantFrom(...STATUSES),
    ms: fc.integer({ min: 0, max: 5000 }),
    answeredBy: fc.option(fc.constantFrom<AnsweredBy>('human', 'machine'), { nil: undefined }),
  })
  .map(({ status, ms, answeredBy }) => event(status, ms, answeredBy));

/** What another worker may have written meanwhile, on a row this one holds as it was. */
const MEANWHILE: Record<string, (row: StoredCall) => StoredCallPatch> = {
  ended: (row) => ({
    status: 'completed',
    events: withEvent(row, { status: 'completed', at: T0 + 4000, attempt: row.attempt }),
  }),
  ringing: (row) => ({
    status: 'ringing',
    events: withEvent(row, { status: 'ringing', at: T0 + 1, attempt: row.attempt }),
  }),
  retried: (row) => ({
    status: 'scheduled',
    attempt: row.attempt + 1,
    providerCallId: null,
    placingAt: null,
    events: withEvent(row, { status: 'busy', at: T0 + 4000, attempt: row.attempt }),
  }),
};

describe('statuses of one call that come together', () => {
  it('are written at once as they would be one by one: rows, records, events and versions', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbitraryEvent, { minLength: 2, maxLength: 7 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom<StoredCall['status']>('initiated', 'ringing', 'answered'),
        async (events, maxAttempts, from) => {
          const one = await world(inFlight(maxAttempts, from));
          const all = await world(inFlight(maxAttempts, from));
          for (const e of events) await one.outcomes.applyStatus(e);
          const folded = await all.outcomes.applyStatuses(events);
          const byOne = await one.store.get('a');
          expect(await all.store.get('a')).toEqual(byOne);
          expect(folded).toEqual(byOne);
          expect(all.told).toEqual(one.told);
          const history = async (w: Awaited<ReturnType<typeof world>>) =>
            (await w.store.listCallLog({ phone: ME, limit: 10 })).items;
          expect(await history(all)).toEqual(await history(one));
          // Never more writes than one by one; one for all that precede the end, one for it.
          expect(all.writes()).toBeLessThanOrEqual(one.writes());
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the same from a row another worker changed meanwhile (ended, moved, retried)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbitraryEvent, { minLength: 2, maxLength: 6 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom(...Object.keys(MEANWHILE)),
        async (events, maxAttempts, meanwhile) => {
          const stale = inFlight(maxAttempts);
          const one = await world(stale);
          const all = await world(stale);
          for (const w of [one, all]) await w.store.update('a', 1, MEANWHILE[meanwhile]!(stale));
          let current: StoredCall = stale;
          for (const e of events) current = (await one.outcomes.applyStatus(e, current)) ?? current;
          await all.outcomes.applyStatuses(events, stale);
          expect(await all.store.get('a')).toEqual(await one.store.get('a'));
          expect(all.told).toEqual(one.told);
          const history = async (w: Awaited<ReturnType<typeof world>>) =>
            (await w.store.listCallLog({ phone: ME, limit: 10 })).items;
          expect(await history(all)).toEqual(await history(one));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('arriving in any interleaving, leave the row and the events applying them in order leaves', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(arbitraryEvent, fc.constantFrom('together', 'a tick later', 'after it')),
          { minLength: 2, maxLength: 7 },
        ),
        fc.integer({ min: 1, max: 3 }),
        async (arrivals, maxAttempts) => {
          const one = await world(inFlight(maxAttempts));
          const all = await world(inFlight(maxAttempts));
          for (const [e] of arrivals) await one.outcomes.applyStatus(e);
          const handled: Promise<unknown>[] = [];
          for (const [e, when] of arrivals) {
            if (when === 'a tick later') await Promise.resolve();
            if (when === 'after it') await handled.at(-1);
            handled.push(all.outcomes.handleStatus(e));
          }
          await Promise.all(handled);
          expect(await all.store.get('a')).toEqual(await one.store.get('a'));
          expect(all.told).toEqual(one.told);
          expect(all.writes()).toBeLessThanOrEqual(one.writes());
        },
      ),
      { numRuns: 500 },
    );
  });

  it('ringing, answered and completed: one write, each status told with its own version', async () => {
    const w = await world(inFlight(1));
    const row = await w.outcomes.applyStatuses([
      event('ringing', 1),
      event('answered', 2, 'human'),
      event('completed', 3),
    ]);
    expect(w.writes()).toBe(1);
    expect(row).toMatchObject({ status: 'completed', version: 4 });
    expect(await w.store.get('a')).toMatchObject({ status: 'completed', version: 4 });
    expect(w.told.map((t) => t.split(' ').slice(0, 3).join(' '))).toEqual([
      'status initiated→ringing v2',
      'status ringing→answered v3',
      'status answered→completed v4',
      'completed v4 completed',
    ]);
  });

  it('ringing and answered alone: one write of two steps', async () => {
    const w = await world(inFlight(1));
    const row = await w.outcomes.applyStatuses([event('ringing', 1), event('answered', 2)]);
    expect(w.writes()).toBe(1);
    expect(row).toMatchObject({ status: 'answered', version: 3 });
    expect(w.told).toHaveLength(2);
  });

  it('busy with a retry left: the retry, after the statuses before it, in one write', async () => {
    const w = await world(inFlight(2));
    const row = await w.outcomes.applyStatuses([event('ringing', 1), event('busy', 2)]);
    expect(w.writes()).toBe(1);
    expect(row).toMatchObject({ status: 'scheduled', attempt: 2, version: 3 });
    expect(w.told.map((t) => t.split(' ')[0])).toEqual(['status', 'status', 'retrying']);
  });

  it('reads the row again and folds anew when another write came first', async () => {
    const w = await world(inFlight(1));
    const stale = (await w.store.get('a'))!;
    // Another worker wrote `ringing` meanwhile.
    await w.outcomes.applyStatus(event('ringing', 1));
    const row = await w.outcomes.applyStatuses(
      [event('ringing', 1), event('answered', 2), event('completed', 3)],
      stale,
    );
    expect(row).toMatchObject({ status: 'completed', version: 4 });
    expect(
      (row?.events ?? []).filter((e) => e.status !== 'scheduled').map((e) => e.status),
    ).toEqual(['ringing', 'answered', 'completed']);
  });

  it('statuses that arrive together go in one write, from one read', async () => {
    const w = await world(inFlight(1));
    const rows = await Promise.all([
      w.outcomes.handleStatus(event('ringing', 1)),
      w.outcomes.handleStatus(event('answered', 2)),
      w.outcomes.handleStatus(event('completed', 3)),
    ]);
    expect(rows.map((r) => `${r?.status} v${r?.version}`)).toEqual([
      'completed v4',
      'completed v4',
      'completed v4',
    ]);
    expect(w.writes()).toBe(1);
  });

  it('statuses gathered behind one being handled go in one write after it', async () => {
    const w = await world(inFlight(1));
    const first = w.outcomes.handleStatus(event('ringing', 1));
    // A microtask on: `ringing` is being handled.
    await Promise.resolve();
    const rows = await Promise.all([
      first,
      w.outcomes.handleStatus(event('answered', 2)),
      w.outcomes.handleStatus(event('completed', 3)),
    ]);
    expect(rows.map((r) => `${r?.status} v${r?.version}`)).toEqual([
      'ringing v2',
      'completed v4',
      'completed v4',
    ]);
    expect(w.writes()).toBe(2);
  });
});
