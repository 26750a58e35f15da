/**
 * The law at the instant of placement, in real time (the tests prove it on a fake clock): paced
 * campaigns through the polling simulator over real sockets, on SQLite and PostgreSQL at once.
 * - Eight campaigns (10 numbers each, 1–3 calls a second, 3 at once) whose calling window closes
 *   at the next whole minute, started 8 s before it: how many requests reached the simulator at
 *   or after the close, and in its last second (the last check keeps a second's margin).
 * - A campaign at 1 call a second, 5 at once, whose every placement lists the next number 250 ms
 *   later (after that entry's claim took its turn, before the turn comes): how many listed
 *   numbers reached the simulator.
 * Prints the counts; the goal of every "at or after" and "listed reached" figure is 0.
 *
 *   pnpm --filter @ringkit/bench exec node --import tsx compliance/law.ts
 *
 * PostgreSQL is `TEST_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/test), left out
 * when it cannot be reached; its schema and the SQLite file are removed at the end. It waits for
 * the next whole minute, so a run takes up to 90 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMockCallApiClient } from '@ringkit/call-client';
import { createCampaignRunner, createSuppressionList, type Store } from '@ringkit/scheduler-core';
import { createPostgresStore } from '@ringkit/scheduler-core/postgres';
import { createSqliteStore } from '@ringkit/scheduler-core/sqlite';
import { startCallApiSimulator } from '@ringkit/simulator';
import { table } from '../_stats.js';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CALLER = '+14155550100';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const hhmm = (at: number) => new Date(at).toISOString().slice(11, 16);

/** The stores to run on: SQLite always, PostgreSQL when it answers. */
async function openStores(): Promise<{ name: string; store: Store; drop: () => Promise<void> }[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ringkit-law-'));
  const sqlite = createSqliteStore({ path: join(dir, 'law.db') });
  const stores = [
    {
      name: 'sqlite',
      store: sqlite as Store,
      drop: async () => {
        await sqlite.close();
        rmSync(dir, { recursive: true, force: true });
      },
    },
  ];
  const schema = `rk_law_${process.pid}`;
  const pg = createPostgresStore({ connectionString: PG_URL, max: 8 }, { schema });
  try {
    await pg.ready();
    stores.push({
      name: 'postgres',
      store: pg,
      drop: async () => {
        await pg.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await pg.close();
      },
    });
  } catch (error) {
    console.log(`PostgreSQL left out: ${(error as Error).message}`);
    await pg.close().catch(() => undefined);
  }
  return stores;
}

const sim = await startCallApiSimulator({ flavour: 'polling', port: 0, stepMs: 50, seed: 5 });
const provider = createMockCallApiClient({ baseUrl: sim.url });
const stores = await openStores();
const runners: { close(): Promise<unknown> }[] = [];
const closingRows: Record<string, string | number>[] = [];
const listRows: Record<string, string | number>[] = [];
try {
  // The window closes at the next whole minute at least 10 s away.
  const close = Math.ceil((Date.now() + 10_000) / 60_000) * 60_000;
  const window = { start: hhmm(close - 3_600_000), end: hhmm(close), timezone: 'UTC' };
  await sleep(Math.max(0, close - 8_000 - Date.now()));
  const closing = new Map<string, Set<string>>();
  for (const [s, { name, store }] of stores.entries()) {
    const phones = new Set<string>();
    closing.set(name, phones);
    for (let c = 0; c < 8; c += 1) {
      const entries = Array.from({ length: 10 }, (_, i) => ({
        to: `+1415${String(3_000_000 + s * 100_000 + c * 100 + i)}`,
      }));
      for (const { to } of entries) phones.add(to);
      const runner = createCampaignRunner({
        store,
        provider,
        campaign: `closing-${c}`,
        callerId: CALLER,
        entries,
        callsPerSecond: 1 + (c % 3),
        concurrency: 3,
        window,
      });
      runners.push(runner);
      await runner.start();
    }
  }
  await sleep(Math.max(0, close + 3_000 - Date.now()));
  for (const { name } of stores) {
    const phones = closing.get(name)!;
    const times = sim
      .calls()
      .filter((call) => phones.has(call.phone))
      .map((call) => call.createdAt.getTime());
    closingRows.push({
      store: name,
      'reached the provider': times.length,
      'at or after the close': times.filter((t) => t >= close).length,
      'in its last second': times.filter((t) => t >= close - 1000 && t < close).length,
      'last request before the close (ms)': times.length ? close - Math.max(...times) : '-',
    });
  }

  for (const [s, { name, store }] of stores.entries()) {
    const to = Array.from({ length: 10 }, (_, i) => `+1415${String(4_000_000 + s * 100 + i)}`);
    const list = createSuppressionList({ store });
    const listed = new Set<string>();
    const watching = createMockCallApiClient({ baseUrl: sim.url });
    const runner = createCampaignRunner({
      store,
      provider: {
        ...watching,
        async placeCall(request) {
          const call = await watching.placeCall(request);
          const next = to[to.indexOf(request.to) + 1];
          if (next !== undefined) {
            setTimeout(() => {
              listed.add(next);
              void list.suppress(next);
            }, 250);
          }
          return call;
        },
      },
      campaign: 'listed-while-waiting',
      callerId: CALLER,
      entries: to.map((phone) => ({ to: phone })),
      callsPerSecond: 1,
      concurrency: 5,
    });
    runners.push(runner);
    await runner.start();
    for (let i = 0; i < 300; i += 1) {
      const counts = await runner.counts();
      const ended = Object.entries(counts)
        .filter(([status]) =>
          ['completed', 'busy', 'no-answer', 'failed', 'suppressed'].includes(status),
        )
        .reduce((sum, [, n]) => sum + n, 0);
      if (ended === to.length) break;
      await sleep(100);
    }
    const reached = new Set(sim.calls().map((call) => call.phone));
    listRows.push({
      store: name,
      'reached the provider': to.filter((phone) => reached.has(phone)).length,
      'listed while waiting': listed.size,
      'listed and reached': [...listed].filter((phone) => reached.has(phone)).length,
    });
  }
} finally {
  await Promise.all(runners.map((runner) => runner.close()));
  for (const { drop } of stores) await drop();
  await sim.close();
}
console.log('8 paced campaigns (1–3 calls/s, 3 at once) whose window closes mid-run:\n');
table(closingRows);
console.log(
  '\nA campaign at 1 call/s, 5 at once, whose next number is listed 250 ms after each placement:\n',
);
table(listRows);
