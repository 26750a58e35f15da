/**
 * PostgreSQL: how fast a backlog drains when each worker is a process of its own, ringkit beside
 * pg-boss and graphile-worker doing the same work on the same database (each in its own schema),
 * and a floor of bare `pg` doing only what a scheduled call cannot do without (`_floor.ts`: claim,
 * mark before the handler, answers with their records), all in one run, alternated. The floor runs
 * three times: on bare tables; `floor with reads`, on tables that also index what the store's
 * reads need (lists by number and status, the provider's id, retention, the history by number):
 * what keeping that read contract costs any store, with nothing else of ringkit's (and again with
 * callees' numbers in no order of the rows': `floor with reads, scattered numbers`; with those and
 * ids as ringkit's, random UUIDs as text: `text ids`; with text ids that sort in
 * the order they were made: `ordered text ids`; with random text ids of 16 characters: `short
 * text ids`; and with random UUIDs of the `uuid` type: `uuid ids`); and `floor on
 * ringkit's table`, on `createPostgresStore`'s own tables, writing what ringkit writes there: what
 * its statements alone would cost on its rows.
 *
 * The systems are `scheduler/postgres.ts`'s (`_backlog-systems.ts`): a worker is a process
 * (`_backlog-worker.ts`) with a pool of 10 connections and 10 jobs in flight, its handler a no-op
 * (ringkit's is the provider's `placeCall`, answering `completed` at once). For each system, worker
 * count W and backlog size N, this process creates the system's schema (dropped before and after),
 * forks W workers that start the system idle, then enqueues N calls all due at one instant T
 * (ringkit through a scheduler of its own, `scheduleMany`; pg-boss `insert`; graphile-worker
 * `addJobs`; the floor `INSERT … unnest`; 1,000 to a statement), runs `ANALYZE` on every table of
 * the schema and a `CHECKPOINT` (every system drains from clean pages), and waits for T (1.5 s +
 * 0.25 ms per call after the start of enqueueing; a warning says when those ended after it). ringkit learns of T through LISTEN/NOTIFY, the floor's
 * workers are told it and wake by a timer, pg-boss and graphile-worker poll every 0.5 s. Each
 * worker records each handler's start; once all N were seen (and 250 ms more, for the last
 * answers) they report. Per measurement:
 * - the rate once started: (N − 1) ÷ (last handler start − first handler start), in calls/s: a
 *   poller's period, which decides when it starts, is left out of it;
 * - the first call's start after T, and the lag p50/p99 (handler start − T);
 * - CPU per call from just before T to the end: the worker processes' (summed) and the local
 *   PostgreSQL server's (its processes on this machine; `n/a` where that cannot be read, or where
 *   one of them exited in the span and took its time with it); statements per call, every
 *   worker's queries (`pg.Client#query`, counted in each process) ÷ N; WAL bytes per call, the
 *   server's WAL position moved from just before T to the end, ÷ N.
 * Before the first size's workers close, a spread phase measures lag at that worker count: 500
 * calls (`--quick`: 200) due evenly over 4 s (2 s), lag = handler start − the call's own due time.
 *
 * The order alternates: for each run, size, worker count, each system in turn, the first system
 * rotating from one run to the next. Every measurement is printed, then the medians of the runs:
 * each system's rate once started and ringkit's ratios to the others, CPU and statements per call,
 * each system's rate with more workers ÷ with the fewest, and the spread's lag p99.
 *
 * `--ringkit-before <dir>`: another build's `packages/scheduler-core/dist` (an older revision
 * built in a `git worktree`): a fifth system, `ringkit before`, runs from it, alternated with the
 * others, so that a before/after comparison comes from one sitting.
 *
 *   pnpm --filter @ringkit/call-client build && pnpm --filter @ringkit/scheduler-core build
 *   pnpm --filter @ringkit/bench exec node --import tsx scheduler/backlog.ts [--quick]
 *     [--sizes 1000,20000] [--runs 2] [--workers 1,2,4] [--only ringkit,pgboss] [--ringkit-before <dir>]
 *
 * `--quick`: sizes 1,000 and one run. DATABASE_URL (or TEST_DATABASE_URL) picks the server;
 * default postgres://postgres@127.0.0.1:5432/test.
 */
import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { postgresCpuMeter } from '../pipeline/_pipeline-measure.js';
import { closeChild, forkReady } from '../_child.js';
import { fmt, median, quick, summarize, table } from '../_stats.js';
import type { BacklogWorkerArgs, FromWorker, ToWorker } from './_backlog-worker.js';
import {
  analyze,
  checkpoint,
  dropSchema,
  openProducer,
  SYSTEMS,
  CONNECTION_STRING,
  type Producer,
  type SystemKey,
  walMeter,
} from './_backlog-systems.js';

const WORKER = fileURLToPath(new URL('./_backlog-worker.ts', import.meta.url));
const POOL = 10;
const IN_FLIGHT = 10;
/** How long after the last handler start its answers are left to be written, in ms. */
const SETTLE_MS = 250;
const SPREAD_CALLS = quick ? 200 : 500;
const SPREAD_MS = quick ? 2_000 : 4_000;
/** Time from the start of enqueueing to the calls' due time: enough to enqueue and `ANALYZE`. */
const leadMs = (calls: number) => 1_500 + 0.25 * calls;

const flag = (name: string) => {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
};
/** Integers of at least `least`, separated by commas. */
const counts = (name: string, fallback: string, least: number) => {
  const values = (flag(name) ?? fallback).split(',').map(Number);
  if (values.some((n) => !Number.isInteger(n) || n < least))
    throw new Error(`${name} takes integers of at least ${least}, separated by commas`);
  return values;
};
const WORKER_COUNTS = counts('--workers', '1,2,4', 1);
const SIZES = counts('--sizes', quick ? '1000' : '1000,20000', 2);
const RUNS = Number(flag('--runs') ?? (quick ? 1 : 2));
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('--runs takes a positive integer');
const beforeFlag = flag('--ringkit-before');
const BEFORE = beforeFlag === undefined ? undefined : resolve(beforeFlag);
const KEYS = (Object.keys(SYSTEMS) as SystemKey[]).filter(
  (key) => key !== 'before' || BEFORE !== undefined,
);
/**
 * `--only ringkit` (or before, pgboss, graphile, floor, floorReads, floorScattered, floorText,
 * floorOrdered, floorShort, floorUuid, floorTable;
 * several, separated by commas).
 */
const ONLY = flag('--only')?.split(',') as SystemKey[] | undefined;
if (ONLY !== undefined && !ONLY.every((key) => KEYS.includes(key)))
  throw new Error(`--only: one or more of ${KEYS.join(', ')}`);

const sleep = (ms: number) => new Promise((done) => setTimeout(done, Math.max(0, ms)));

/** The workers of one measurement, and what they told of their progress. */
async function forkWorkers(key: SystemKey, count: number) {
  const { schema } = SYSTEMS[key];
  const forked = await Promise.all(
    Array.from({ length: count }, (_, index) => {
      const args: BacklogWorkerArgs = {
        system: key,
        index,
        pool: POOL,
        inFlight: IN_FLIGHT,
        url: CONNECTION_STRING,
        schema,
        ...(key === 'before' ? { before: BEFORE } : {}),
      };
      return forkReady<FromWorker>(WORKER, [JSON.stringify(args)]);
    }),
  );
  const children: ChildProcess[] = forked.map(({ child }) => child);
  const seen = children.map(() => 0);
  let phase = 0;
  let closing = false;
  let lost: Error | undefined;
  const waiting = children.map(
    () => new Map<string, { done: (m: FromWorker) => void; fail: (e: Error) => void }>(),
  );
  children.forEach((child, i) => {
    child.on('message', (message: FromWorker) => {
      if (message.type === 'progress') {
        if (message.id === phase) seen[i] = message.count;
        return;
      }
      waiting[i]!.get(message.type)?.done(message);
      waiting[i]!.delete(message.type);
    });
    child.on('exit', (code) => {
      if (closing) return;
      lost = new Error(`${SYSTEMS[key].name}: worker ${i} exited (${code})`);
      for (const { fail } of waiting[i]!.values()) fail(lost);
    });
  });
  const ask = <T extends FromWorker['type']>(message: ToWorker, reply: T) =>
    Promise.all(
      children.map(
        (child, i) =>
          new Promise<Extract<FromWorker, { type: T }>>((done, fail) => {
            if (lost) return fail(lost);
            waiting[i]!.set(reply, { done: done as (m: FromWorker) => void, fail });
            child.send(message);
          }),
      ),
    );
  return {
    async phase(message: Omit<Extract<ToWorker, { type: 'phase' }>, 'type' | 'id'>) {
      phase += 1;
      seen.fill(0);
      await ask({ type: 'phase', id: phase, ...message }, 'phase');
    },
    start: () => children.forEach((child) => child.send({ type: 'start' } satisfies ToWorker)),
    async until(total: number) {
      const deadline = Date.now() + 30_000 + total * 5;
      while (seen.reduce((a, b) => a + b, 0) < total) {
        if (lost) throw lost;
        if (Date.now() > deadline) throw new Error(`${SYSTEMS[key].name}: timed out`);
        await sleep(5);
      }
    },
    report: () => ask({ type: 'report' }, 'report'),
    async close() {
      closing = true;
      await Promise.all(
        children.map(async (child) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const timer = setTimeout(() => child.kill(), 30_000);
          await closeChild(child);
          clearTimeout(timer);
        }),
      );
    },
  };
}
type Workers = Awaited<ReturnType<typeof forkWorkers>>;

/**
 * One phase: tells the workers, enqueues the calls (`dues`, or `size` all due at `at`), runs
 * `ANALYZE`, starts the counts just before `at`, waits for every call and the last answers.
 */
async function phase(
  key: SystemKey,
  workers: Workers,
  producer: Producer,
  at: number,
  calls: { size: number; dues?: number[]; first: number },
) {
  const { schema, name } = SYSTEMS[key];
  await workers.phase({ at, first: calls.first, dues: calls.dues });
  await producer.enqueue(calls.dues ?? Array.from({ length: calls.size }, () => at), calls.first);
  await analyze(CONNECTION_STRING, schema);
  await checkpoint(CONNECTION_STRING);
  const late = Date.now() > at;
  if (late)
    console.warn(`${name}: enqueueing, ANALYZE and CHECKPOINT ended ${Date.now() - at} ms after T`);
  await sleep(at - 20 - Date.now());
  const wal = await walMeter(CONNECTION_STRING);
  workers.start();
  const server = postgresCpuMeter();
  await workers.until(calls.size);
  await sleep(SETTLE_MS);
  const reports = await workers.report();
  const serverMs = server();
  const walBytes = await wal();
  return {
    late,
    times: reports.flatMap((r) => r.times),
    dues: reports.flatMap((r) => r.dues),
    cpuUs: reports.reduce((sum, r) => sum + r.cpuUs, 0),
    statements: reports.reduce((sum, r) => sum + r.statements, 0),
    serverMs,
    walBytes,
  };
}

interface Backlog {
  system: string;
  size: number;
  workers: number;
  run: number;
  seen: number;
  late: boolean;
  firstMs: number;
  rate: number;
  p50: number;
  p99: number;
  workersCpu: number;
  serverCpu: number | null;
  statements: number;
  walBytes: number;
}
interface Spread {
  system: string;
  workers: number;
  run: number;
  seen: number;
  early: number;
  p50: number;
  p99: number;
  max: number;
}
const backlogs: Backlog[] = [];
const spreads: Spread[] = [];

async function measure(key: SystemKey, count: number, size: number, run: number, spread: boolean) {
  const system = SYSTEMS[key].name;
  const where = {
    url: CONNECTION_STRING,
    schema: SYSTEMS[key].schema,
    before: key === 'before' ? BEFORE : undefined,
  };
  const producer = await openProducer(key, where);
  let workers: Workers | undefined;
  try {
    workers = await forkWorkers(key, count);
    const at = Date.now() + leadMs(size);
    const b = await phase(key, workers, producer, at, { size, first: 0 });
    const first = Math.min(...b.times);
    const lag = summarize(b.times.map((t) => t - at));
    backlogs.push({
      system,
      size,
      workers: count,
      run,
      seen: b.times.length,
      late: b.late,
      firstMs: first - at,
      rate: (size - 1) / ((Math.max(...b.times) - first) / 1000),
      p50: lag.p50,
      p99: lag.p99,
      workersCpu: b.cpuUs / size,
      // Below zero: a server process that exited in the span took its time with it.
      serverCpu: b.serverMs === null || b.serverMs < 0 ? null : (b.serverMs * 1000) / size,
      statements: b.statements / size,
      walBytes: b.walBytes / size,
    });
    if (!spread) return;
    const base = Date.now() + leadMs(SPREAD_CALLS);
    const dues = Array.from(
      { length: SPREAD_CALLS },
      (_, i) => base + (i * SPREAD_MS) / SPREAD_CALLS,
    );
    const s = await phase(key, workers, producer, base, {
      size: SPREAD_CALLS,
      dues,
      first: 1_000_000,
    });
    const lags = s.times.map((t, i) => t - s.dues[i]!);
    const { p50, p99, max } = summarize(lags.map((l) => Math.max(0, l)));
    const early = lags.filter((l) => l < 0).length;
    spreads.push({ system, workers: count, run, seen: s.times.length, early, p50, p99, max });
  } finally {
    await workers?.close();
    await producer.close();
    await dropSchema(CONNECTION_STRING, SYSTEMS[key].schema);
  }
}

const started = Date.now();
for (const key of KEYS) await dropSchema(CONNECTION_STRING, SYSTEMS[key].schema);
const measured = ONLY === undefined ? KEYS : KEYS.filter((key) => ONLY.includes(key));
for (let run = 1; run <= RUNS; run++) {
  const shift = (run - 1) % measured.length;
  const order = [...measured.slice(shift), ...measured.slice(0, shift)];
  for (const size of SIZES) {
    for (const count of WORKER_COUNTS) {
      for (const key of order) await measure(key, count, size, run, size === SIZES[0]);
    }
  }
}

const ms = (value: number) => `${fmt(value, value < 10 ? 1 : 0)} ms`;
const us = (value: number | null) => (value === null ? 'n/a' : Math.round(value));
console.log(
  `\nA backlog on PostgreSQL: N calls due at one instant T, drained by worker processes, each ` +
    `with a pool of ${POOL} and ${IN_FLIGHT} in flight; ${RUNS} run(s), alternated\n`,
);
table(
  backlogs.map((r) => ({
    system: r.system,
    calls: r.size,
    workers: r.workers,
    run: r.run,
    drained: r.seen === r.size ? 'all' : `${r.seen} of ${r.size}`,
    'first after T': ms(r.firstMs) + (r.late ? ' (late)' : ''),
    'once started, calls/s': Math.round(r.rate),
    'lag p50': ms(r.p50),
    'lag p99': ms(r.p99),
    "workers' CPU µs/call": Math.round(r.workersCpu),
    "server's": us(r.serverCpu),
    'statements/call': fmt(r.statements, 2),
    'WAL bytes/call': Math.round(r.walBytes),
  })),
);
console.log(
  `\nSpread: ${SPREAD_CALLS} calls due evenly over ${SPREAD_MS / 1000} s, lag = handler start − due\n`,
);
table(
  spreads.map((r) => ({
    system: r.system,
    workers: r.workers,
    run: r.run,
    drained: r.seen === SPREAD_CALLS ? 'all' : `${r.seen} of ${SPREAD_CALLS}`,
    'lag p50': ms(r.p50),
    'lag p99': ms(r.p99),
    'lag max': ms(r.max),
    early: r.early,
  })),
);

const has = (key: SystemKey) => measured.includes(key);
/** The median over the runs of a figure of one system, size and worker count. */
const med = (key: SystemKey, size: number, workers: number, of: (r: Backlog) => number | null) => {
  const values = backlogs
    .filter((r) => r.system === SYSTEMS[key].name && r.size === size && r.workers === workers)
    .map(of)
    .filter((v): v is number => v !== null);
  return values.length === 0 ? Number.NaN : median(values);
};
const cells = SIZES.flatMap((size) => WORKER_COUNTS.map((workers) => ({ size, workers })));
const ratio = (a: number, b: number) => `${fmt(a / b, 2)}×`;

const short = (key: SystemKey) => SYSTEMS[key].short;
console.log(
  `\nRate once started, calls/s, median of ${RUNS} run(s) (ratios > 1: ringkit is ahead)\n`,
);
table(
  cells.map(({ size, workers }) => {
    const rate = (key: SystemKey) => med(key, size, workers, (r) => r.rate);
    const row: Record<string, string | number> = { calls: size, workers };
    for (const key of measured) row[short(key)] = Math.round(rate(key));
    for (const key of measured) {
      if (key !== 'ringkit' && has('ringkit'))
        row[`ringkit ÷ ${short(key)}`] = ratio(rate('ringkit'), rate(key));
    }
    return row;
  }),
);

console.log(
  '\nPer call, median of the runs: CPU µs of the PostgreSQL server and of the worker processes ' +
    '(summed), from just before T to the end; statements the workers sent; WAL bytes the server ' +
    'wrote\n',
);
const cpuKeys = measured.filter((key) => key !== 'graphile');
table(
  cells.map(({ size, workers }) => {
    const row: Record<string, string | number> = { calls: size, workers };
    const of = (key: SystemKey, figure: (r: Backlog) => number | null) =>
      med(key, size, workers, figure);
    for (const key of cpuKeys) row[`server: ${short(key)}`] = us(of(key, (r) => r.serverCpu));
    for (const key of cpuKeys) row[`workers: ${short(key)}`] = us(of(key, (r) => r.workersCpu));
    for (const key of measured)
      row[`statements: ${short(key)}`] = fmt(
        of(key, (r) => r.statements),
        2,
      );
    for (const key of measured)
      row[`WAL B: ${short(key)}`] = Math.round(of(key, (r) => r.walBytes));
    return row;
  }),
);

const fewest = Math.min(...WORKER_COUNTS);
const more = WORKER_COUNTS.filter((n) => n !== fewest);
if (more.length > 0) {
  console.log(`\nScaling: the rate once started with more workers ÷ with ${fewest} (medians)\n`);
  table(
    measured.map((key) => {
      const row: Record<string, string | number> = { system: SYSTEMS[key].name };
      for (const size of SIZES) {
        const base = med(key, size, fewest, (r) => r.rate);
        for (const n of more) {
          row[`${fmt(size)} calls: ${n} ÷ ${fewest}`] = ratio(
            med(key, size, n, (r) => r.rate),
            base,
          );
        }
      }
      return row;
    }),
  );
}

console.log(`\nSpread: lag p99 of each run, ms (in the ${fmt(SIZES[0]!)}-call sessions)\n`);
table(
  WORKER_COUNTS.map((workers) => ({
    workers,
    ...Object.fromEntries(
      measured.map((key) => [
        SYSTEMS[key].name,
        spreads
          .filter((r) => r.system === SYSTEMS[key].name && r.workers === workers)
          .map((r) => fmt(r.p99, r.p99 < 10 ? 1 : 0))
          .join(' / '),
      ]),
    ),
  })),
);
console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);
process.exit(0);
