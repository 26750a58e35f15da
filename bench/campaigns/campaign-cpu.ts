/**
 * A durable campaign's CPU per call in one process, by store, split into user and system time:
 * `createDialer({ store, campaign })` with the in-process fake provider (`_dialer-provider.ts`,
 * calls of 0–5 ms, concurrency 10) on `createMemoryStore()`, a SQLite file and PostgreSQL (a
 * pool of 10 opened ahead), each run twice in a row with a fresh store and campaign (the first
 * run warms the code up; both are printed). No IPC, no other worker: what the store adds to a
 * call is the difference to the memory row, and the system time says how much of it the kernel
 * takes (the socket's writes and reads, the file's).
 *
 *   pnpm --filter @ringkit/bench exec tsx campaigns/campaign-cpu.ts [--quick]
 *
 * `--quick` dials 1,000 numbers a run instead of 3,000. PostgreSQL is `TEST_DATABASE_URL`
 * (default postgres://postgres@127.0.0.1:5432/test), left out when it cannot be reached; its
 * schemas and the SQLite files are removed at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDialer } from '@ringkit/dialer';
import type { Store } from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { createPostgresStore } from '@ringkit/scheduler-core/postgres';
import { createSqliteStore } from '@ringkit/scheduler-core/sqlite';
import pg from 'pg';
import { until } from './_dialer-durable.js';
import { benchProvider } from './_dialer-provider.js';
import { postgresReachable } from '../_server.js';
import { fmt, quick, table } from '../_stats.js';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TOTAL = quick ? 1_000 : 3_000;
const CONCURRENCY = 10;
const numbers = Array.from({ length: TOTAL }, (_, i) => `+1301${8_040_000 + i}`);
const dir = mkdtempSync(join(tmpdir(), 'ringkit-campaign-cpu-'));
const schemas: string[] = [];

type Kind = 'memory' | 'sqlite' | 'postgres';
let opened = 0;
/** A fresh store of `kind`, ready: PostgreSQL's schema migrated and its pool opened. */
async function openStore(kind: Kind): Promise<Store> {
  opened += 1;
  if (kind === 'memory') return createMemoryStore();
  if (kind === 'sqlite') return createSqliteStore({ path: join(dir, `c${opened}.db`) });
  const schema = `bench_campaign_cpu_${process.pid}_${opened}`;
  schemas.push(schema);
  const store = createPostgresStore({ connectionString: PG_URL, min: 10, max: 10 }, { schema });
  await store.ready();
  return store;
}

/** One campaign of `TOTAL` numbers on a fresh store: its CPU per call, user and system, µs. */
async function run(kind: Kind) {
  const store = await openStore(kind);
  const bench = benchProvider('random', TOTAL, 7, { concurrency: CONCURRENCY, dated: true });
  const dialer = createDialer({
    provider: bench.provider,
    store,
    campaign: `campaign-${opened}`,
    callerId: '+14155550100',
    numbers,
    concurrency: CONCURRENCY,
  });
  const errors: unknown[] = [];
  dialer.on('error', (e) => errors.push(e.error));
  bench.setHandler((e) => dialer.handleStatus(e));
  let drained = false;
  dialer.on('drained', () => (drained = true));
  const before = process.cpuUsage();
  await dialer.start();
  await until(
    () => drained,
    () => `${bench.placed()} placed, ${bench.ended()} ended`,
    `the campaign on ${kind}`,
  );
  const used = process.cpuUsage(before);
  await dialer.close();
  await store.close();
  if (errors.length > 0) throw new Error(`${kind}: ${errors.length} error events`);
  return {
    user: used.user / TOTAL,
    system: used.system / TOTAL,
    perSecond: bench.perSecond(),
  };
}

const kinds: Kind[] = ['memory', 'sqlite'];
if (await postgresReachable(PG_URL)) kinds.push('postgres');
else console.log(`PostgreSQL at ${PG_URL} cannot be reached: its row is left out`);

console.log(
  `A durable campaign in one process: ${TOTAL} numbers, concurrency ${CONCURRENCY}, calls of ` +
    `0–5 ms, two runs a store (the first warms up), Node ${process.version}\n`,
);
const rows: Record<string, string | number>[] = [];
const memory: number[] = [];
try {
  for (const kind of kinds) {
    for (const n of [1, 2]) {
      const r = await run(kind);
      if (kind === 'memory') memory[n] = r.user + r.system;
      const total = r.user + r.system;
      rows.push({
        store: kind,
        run: n,
        'CPU µs/call': fmt(total, 0),
        'user µs': fmt(r.user, 0),
        'system µs': fmt(r.system, 0),
        'system share': `${fmt((100 * r.system) / total, 1)} %`,
        '× memory (same run)': fmt(total / memory[n]!, 2),
        'calls/s': fmt(r.perSecond, 0),
      });
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (schemas.length > 0) {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
}
table(rows);
console.log(
  "\n(CPU: process.cpuUsage() from start() to the drained event; the provider's own work, small," +
    ' is inside every row alike)',
);
