/**
 * A paced campaign's calls wait for their turns after their claims (`callsPerSecond`): the
 * do-not-call list and the calling window are checked again when a turn comes, as the last step
 * before the request. On the fake clock over memory and SQLite; on PostgreSQL in real time.
 */
import { systemClock, type Clock } from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { countingStore } from '../../test/fakes.js';
import { describeWithDatabase, dropSchemas, randomSchema } from '../../test/pg-testing.js';
import { LIST_FRESH_MS, WINDOW_MARGIN_MS } from '../dispatch/_last-check.js';
import { createMemoryStore } from '../stores/memory/memory.js';
import { createPostgresStore } from '../stores/postgres/postgres.js';
import { createSqliteStore } from '../stores/sqlite/sqlite.js';
import type { Store } from '../store.js';
import { createSuppressionList } from '../suppressions.js';
import { createCampaignRunner, type CampaignRunner } from './runner.js';

const CALLER = '+14155550100';
const numbers = (count: number, from = 3000) =>
  Array.from({ length: count }, (_, i) => `+1415555${String(from + i)}`);

const runners: CampaignRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.close()));
});

/**
 * Starts a campaign at 1 call a second, 5 at once, whose every placement lists the number after
 * it 250 ms later (after that entry's claim reserved its turn, before the turn comes).
 */
async function listedWhileWaiting(store: Store, clock: Clock) {
  const to = numbers(8);
  const list = createSuppressionList({ store, clock });
  /** When each number's listing was written. */
  const listedAt = new Map<string, number>();
  const provider = createFakeProvider({
    clock,
    follow: 'webhooks',
    initialStatus: () => 'completed',
    onPlace: (phone) => {
      const next = to[to.indexOf(phone) + 1];
      if (next === undefined) return;
      clock.setTimeout(() => {
        void list.suppress(next).then(() => listedAt.set(next, clock.now()));
      }, 250);
    },
  });
  const runner = createCampaignRunner({
    store,
    provider,
    clock,
    campaign: 'listed-while-waiting',
    callerId: CALLER,
    entries: to.map((phone) => ({ to: phone })),
    callsPerSecond: 1,
    concurrency: 5,
    recheckIntervalMs: 50,
  });
  runners.push(runner);
  await runner.start();
  /** Whether every entry has ended. */
  const ended = async () => {
    const counts = await runner.counts();
    return (counts.completed ?? 0) + (counts.suppressed ?? 0) === to.length;
  };
  /** What reached the provider, the rows, and the list, once every entry ended. */
  const outcome = async () => ({
    placed: provider.placed.map((p) => p.to),
    /** Requests that left more than 50 ms after their number's listing was written. */
    late: provider.placed.filter((p) => {
      const at = listedAt.get(p.to);
      return at !== undefined && p.at.getTime() > at + LIST_FRESH_MS;
    }),
    rows: await runner.calls({ limit: 100 }),
    listed: (await list.list({ limit: 100 })).items.map((e) => e.phone),
  });
  return { to, ended, outcome };
}

/** 10:00 UTC: the window 08:00–10:00 closes, and opens again the next day. */
const CLOSE = Date.parse('2026-03-09T10:00:00Z');

/**
 * Eight paced campaigns (10 numbers each, 1–3 calls a second, 3 at once) created 10 s before
 * their window closes, run past the close and on to the next morning with `advanceTo`: nothing
 * is sent in the window's last second or after it, and every entry is called once, the rest the
 * next morning.
 */
async function eightClosing(
  store: Store,
  clock: ReturnType<typeof createFakeClock>,
  advanceTo: (at: number) => Promise<void>,
  /** Moves the clock through the night, when no call waits for a turn. */
  jumpTo: (at: number) => Promise<void> = advanceTo,
) {
  const provider = createFakeProvider({
    clock,
    follow: 'webhooks',
    initialStatus: () => 'completed',
  });
  const all: string[] = [];
  for (let c = 0; c < 8; c++) {
    const to = numbers(10, 4000 + c * 10);
    all.push(...to);
    const runner = createCampaignRunner({
      store,
      provider,
      clock,
      campaign: `closing-${c}`,
      callerId: CALLER,
      entries: to.map((phone) => ({ to: phone })),
      callsPerSecond: 1 + (c % 3),
      concurrency: 3,
      window: { start: '08:00', end: '10:00', timezone: 'UTC' },
      recheckIntervalMs: 50,
    });
    runners.push(runner);
    await runner.start();
  }
  for (let t = clock.now() + 1000; t <= CLOSE + 2000; t += 1000) await advanceTo(t);
  const sentBeforeEnd = provider.placed.length;
  expect(sentBeforeEnd).toBeGreaterThan(8);
  expect(sentBeforeEnd).toBeLessThan(all.length);
  const late = provider.placed.filter((p) => p.at.getTime() > CLOSE - WINDOW_MARGIN_MS);
  expect(late.map((p) => `${p.to} at ${p.at.toISOString()}`)).toEqual([]);
  // The rest are called the next morning, each once.
  const opening = Date.parse('2026-03-10T08:00:00Z');
  await jumpTo(opening - 1);
  expect(provider.placed).toHaveLength(sentBeforeEnd);
  for (let t = opening; provider.placed.length < all.length && t <= opening + 600_000; t += 1000) {
    await advanceTo(t);
  }
  const placed = provider.placed.map((p) => p.to);
  expect(placed.sort()).toEqual([...all].sort());
  for (const p of provider.placed.slice(sentBeforeEnd)) {
    expect(p.at.getTime()).toBeGreaterThanOrEqual(opening);
  }
}

const localStores: [string, () => Store][] = [
  ['memory', () => createMemoryStore()],
  ['sqlite', () => createSqliteStore({ path: ':memory:' })],
];

describe.each(localStores)('a paced campaign (%s)', (_name, create) => {
  it('places no number listed while its call waited for its turn; each such entry ends suppressed', async () => {
    const clock = createFakeClock('2026-03-09T12:00:00Z');
    const store = create();
    const { to, ended, outcome } = await listedWhileWaiting(store, clock);
    await clock.advance(20_000);
    expect(await ended()).toBe(true);
    const { placed, rows, listed } = await outcome();
    // Every other number: a placement lists the next, which is stopped, so the one after it
    // is placed, and lists the next again.
    expect(placed).toEqual([to[0], to[2], to[4], to[6]]);
    expect(listed.sort()).toEqual([to[1], to[3], to[5], to[7]].sort());
    for (const row of rows) {
      expect(row.status).toBe(listed.includes(row.to) ? 'suppressed' : 'completed');
    }
    await store.close();
  });

  it('eight campaigns whose window ends mid-run send nothing in its last second or after', async () => {
    const clock = createFakeClock(CLOSE - 10_000);
    const store = create();
    await eightClosing(store, clock, (to) => clock.advanceTo(to));
    await store.close();
  });
});

describeWithDatabase('a paced campaign (postgres)', (url) => {
  const schemas: string[] = [];
  afterEach(async () => {
    await dropSchemas(url, schemas.splice(0));
  });

  it('eight campaigns whose window ends mid-run send nothing in its last second or after (fake clock)', async () => {
    const schema = randomSchema();
    schemas.push(schema);
    const store = createPostgresStore({ connectionString: url, max: 4 }, { schema });
    await store.ready();
    const clock = createFakeClock(CLOSE - 10_000);
    const counting = countingStore(store);
    try {
      // The fake clock moves 50 ms at a time, each step once the store's real round trips have
      // settled: fake time that ran ahead of a commit would make every turn late.
      await eightClosing(
        counting.store,
        clock,
        async (at) => {
          while (clock.now() < at) {
            await counting.settled();
            await clock.advanceTo(Math.min(at, clock.now() + 50));
          }
          await counting.settled();
          await clock.flush();
        },
        async (at) => {
          await counting.settled();
          await clock.advanceTo(at);
          await counting.settled();
        },
      );
    } finally {
      await Promise.all(runners.splice(0).map((runner) => runner.close()));
      await store.close();
    }
  }, 120_000);

  it('places no number listed while its call waited for its turn (real time)', async () => {
    const schema = randomSchema();
    schemas.push(schema);
    const store = createPostgresStore({ connectionString: url, max: 4 }, { schema });
    await store.ready();
    try {
      const { to, ended, outcome } = await listedWhileWaiting(store, systemClock);
      const deadline = Date.now() + 30_000;
      while (!(await ended()) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const { placed, rows, listed, late } = await outcome();
      expect(rows).toHaveLength(to.length);
      expect(listed.length).toBeGreaterThanOrEqual(3);
      // Measured by the time each listing was written: on a busy machine a listing may come
      // after its call's turn, and that call goes as it should.
      expect(late).toEqual([]);
      for (const row of rows) {
        const sent = placed.includes(row.to);
        expect(row.status).toBe(sent ? 'completed' : 'suppressed');
        if (!sent) expect(listed).toContain(row.to);
      }
    } finally {
      await Promise.all(runners.splice(0).map((runner) => runner.close()));
      await store.close();
    }
  }, 60_000);
});
