/**
 * One column of `growth.ts`: one store at one size, in a process of its own (each starts with a
 * fresh heap, and the memory store's can be given more room). Loads the rows, measures through
 * the public API, sends the figures to the parent (IPC) and removes what it made: the SQLite
 * file, the PostgreSQL schema. The parent removes them too should this process die.
 *
 * argv[2]: the JSON of a {@link CellTask}.
 */
import { seededRandom } from '@ringkit/internal';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { CallProvider } from '@ringkit/call-client';
import { createScheduler, type Store } from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { createPostgresStore } from '@ringkit/scheduler-core/postgres';
import { createSqliteStore } from '@ringkit/scheduler-core/sqlite';
import pg from 'pg';
import { CALLER, phoneOf, recordPhone, shapeOf } from './_growth-data.js';
import { loadMemory, loadPostgres, loadSqlite, type Phases } from './_growth-load.js';

export type StoreName = 'memory' | 'sqlite' | 'postgres';

export interface CellTask {
  store: StoreName;
  size: number;
  quick: boolean;
  /** SQLite: the folder of the file. */
  dir: string;
  /** PostgreSQL: the server, the schema, and the application name of every connection. */
  url: string;
  schema: string;
  applicationName: string;
}

/** Samples in ms; `budgetMs` may cut a measure short (the count taken is reported). */
export interface CellResult {
  store: StoreName;
  size: number;
  loadMs: number;
  phases: Phases;
  /** Heap and `external` after a full GC, once loaded. */
  heapBytes: number;
  /** 2,000 due at once, per run: first due time to the last `placeCall`, and to the last end. */
  placedMs: number[];
  endedMs: number[];
  /** `scheduleMany` of the 2,000, and the scheduler's `start()` after it, per run. */
  scheduleManyMs: number[];
  startMs: number[];
  history: number[];
  /**
   * `callLog()`'s first page of 50: unfiltered; with a filter one record in 20 passes (inbound
   * and canceled); and with one that no record passes (inbound and busy), which reads them all.
   */
  callLog: number[];
  callLogRare: number[];
  callLogNone: number[];
  /** `callLog({ phone })`, the same numbers as `history`: one number's calls, through its indexes. */
  callLogPhone: number[];
  counts: number[];
  listFirst: number[];
  listNext: number[];
  /** What the reads saw: mean history entries per number, `scheduled` count, page lengths. */
  seen: { historyItems: number; scheduled: number; firstPage: number; nextPage: number };
}

export const DUE_AT_ONCE = 2_000;
/** Scheduled this long before they fall due (after `start()`, which is not timed). */
const LEAD_MS = 1_500;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A seeded PRNG, so every store looks up the same numbers at a size. */
const random = seededRandom;

/**
 * Times `fn` `count` times after up to `warmup` untimed calls (given `i` from `count` on), in turn;
 * stops early once `budgetMs` is spent and at least `min` samples are in. A `fn` that resolves to
 * a number has timed itself.
 */
async function sample(
  fn: (i: number) => Promise<unknown>,
  options: { count: number; warmup: number; budgetMs: number; min?: number },
): Promise<number[]> {
  const { count, warmup, budgetMs, min = 5 } = options;
  // Warm-up calls take at most a tenth of the budget (at least one call).
  const warm = performance.now() + budgetMs / 10;
  for (let i = 0; i < warmup && (i === 0 || performance.now() < warm); i++) await fn(count + i);
  const out: number[] = [];
  const end = performance.now() + budgetMs;
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    const own = await fn(i);
    out.push(typeof own === 'number' ? own : performance.now() - t);
    if (out.length >= min && performance.now() > end) break;
  }
  return out;
}

/** Wall-clock time in ms with a fraction, as `Date.now()` counts it. */
const wall = () => performance.timeOrigin + performance.now();

/** Answers at once with `completed`, and notes when the last of a run's calls was placed. */
function fastProvider() {
  let n = 0;
  const provider: CallProvider & { placed: number; lastAt: number } = {
    name: 'bench',
    capabilities: { polling: false, webhooks: false },
    placed: 0,
    lastAt: 0,
    async placeCall() {
      provider.placed += 1;
      provider.lastAt = wall();
      return { id: `bench-${n++}`, status: 'completed', providerStatus: 'completed', raw: null };
    },
  };
  return provider;
}

/**
 * `count` calls due at one instant: `scheduleMany` (timed), a scheduler started before they fall
 * due, then the time from the due time (or from the end of `start()`, should that be later) to
 * the last placement and to the last end. Times are read on the wall clock where they happen: the
 * placements keep the event loop busy, so a timer of this function's own would fire late.
 */
async function dueAtOnce(store: Store, run: number, count = DUE_AT_ONCE) {
  const provider = fastProvider();
  const scheduler = createScheduler({ store, provider, callerId: CALLER, concurrency: 10 });
  let ended = 0;
  let endedAt = 0;
  const end = () => {
    ended += 1;
    endedAt = wall();
  };
  scheduler.on('completed', end);
  scheduler.on('failed', end);
  scheduler.on('error', ({ error }) => console.error('growth: scheduler error', error));
  gc();
  const at = Date.now() + LEAD_MS;
  const inputs = Array.from({ length: count }, (_, i) => ({
    to: `+1415${8_000_000 + run * DUE_AT_ONCE + i}`,
    at: new Date(at),
  }));
  const t = performance.now();
  await scheduler.scheduleMany(inputs);
  const scheduleManyMs = performance.now() - t;
  const t2 = performance.now();
  await scheduler.start();
  const startMs = performance.now() - t2;
  const from = Math.max(at, wall());
  const deadline = Date.now() + LEAD_MS + 120_000;
  while (ended < count && Date.now() < deadline) await sleep(5);
  await scheduler.stop();
  if (provider.placed < count || ended < count) {
    throw new Error(`only ${provider.placed} placed and ${ended} ended of ${count} in 120 s`);
  }
  return { scheduleManyMs, startMs, placedMs: provider.lastAt - from, endedMs: endedAt - from };
}

async function openStore(task: CellTask): Promise<Store> {
  if (task.store === 'memory') return createMemoryStore();
  if (task.store === 'sqlite') return createSqliteStore({ path: join(task.dir, 'growth.db') });
  const store = createPostgresStore(
    { connectionString: task.url, application_name: task.applicationName },
    { schema: task.schema },
  );
  await store.ready();
  return store;
}

async function dropSchema(task: CellTask) {
  const client = new pg.Client({ connectionString: task.url });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${task.schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

export async function runCell(task: CellTask): Promise<CellResult> {
  const shape = shapeOf(task.size);
  const now = Date.now();
  const started = performance.now();
  let phases: Phases;
  let store: Store;
  if (task.store === 'memory') {
    store = await openStore(task);
    phases = await loadMemory(store, shape, now);
  } else {
    phases =
      task.store === 'sqlite'
        ? await loadSqlite(join(task.dir, 'growth.db'), shape, now)
        : await loadPostgres(task.url, task.schema, task.applicationName, shape, now);
    const t = performance.now();
    store = await openStore(task);
    phases.reopen = performance.now() - t;
  }
  const loadMs = performance.now() - started;
  gc();
  gc();
  const { heapUsed, external } = process.memoryUsage();
  try {
    // Reads through a scheduler that is not started, as an API process would serve them.
    const reader = createScheduler({ store, provider: fastProvider(), callerId: CALLER });
    const next = random(task.size + 1);
    const phones = Array.from({ length: 1_100 }, () =>
      phoneOf(
        shape.records > 0
          ? recordPhone(Math.floor(next() * shape.records), shape)
          : Math.floor(next() * shape.phones),
      ),
    );
    let historyItems = 0;
    const history = await sample(
      async (i) => {
        const page = await reader.history(phones[i]!);
        if (i < 1_000) historyItems += page.items.length;
      },
      { count: task.quick ? 300 : 1_000, warmup: 20, budgetMs: task.quick ? 5_000 : 20_000 },
    );
    const logBudget = {
      count: task.quick ? 100 : 300,
      warmup: 5,
      budgetMs: task.quick ? 5_000 : 15_000,
    };
    const callLog = await sample(async () => {
      await reader.callLog({ limit: 50 });
    }, logBudget);
    // One record in 20 is inbound and canceled: a page of 50 reads about 1,000 in order.
    const callLogRare = await sample(async () => {
      await reader.callLog({ limit: 50, direction: 'inbound', statuses: ['canceled'] });
    }, logBudget);
    const callLogPhone = await sample(async (i) => {
      await reader.callLog({ limit: 50, phone: phones[i % phones.length]! });
    }, logBudget);
    // No inbound record is busy: the page reads every record to find none.
    const callLogNone = await sample(
      async () => {
        await reader.callLog({ limit: 50, direction: 'inbound', statuses: ['busy'] });
      },
      { ...logBudget, min: 3 },
    );
    const listCount = task.quick ? 100 : 300;
    let scheduled = 0;
    const counts = await sample(
      async () => {
        scheduled = (await reader.counts()).scheduled;
      },
      { count: 50, warmup: 3, budgetMs: task.quick ? 5_000 : 15_000, min: 3 },
    );
    const listNext: number[] = [];
    let firstPage = 0;
    let nextPage = 0;
    const listFirst = await sample(
      async (i) => {
        const t = performance.now();
        const page = await reader.list({ status: 'scheduled', limit: 50 });
        const ms = performance.now() - t;
        firstPage = page.items.length;
        if (page.nextCursor !== null) {
          const t2 = performance.now();
          const more = await reader.list({
            status: 'scheduled',
            limit: 50,
            cursor: page.nextCursor,
          });
          if (i < listCount) listNext.push(performance.now() - t2);
          nextPage = more.items.length;
        }
        return ms;
      },
      { count: listCount, warmup: 5, budgetMs: task.quick ? 5_000 : 15_000 },
    );

    // A short run first, untimed, so that every store's timed runs find the code compiled.
    await dueAtOnce(store, 9, 200);
    const runs = task.quick ? 3 : 5;
    const placed: Awaited<ReturnType<typeof dueAtOnce>>[] = [];
    for (let run = 0; run < runs; run++) placed.push(await dueAtOnce(store, run));
    return {
      store: task.store,
      size: task.size,
      loadMs,
      phases,
      heapBytes: heapUsed + external,
      placedMs: placed.map((p) => p.placedMs),
      endedMs: placed.map((p) => p.endedMs),
      scheduleManyMs: placed.map((p) => p.scheduleManyMs),
      startMs: placed.map((p) => p.startMs),
      history,
      callLog,
      callLogRare,
      callLogNone,
      callLogPhone,
      counts,
      listFirst,
      listNext,
      seen: {
        historyItems: historyItems / Math.min(1_000, history.length),
        scheduled,
        firstPage,
        nextPage,
      },
    };
  } finally {
    await store.close();
    if (task.store === 'postgres') await dropSchema(task);
  }
}

if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  const task = JSON.parse(process.argv[2]!) as CellTask;
  try {
    const result = await runCell(task);
    process.send({ type: 'result', result });
  } catch (error) {
    process.send({
      type: 'error',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    process.exitCode = 1;
  }
  process.disconnect();
}
