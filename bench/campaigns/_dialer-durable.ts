/**
 * The durable rows of bench/campaigns/dialer.ts: `createDialer({ store, campaign })` on `createMemoryStore()`, on
 * a SQLite file and on PostgreSQL with worker processes, against the same fake provider as the
 * in-memory rows (`_dialer-provider.ts`, calls of 0–5 ms), its figures taken on the provider's
 * side.
 *
 * PostgreSQL: `workers` child processes (`_dialer-worker.ts`), each `createDialer({ store:
 * createPostgresStore(…), campaign, workerId })` on one schema and one campaign, started together
 * (one creates the campaign, the others join it). The fake provider runs in this process: a
 * worker's `placeCall` is an IPC round trip to it, and a call's webhooks go to a worker drawn at
 * random, except while the placing worker has not stored the provider's answer yet (no worker
 * could find the call by its provider id then; the placing worker holds such early events
 * until its answer is written): they go to the placing worker. How many did is counted.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDialer } from '@ringkit/dialer';
import type { Store } from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { createPostgresStore } from '@ringkit/scheduler-core/postgres';
import { createSqliteStore } from '@ringkit/scheduler-core/sqlite';
import pg from 'pg';
import { seededRandom } from '@ringkit/internal';
import { floorTables } from './_dialer-floor-sql.js';
import { benchProvider, type Bench } from './_dialer-provider.js';
import { postgresReachable } from '../_server.js';
import { postgresCpuMeter } from '../pipeline/_pipeline-measure.js';
import type { DialerWorkerTask, FromWorker, ToWorker } from './_dialer-worker.js';

/** The worker script of each system run through the PostgreSQL harness. */
const WORKER_SCRIPTS = {
  ringkit: fileURLToPath(new URL('./_dialer-worker.ts', import.meta.url)),
  floor: fileURLToPath(new URL('./_dialer-bare-worker.ts', import.meta.url)),
};
/**
 * What runs in the PostgreSQL harness's workers: ringkit's dialer (`_dialer-worker.ts`), or the
 * floor of bare `pg` statements through the same provider and webhooks (`_dialer-bare-worker.ts`).
 */
export type HarnessSystem = keyof typeof WORKER_SCRIPTS;
/** With `--profile`, each worker writes a CPU profile to bench/profiles. */
const profileArgs = process.argv.includes('--profile')
  ? ['--cpu-prof', `--cpu-prof-dir=${fileURLToPath(new URL('../profiles', import.meta.url))}`]
  : [];
const CAMPAIGN = 'bench';
const CALLER_ID = '+14155550100';
/** A run that makes no progress for this long has lost a call: it fails with what it knows. */
const STALL_MS = 60_000;

export type DurableKind = 'memory' | 'sqlite' | 'postgres';

export interface CampaignRun {
  slotUse: number;
  /** Refill latency, µs. */
  p50: number;
  p99: number;
  perSecond: number;
  /** From `start()` to the first `placeCall`, ms (the campaign written, or joined). */
  firstCallMs: number;
  /** The campaign's rows by status, after the run. */
  entries: Record<string, number>;
  /** Call records (history) of the campaign's numbers. */
  records: number;
  /** Bytes on disk (SQLite: the file and its log; PostgreSQL: the schema's tables and indexes). */
  bytes: number | null;
  /** `error` events of the dialer(s). */
  errors: string[];
  /** PostgreSQL: calls whose webhooks went to the placing worker (its answer not yet written). */
  diverted?: number;
  /** PostgreSQL: the workers' CPU per call, µs. */
  workerCpuUs?: number;
  /** PostgreSQL: of that, each worker's CPU from `start()` to its first `placeCall`, ms. */
  startCpuMs?: number[];
  /** PostgreSQL: the statements the workers sent per call. */
  statementsPerCall?: number;
  /** PostgreSQL: the connections the workers opened from `start()`, together. */
  connects?: number;
  /**
   * PostgreSQL: the server's CPU per call, µs, from the start to the last call stored (its
   * processes on this machine; `null` where that cannot be read).
   */
  serverCpuUs?: number | null;
  /** PostgreSQL: how long the workers' `claimCampaign`s took, ms, sorted. */
  claimsMs?: number[];
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

function figures(bench: Bench, startedAt: number) {
  const latencies = bench
    .latencies()
    .map((ms) => ms * 1000)
    .sort((a, b) => a - b);
  return {
    slotUse: bench.slotUse(),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    perSecond: bench.perSecond(),
    firstCallMs: bench.firstAt() - startedAt,
  };
}

/** Rows and call records the store holds for the campaign. */
async function rowsOf(store: Store, numbers: string[]) {
  const entries = await store.countCampaign!(CAMPAIGN);
  let records = 0;
  for (const phone of new Set(numbers)) {
    records += (await store.listCallLog({ phone: phone, limit: 100 })).items.length;
  }
  return { entries, records };
}

/** Resolves once `done()` holds; fails when `progress()` stands still for `STALL_MS`. */
export async function until(done: () => boolean, progress: () => string, what: string) {
  let last = progress();
  let since = performance.now();
  while (!done()) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = progress();
    if (now !== last) {
      last = now;
      since = performance.now();
    } else if (performance.now() - since > STALL_MS) {
      throw new Error(`${what}: no progress for ${STALL_MS / 1000} s (${now})`);
    }
  }
}

/** The durable dialer in this process, on `createMemoryStore()` or a SQLite file. */
export async function campaignInProcess(
  kind: 'memory' | 'sqlite',
  numbers: string[],
  concurrency: number,
  seed: number,
): Promise<CampaignRun> {
  const dir = kind === 'sqlite' ? mkdtempSync(join(tmpdir(), 'ringkit-dialer-bench-')) : null;
  const path = dir === null ? '' : join(dir, 'campaign.db');
  const store = dir === null ? createMemoryStore() : createSqliteStore({ path });
  try {
    const bench = benchProvider('random', numbers.length, seed, { concurrency, dated: true });
    const dialer = createDialer({
      provider: bench.provider,
      store,
      campaign: CAMPAIGN,
      callerId: CALLER_ID,
      numbers,
      concurrency,
    });
    const errors: string[] = [];
    dialer.on('error', (e) => errors.push(`${e.source}: ${String(e.error)}`));
    bench.setHandler((e) => dialer.handleStatus(e));
    let drained = false;
    dialer.on('drained', () => (drained = true));
    const startedAt = performance.now();
    await dialer.start();
    await until(
      () => drained,
      () => `${bench.placed()} placed, ${bench.ended()} ended`,
      `durable dialer on ${kind}`,
    );
    const run = figures(bench, startedAt);
    await dialer.close();
    const rows = await rowsOf(store, numbers);
    await store.close();
    const bytes =
      dir === null
        ? null
        : ['', '-wal'].reduce((sum, tail) => {
            try {
              return sum + statSync(path + tail).size;
            } catch {
              return sum;
            }
          }, 0);
    return { ...run, ...rows, bytes, errors };
  } finally {
    await store.close().catch(() => {});
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
  }
}

export { postgresReachable } from '../_server.js';

const applicationName = `ringkit-dialer-bench-${process.pid}`;
const schemas = new Set<string>();
let schemaCount = 0;
const children = new Set<ChildProcess>();

/**
 * Ends the connections of this run's workers and drops its schemas; tries again for half a
 * minute while the server cannot be reached (a shared server restarted by another test).
 */
export async function dropSchemas(url: string): Promise<void> {
  for (const child of children) child.kill('SIGKILL');
  for (let attempt = 1; schemas.size > 0; attempt++) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [applicationName],
      );
      for (const schema of schemas) {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        schemas.delete(schema);
      }
    } catch (error) {
      if (attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    } finally {
      await client.end().catch(() => {});
    }
  }
}

/** Resolves once the server answers again, or after `ms`. */
export async function reachableWithin(url: string, ms: number): Promise<boolean> {
  const until = performance.now() + ms;
  while (!(await postgresReachable(url))) {
    if (performance.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  return true;
}

async function schemaBytes(url: string, schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    const { rows } = await client.query<{ bytes: string }>(
      `SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0) AS bytes
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind = 'r'`,
      [schema],
    );
    return Number(rows[0]!.bytes);
  } finally {
    await client.end();
  }
}

/** The entries of the floor's tables by status. */
const floorCounts = (schema: string) =>
  `SELECT status, count(*)::int AS n FROM ${schema}.entries GROUP BY status`;

/** The tables of `system` in `schema`, made before its workers start, and read after the run. */
function harnessTables(
  system: HarnessSystem,
  url: string,
  schema: string,
  numbers: string[],
  concurrency: number,
) {
  if (system === 'ringkit') {
    // Migrated once here, so that the workers start on a ready schema.
    const store = createPostgresStore(
      { connectionString: url, application_name: applicationName },
      { schema },
    );
    return {
      ready: () => store.ready(),
      counts: () => store.countCampaign!(CAMPAIGN),
      rows: () => rowsOf(store, numbers),
      close: () => store.close(),
    };
  }
  const client = new pg.Client({ connectionString: url, application_name: applicationName });
  client.on('error', () => {});
  const quoted = `"${schema}"`;
  const connected = client.connect();
  const counts = async () => {
    await connected;
    const { rows } = await client.query<{ status: string; n: number }>(floorCounts(quoted));
    return Object.fromEntries(rows.map((row) => [row.status, row.n]));
  };
  return {
    ready: async () => {
      await connected;
      await client.query(floorTables(quoted, numbers.length, concurrency, { byProviderId: true }));
    },
    counts,
    rows: async () => {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${quoted}.records`,
      );
      return { entries: await counts(), records: rows[0]!.n };
    },
    close: () => client.end().catch(() => {}),
  };
}

/**
 * The durable dialer (or, with `system: 'floor'`, the bare floor) in `workers` processes on one
 * PostgreSQL schema and campaign, the fake provider here.
 */
export async function campaignPostgres(
  url: string,
  numbers: string[],
  concurrency: number,
  workers: number,
  seed: number,
  system: HarnessSystem = 'ringkit',
): Promise<CampaignRun> {
  const schema = `bench_dialer_${process.pid}_${(schemaCount += 1)}`;
  schemas.add(schema);
  const store = harnessTables(system, url, schema, numbers, concurrency);
  const bench = benchProvider('random', numbers.length, seed, { concurrency, dated: true });
  const pick = seededRandom(seed + 1);
  const errors: string[] = [];
  const placer = new Map<string, number>();
  const written = new Set<string>();
  let diverted = 0;
  let routedTo = -1;
  let routedId = '';
  let cpuMs = 0;
  const startCpuMs: number[] = [];
  let statements = 0;
  let connects = 0;
  const claimsMs: number[] = [];
  const team: ChildProcess[] = [];
  const send = (w: number, message: ToWorker) => team[w]!.send(message);
  try {
    await store.ready();
    for (let w = 0; w < workers; w++) {
      const task: DialerWorkerTask = {
        url,
        schema,
        applicationName,
        campaign: CAMPAIGN,
        callerId: CALLER_ID,
        workerId: `bench-worker-${w + 1}`,
        numbers,
        concurrency,
      };
      const child = fork(WORKER_SCRIPTS[system], [JSON.stringify(task)], {
        execArgv: ['--import', 'tsx', ...profileArgs],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.add(child);
      team.push(child);
    }
    let failure: Error | null = null;
    let ready = 0;
    let started = 0;
    team.forEach((child, w) => {
      child.on('message', (message: FromWorker) => {
        switch (message.type) {
          case 'ready':
            ready += 1;
            break;
          case 'place':
            void bench.provider.placeCall({ to: message.to }).then((call) => {
              placer.set(call.id, w);
              send(w, { type: 'placed', n: message.n, call });
            });
            break;
          case 'written':
            written.add(message.callId);
            break;
          case 'error':
            errors.push(`worker ${w + 1} ${message.source}: ${message.message}`);
            break;
          case 'started':
            started += 1;
            break;
          case 'failed':
            failure ??= new Error(`worker ${w + 1}: ${message.message}`);
            break;
          case 'closed':
            cpuMs += message.cpuMs;
            startCpuMs.push(message.startCpuMs);
            statements += message.statements;
            connects += message.connects;
            claimsMs.push(...message.claimsMs);
            break;
        }
      });
      child.once('exit', (code) => {
        children.delete(child);
        if (code !== 0) failure ??= new Error(`worker ${w + 1} exited with ${code}`);
      });
    });
    /** `done()`, unless a worker failed. */
    const unlessFailed = (done: () => boolean) => () => {
      if (failure) throw failure;
      return done();
    };
    await until(
      unlessFailed(() => ready === workers),
      () => String(ready),
      'workers ready',
    );
    // A call's three webhooks come in one go: one worker takes them all.
    bench.setHandler((e) => {
      const id = String(e.callId);
      if (id !== routedId) {
        routedId = id;
        routedTo = Math.floor(pick() * workers);
        const own = placer.get(id)!;
        if (routedTo !== own && !written.has(id)) {
          routedTo = own;
          diverted += 1;
        }
      }
      send(routedTo, { type: 'status', event: { ...e, at: e.at.getTime() } });
    });
    const startedAt = performance.now();
    const serverCpu = postgresCpuMeter();
    for (let w = 0; w < workers; w++) send(w, { type: 'start' });
    const total = numbers.length;
    let stored: Record<string, number> = {};
    await until(
      unlessFailed(() => bench.ended() === total && (stored['completed'] ?? 0) === total),
      () => {
        // The store's counts, read once every call ended at the provider.
        if (bench.ended() === total) {
          store.counts().then(
            (counts) => (stored = counts),
            () => {},
          );
        }
        return `${bench.placed()} placed, ${bench.ended()} ended, stored ${JSON.stringify(stored)}`;
      },
      `durable dialer on PostgreSQL, ${workers} workers`,
    );
    const run = figures(bench, startedAt);
    const serverMs = serverCpu();
    await until(
      unlessFailed(() => started === workers),
      () => String(started),
      'workers started',
    );
    const gone = team.map((child) => once(child, 'exit'));
    for (let w = 0; w < workers; w++) send(w, { type: 'close' });
    await Promise.all(gone);
    const rows = await store.rows();
    await store.close();
    const bytes = await schemaBytes(url, schema);
    return {
      ...run,
      ...rows,
      bytes,
      errors,
      diverted,
      workerCpuUs: (cpuMs * 1000) / total,
      startCpuMs,
      statementsPerCall: statements / total,
      connects,
      serverCpuUs: serverMs === null ? null : (serverMs * 1000) / total,
      claimsMs: claimsMs.sort((a, b) => a - b),
    };
  } finally {
    for (const child of team) if (child.exitCode === null) child.kill('SIGKILL');
    await store.close().catch(() => {});
    await dropSchemas(url);
  }
}
