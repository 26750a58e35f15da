/**
 * `scheduler.counts()`: how many calls the store holds in each live status, every live status
 * present, finished calls never counted. On the memory store, a SQLite file and a fresh
 * PostgreSQL schema, through `countByStatus` and through the walk of `list` of a store without it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFakeClock } from '@ringkit/call-client/testing';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { createFakeProvider } from '@ringkit/simulator';
import { describeWithDatabase, postgresSuiteStores } from '../test/pg-testing.js';
import { countingStore } from '../test/fakes.js';
import { createScheduler } from './scheduler.js';
import { LIVE_STATUSES, type Store, type StoreListQuery } from './store.js';
import { createMemoryStore } from './stores/memory/memory.js';
import { createSqliteStore } from './stores/sqlite/sqlite.js';
import { storedCall } from './testing/store-contract.js';
import type { ScheduledCallStatus } from './types.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const DAY = 86_400_000;

/** What `withCalls` leaves in the store, live: a different number in each status. */
const LIVE = { scheduled: 5, queued: 2, initiated: 1, ringing: 3, answered: 4 };

/**
 * A store holding calls in every status: some scheduled, canceled, placed and ringing through the
 * scheduler, the others written as another worker would have (claimed, in flight, finished).
 */
async function withCalls(store: Store) {
  const clock = createFakeClock(T0);
  const counted = countingStore(store);
  const scheduler = createScheduler({
    store: counted.store,
    clock,
    provider: createFakeProvider({ clock, script: () => ['ringing'] }),
    callerId: '+14155550100',
    recheckIntervalMs: 0,
    watchIntervalMs: 1_000,
  });
  onTestFinished(() => scheduler.stop());
  for (let i = 0; i < 3; i++) {
    await scheduler.schedule({ to: `+1415555010${i + 1}`, at: new Date(T0 + 60_000) });
  }
  const canceled = await scheduler.schedule({ to: '+14155550109', at: new Date(T0 + 60_000) });
  await scheduler.cancel(canceled.id);
  await scheduler.schedule({ to: '+14155550108', at: new Date(T0) });
  await scheduler.start();
  // The due call is placed, then polled: ringing. The store answers in real time: each second of
  // fake time passes only once the scheduler's store calls have settled, so the calls due a
  // minute on are never reached.
  for (let i = 0; i < 200; i++) {
    await counted.settled();
    const { items } = await store.list({ status: 'ringing', limit: 10 });
    if (items.length === 1) break;
    await clock.advance(1_000);
  }
  await scheduler.stop();

  const elsewhere = { leaseOwner: 'elsewhere', leaseUntil: T0 + 300 * DAY, attempt: 1 };
  const write = async (status: ScheduledCallStatus, n: number) => {
    for (let i = 0; i < n; i++) {
      const id = `${status}-${i}`;
      if (status === 'scheduled') {
        await store.insert(storedCall({ id, status, dueAt: T0 + 100 * DAY }));
      } else if (status === 'queued') {
        await store.insert(storedCall({ id, status, ...elsewhere }));
      } else {
        await store.insert(storedCall({ id, status, providerCallId: `px-${id}`, ...elsewhere }));
      }
    }
  };
  await write('scheduled', 2);
  await write('queued', 2);
  await write('initiated', 1);
  await write('ringing', 2);
  await write('answered', 4);
  await write('completed', 3);
  await write('busy', 1);
  await write('no-answer', 2);
  await write('failed', 1);
  await write('canceled', 1);
  return scheduler;
}

const dir = mkdtempSync(join(tmpdir(), 'ringkit-counts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

function countsSuite(open: () => Store) {
  it('counts the calls of the store in each live status, every one present, finished ones not', async () => {
    const store = open();
    onTestFinished(() => store.close());
    const scheduler = await withCalls(store);
    const counts = await scheduler.counts();
    expect(counts).toEqual(LIVE);
    expect(Object.keys(counts)).toEqual([...LIVE_STATUSES]);
  });

  it('has every live status at 0 on an empty store', async () => {
    const store = open();
    onTestFinished(() => store.close());
    const clock = createFakeClock(T0);
    const scheduler = createScheduler({
      store,
      clock,
      provider: createFakeProvider({ clock }),
      callerId: '+14155550100',
    });
    await store.insert(storedCall({ id: 'done', status: 'completed' }));
    expect(await scheduler.counts()).toEqual({
      scheduled: 0,
      queued: 0,
      initiated: 0,
      ringing: 0,
      answered: 0,
    });
  });

  it('walks through list() page by page, live statuses only, with a store that cannot count', async () => {
    const inner = open();
    onTestFinished(() => inner.close());
    const queries: StoreListQuery[] = [];
    let counting = false;
    // A store without countByStatus, whose pages hold 2 rows: the walk must follow the cursor.
    const store: Store = new Proxy(inner, {
      get(target, key, receiver) {
        if (key === 'countByStatus') return undefined;
        if (key === 'list') {
          return (query: StoreListQuery) => {
            if (counting) queries.push(query);
            return target.list({ ...query, limit: Math.min(query.limit, 2) });
          };
        }
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const scheduler = await withCalls(store);
    counting = true;
    expect(await scheduler.counts()).toEqual(LIVE);
    // 15 live calls, 2 a page: 8 pages, each asked for the live statuses, the first without a
    // cursor and each next one with the cursor of the page before.
    expect(queries).toHaveLength(8);
    for (const query of queries) expect(query.status).toEqual([...LIVE_STATUSES]);
    expect(queries[0]!.cursor).toBeNull();
    expect(new Set(queries.slice(1).map((q) => q.cursor)).size).toBe(7);
    expect(queries.slice(1).every((q) => typeof q.cursor === 'string')).toBe(true);
  });
}

describe('scheduler.counts() on the memory store', () => countsSuite(() => createMemoryStore()));

describe('scheduler.counts() on a SQLite file', () =>
  countsSuite(() => createSqliteStore({ path: join(dir, `counts-${files++}.db`) })));

describeWithDatabase('scheduler.counts() on a PostgreSQL schema', (url) => {
  countsSuite(postgresSuiteStores(url).open);
});
