/**
 * The scheduler's CPU per call while its code warms up and once it has: `scheduler.ts`'s rate
 * run (500 calls due over one second, one every 2 ms, concurrency 10, a provider in this
 * process) ten times in a row per store, each run's figure printed, then the median of runs 2–4
 * (what `scheduler.ts` reports: the process has placed 500–2,000 calls) and of runs 7–10 (3,000
 * calls and more: what a process that has been running a while spends per call).
 *
 * Self-contained (Node and the packages' public API only), so `before-after.ts` runs this copy
 * against an older checkout's build too: the same measure on both sides.
 *
 *   pnpm --filter @ringkit/bench exec tsx scheduler/warm-up.ts [--runs 10] [--stores memory,sqlite,postgres]
 *
 * PostgreSQL runs when TEST_DATABASE_URL (or DATABASE_URL) is set, each run on a schema of its own.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallProvider } from '@ringkit/call-client';
import { createScheduler, type Store } from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { createPostgresStore } from '@ringkit/scheduler-core/postgres';
import { createSqliteStore } from '@ringkit/scheduler-core/sqlite';
import pg from 'pg';

const argv = process.argv.slice(2);
const flag = (name: string) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const RUNS = Number(flag('--runs') ?? 10);
if (!Number.isInteger(RUNS) || RUNS < 7)
  throw new Error('--runs takes a whole number of 7 or more');
const PG_URL = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
const STORES = (flag('--stores') ?? 'memory,sqlite,postgres')
  .split(',')
  .filter((name) => name !== 'postgres' || PG_URL);
const CALLS = 500;
const SPACING_MS = 2;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** A store of `kind` on a fresh file or schema, and how to be rid of it. */
async function open(
  kind: string,
  dir: string,
): Promise<{ store: Store; drop: () => Promise<void> }> {
  if (kind === 'memory') return { store: createMemoryStore(), drop: async () => {} };
  if (kind === 'sqlite')
    return {
      store: createSqliteStore({ path: join(dir, `${randomUUID()}.db`) }),
      drop: async () => {},
    };
  const schema = `ringkit_bench_warm_${randomUUID().slice(0, 8)}`;
  const store = createPostgresStore({ connectionString: PG_URL! }, { schema });
  await store.ready();
  return {
    store,
    drop: async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}

/** One run: this process's CPU per call (µs) from the first due time to the last placement. */
async function run(store: Store, first: number): Promise<number> {
  let placed = 0;
  const provider: CallProvider = {
    name: 'bench',
    capabilities: { polling: false, webhooks: true },
    placeCall() {
      placed += 1;
      return Promise.resolve({
        id: `w${first}-${placed}`,
        status: 'initiated',
        providerStatus: 'initiated',
        raw: null,
      });
    },
  };
  const scheduler = createScheduler({ store, provider, callerId: '+14155550100', concurrency: 10 });
  const start = Date.now() + 1500;
  await scheduler.scheduleMany(
    Array.from({ length: CALLS }, (_, i) => ({
      to: `+1415${String(first + i).padStart(7, '0')}`,
      at: new Date(start + i * SPACING_MS),
    })),
  );
  await scheduler.start();
  await sleep(start - Date.now());
  const from = process.cpuUsage();
  while (placed < CALLS && Date.now() < start + 30_000) await sleep(5);
  const used = process.cpuUsage(from);
  await scheduler.stop();
  return (used.user + used.system) / placed;
}

const dir = mkdtempSync(join(tmpdir(), 'ringkit-warm-up-'));
try {
  console.log(
    `# ${CALLS} calls due one every ${SPACING_MS} ms, ${RUNS} runs per store: this process's CPU µs per call — node ${process.version}`,
  );
  for (const kind of STORES) {
    const figures: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const { store, drop } = await open(kind, dir);
      figures.push(await run(store, 3_000_000 + i * CALLS));
      await store.close();
      await drop();
    }
    console.log(
      `${kind.padEnd(9)} runs ${figures.map((f) => f.toFixed(0)).join(' ')}   ` +
        `runs 2–4 ${median(figures.slice(1, 4)).toFixed(0)}   runs 7–${RUNS} ${median(figures.slice(6)).toFixed(0)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
