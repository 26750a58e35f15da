/**
 * PostgreSQL: dispatch lag and dispatches/s of the scheduler on `createPostgresStore` with 1, 2 and 4
 * workers, side by side with pg-boss and graphile-worker doing the same work on the same database
 * (each in its own schema): future-dated jobs with a no-op handler. Beside them, a floor of bare
 * `pg` doing only what a scheduled call cannot do without (`floor()`: claim, mark before the
 * handler, answers with their records), so that what this machine allows is measured in the same
 * run.
 *
 * A "worker" is an in-process instance with its own pool (10 connections) and 10 jobs in flight:
 * a scheduler on its own `createPostgresStore`, a `PgBoss` with `batchSize: 10`, a graphile-worker
 * runner with `concurrency: 10`. Two phases per system and worker count:
 * - lag: calls spread evenly over a few seconds; lag = handler start − due time;
 * - burst: calls all due at one instant; dispatches/s = calls ÷ (last handler start − due time).
 *   A system that polls starts on the burst only at its next poll, so that rate also measures
 *   where the due time fell in the poll's period, which no setting fixes (pg-boss's rate swung
 *   eightfold between runs of the same settings). Beside it, the rate once started: the calls
 *   after the first ÷ (last handler start − first handler start), which the period leaves out.
 * The ringkit handler is the provider's `placeCall`, answering `completed` at once. Each system
 * and worker count is measured `--runs` times in a row (default 3), every run printed, so a tail
 * that only shows now and then is seen; the ratios compare the medians of the runs. What was
 * enqueued is collected (a full GC) before the first call falls due, for every system, and each
 * run shows the longest event-loop stall and GC pause while its spread calls were dispatched: the
 * workers share this process, so those two are part of any tail. Each run also counts the
 * statements (round trips) the process sent per call, in each phase: its claims (empty ones
 * included), marks, answers and polls. The burst also shows the CPU it cost per call, this
 * process's and the PostgreSQL server's (its processes on this machine), from the end of
 * enqueueing it to just after its last answers: which of the two a burst's pace waits for.
 *
 *   pnpm --filter @ringkit/call-client build && pnpm --filter @ringkit/scheduler-core build
 *   pnpm --filter @ringkit/bench exec node --import tsx scheduler/postgres.ts [--quick] [--runs 3] [--workers 1,2,4] [--only ringkit]
 *
 * DATABASE_URL (or TEST_DATABASE_URL) picks the server; default postgres://postgres@127.0.0.1:5432/test.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { CallProvider } from '@ringkit/call-client';
import { createScheduler, type Scheduler } from '@ringkit/scheduler-core';
import { createPostgresStore, type PostgresStore } from '@ringkit/scheduler-core/postgres';
import { Logger, makeWorkerUtils, run as runGraphile, type Runner } from 'graphile-worker';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { postgresCpuMeter, statementCounter } from '../pipeline/_pipeline-measure.js';
import { createFloorTables, enqueueFloor, floorWorker } from './_floor.js';
import { fmt, pauseMeter, quick, summarize, table } from '../_stats.js';

const URL =
  process.env.DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';

const IN_FLIGHT = 10;
const POOL = 10;
const LAG_CALLS = quick ? 200 : 500;
const LAG_SPREAD_MS = quick ? 2_000 : 4_000;
const BURST_CALLS = quick ? 1_000 : 3_000;
/** Time between enqueueing a phase and its first due time. */
const LEAD_MS = 1_500;
/** How long after a burst's last dispatch its statements are still counted (its last answers). */
const SETTLE_MS = 250;
/** pg-boss allows no faster poll; graphile-worker is given the same. Both default to 2 s. */
const PEER_POLL_MS = 500;
const flag = (name: string) => {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
};
/** `--workers 1,2,4`: the worker counts measured. */
const WORKER_COUNTS = (flag('--workers') ?? '1,2,4').split(',').map(Number);
if (WORKER_COUNTS.some((n) => !Number.isInteger(n) || n < 1)) {
  throw new Error('--workers takes positive integers, separated by commas');
}
const RUNS = Number(flag('--runs') ?? 3);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('--runs takes a positive integer');
/** `--only ringkit` (or floor, pgboss, graphile): measure one system. */
const ONLY = flag('--only');
const SCHEMAS = {
  ringkit: 'bench_ringkit',
  floor: 'bench_floor',
  pgboss: 'bench_pgboss',
  graphile: 'bench_graphile',
};

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Called by each system's handler with the job's due time (epoch ms). */
type OnJob = (due: number) => void;

interface System {
  name: string;
  wakeUp: string;
  start(workers: number, onJob: OnJob): Promise<void>;
  enqueue(dues: number[]): Promise<void>;
  stop(): Promise<void>;
}

function ringkit(): System {
  let stores: PostgresStore[] = [];
  let schedulers: Scheduler[] = [];
  let producer: Scheduler | null = null;
  const dueOf = new Map<string, number>();
  let n = 0;
  return {
    name: 'ringkit createPostgresStore',
    wakeUp: 'LISTEN/NOTIFY + 1 timer',
    async start(workers, onJob) {
      const provider: CallProvider = {
        name: 'bench',
        capabilities: { polling: false, webhooks: false },
        async placeCall({ to }) {
          onJob(dueOf.get(to)!);
          return { id: `b-${to}`, status: 'completed', providerStatus: 'completed', raw: null };
        },
      };
      const open = () =>
        createPostgresStore({ connectionString: URL, max: POOL }, { schema: SCHEMAS.ringkit });
      const producerStore = open();
      await producerStore.ready();
      stores = [producerStore];
      producer = createScheduler({ store: producerStore, provider, callerId: '+14155550100' });
      for (let i = 0; i < workers; i++) {
        const store = open();
        stores.push(store);
        const scheduler = createScheduler({
          store,
          provider,
          callerId: '+14155550100',
          concurrency: IN_FLIGHT,
        });
        scheduler.on('error', ({ error }) => console.error('ringkit:', error));
        await scheduler.start();
        schedulers.push(scheduler);
      }
    },
    async enqueue(dues) {
      const inputs = dues.map((due) => {
        const to = `+1415${2_000_000 + n++}`;
        dueOf.set(to, due);
        return { to, at: new Date(due) };
      });
      await producer!.scheduleMany(inputs);
    },
    async stop() {
      for (const scheduler of schedulers) await scheduler.stop();
      for (const store of stores) await store.close();
      schedulers = [];
      stores = [];
    },
  };
}

/**
 * The floor (`_floor.ts`): what a scheduled call cannot do without, from bare `pg` pools (one per
 * worker, as many connections and calls in flight as ringkit's), each statement prepared: a claim
 * of the due rows under a lease (as many as the free places), their mark committed before the
 * handler runs, and the answers of one tick with their call records in one statement. Every
 * worker wakes at each due time by a timer of its own, the due times handed to it as they are
 * enqueued (ringkit learns them through LISTEN/NOTIFY and a look-up); each claims what is due, the
 * others' claims skipping what one holds.
 */
function floor(): System {
  const s = SCHEMAS.floor;
  let pools: pg.Pool[] = [];
  let workers: ReturnType<typeof floorWorker>[] = [];
  return {
    name: 'floor, bare pg',
    wakeUp: 'a timer at each due time',
    async start(count, onJob) {
      const admin = new pg.Client({ connectionString: URL });
      await admin.connect();
      await createFloorTables(admin, s);
      await admin.end();
      for (let w = 0; w < count; w++) {
        const pool = new pg.Pool({ connectionString: URL, max: POOL });
        pool.on('error', (error) => console.error('floor:', error));
        const opened = await Promise.all(Array.from({ length: POOL }, () => pool.connect()));
        for (const client of opened) client.release();
        pools.push(pool);
        workers.push(floorWorker(pool, s, `floor-${w}`, IN_FLIGHT, onJob));
      }
    },
    async enqueue(dues) {
      await enqueueFloor(pools[0]!, s, dues);
      for (const at of new Set(dues)) for (const worker of workers) worker.wake(at);
    },
    async stop() {
      for (const worker of workers) worker.stop();
      for (const pool of pools) await pool.end();
      pools = [];
      workers = [];
    },
  };
}

function pgBoss(): System {
  let bosses: PgBoss[] = [];
  let queue = '';
  let runs = 0;
  return {
    name: 'pg-boss 12.30',
    wakeUp: `poll ${PEER_POLL_MS} ms`,
    async start(workers, onJob) {
      queue = `bench_${runs++}`;
      for (let i = 0; i < workers; i++) {
        const boss = new PgBoss({
          connectionString: URL,
          schema: SCHEMAS.pgboss,
          max: POOL,
          supervise: false,
          schedule: false,
        });
        boss.on('error', (error) => console.error('pg-boss:', error));
        await boss.start();
        if (i === 0) await boss.createQueue(queue);
        await boss.work<{ due: number }>(
          queue,
          {
            batchSize: IN_FLIGHT,
            pollingIntervalSeconds: PEER_POLL_MS / 1000,
            burstWhenBatchFull: true,
          },
          async (jobs) => {
            for (const job of jobs) onJob(job.data.due);
          },
        );
        bosses.push(boss);
      }
    },
    async enqueue(dues) {
      for (let i = 0; i < dues.length; i += 1000) {
        await bosses[0]!.insert(
          queue,
          dues.slice(i, i + 1000).map((due) => ({ data: { due }, startAfter: new Date(due) })),
        );
      }
    },
    async stop() {
      for (const boss of bosses) await boss.stop({ graceful: true });
      bosses = [];
    },
  };
}

function graphile(): System {
  const logger = new Logger(() => () => undefined);
  let runners: Runner[] = [];
  let utils: Awaited<ReturnType<typeof makeWorkerUtils>> | null = null;
  return {
    name: 'graphile-worker 0.18',
    wakeUp: `poll ${PEER_POLL_MS} ms`,
    async start(workers, onJob) {
      utils = await makeWorkerUtils({ connectionString: URL, schema: SCHEMAS.graphile, logger });
      await utils.migrate();
      for (let i = 0; i < workers; i++) {
        runners.push(
          await runGraphile({
            connectionString: URL,
            schema: SCHEMAS.graphile,
            maxPoolSize: POOL,
            concurrency: IN_FLIGHT,
            pollInterval: PEER_POLL_MS,
            noHandleSignals: true,
            useNodeTime: true,
            logger,
            taskList: {
              noop: async (payload) => {
                onJob((payload as { due: number }).due);
              },
            },
          }),
        );
      }
    },
    async enqueue(dues) {
      for (let i = 0; i < dues.length; i += 1000) {
        await utils!.addJobs(
          dues
            .slice(i, i + 1000)
            .map((due) => ({ identifier: 'noop', payload: { due }, runAt: new Date(due) })),
        );
      }
    },
    async stop() {
      for (const runner of runners) await runner.stop();
      runners = [];
      await utils?.release();
      utils = null;
    },
  };
}

async function dropSchemas() {
  const client = new pg.Client({ connectionString: URL });
  await client.connect();
  for (const schema of Object.values(SCHEMAS)) {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }
  await client.end();
}

interface Result {
  system: string;
  run: number;
  wakeUp: string;
  workers: number;
  p50: number;
  p99: number;
  max: number;
  early: number;
  perSecond: number;
  /** The burst's rate from its first handler start to its last: the pace once started. */
  drainPerSecond: number;
  /** The longest event-loop stall and GC pause while the spread calls were dispatched, in ms. */
  stallMs: number;
  gcMs: number;
  /**
   * Statements (round trips) this process sent per call dispatched, from the end of enqueueing
   * to the next enqueue (spread) or to a moment after the last dispatch (burst): polls, claims,
   * marks and answers, and the system's housekeeping meanwhile.
   */
  statements: { spread: number; burst: number };
  /**
   * CPU per call of the burst, in µs, from the end of enqueueing it to a moment after its last
   * dispatch: this process's (every worker of the system), and the local PostgreSQL server's
   * (`null` where it cannot be read).
   */
  burstCpu: { process: number; server: number | null };
}

async function measure(system: System, workers: number, run: number): Promise<Result> {
  const lags: number[] = [];
  let early = 0;
  let seen = 0;
  let last = 0;
  let first = 0;
  const onJob: OnJob = (due) => {
    const at = now();
    if (at < due) early += 1;
    lags.push(Math.max(0, at - due));
    if (seen === LAG_CALLS) first = at;
    seen += 1;
    last = at;
  };
  const until = async (count: number, what: string) => {
    const deadline = Date.now() + 60_000;
    while (seen < count) {
      if (Date.now() > deadline) throw new Error(`${system.name}: timed out waiting for ${what}`);
      await sleep(5);
    }
  };
  await system.start(workers, onJob);
  const statements = await statementCounter();
  try {
    const base = Date.now() + LEAD_MS;
    await system.enqueue(
      Array.from({ length: LAG_CALLS }, (_, i) => base + (i * LAG_SPREAD_MS) / LAG_CALLS),
    );
    const spreadFrom = statements.count();
    // Collect what enqueueing left behind now, as it would have been long before the calls fell
    // due, rather than in the middle of dispatching them.
    gc();
    await sleep(base - Date.now() - 50);
    const pauses = pauseMeter();
    await until(LAG_CALLS, 'the spread calls');
    const { stallMs, gcMs } = pauses.stop();
    const lag = summarize(lags);

    const at = Date.now() + LEAD_MS;
    const spread = statements.count() - spreadFrom;
    await system.enqueue(Array.from({ length: BURST_CALLS }, () => at));
    const burstFrom = statements.count();
    const processFrom = process.cpuUsage();
    const serverCpu = postgresCpuMeter();
    if (Date.now() > at) console.warn(`${system.name}: the burst was enqueued late`);
    await until(LAG_CALLS + BURST_CALLS, 'the burst');
    // The answers of the last calls are written after their dispatch.
    await sleep(SETTLE_MS);
    const burst = statements.count() - burstFrom;
    const used = process.cpuUsage(processFrom);
    const serverMs = serverCpu();
    return {
      system: system.name,
      run,
      wakeUp: system.wakeUp,
      workers,
      p50: lag.p50,
      p99: lag.p99,
      max: lag.max,
      early,
      perSecond: BURST_CALLS / ((last - at) / 1000),
      drainPerSecond: (BURST_CALLS - 1) / ((last - first) / 1000),
      stallMs,
      gcMs,
      statements: { spread: spread / LAG_CALLS, burst: burst / BURST_CALLS },
      burstCpu: {
        process: (used.user + used.system) / BURST_CALLS,
        server: serverMs === null ? null : (serverMs * 1000) / BURST_CALLS,
      },
    };
  } finally {
    statements.stop();
    await system.stop();
  }
}

await dropSchemas();
const started = Date.now();
const results: Result[] = [];
try {
  const systems = { ringkit, floor, pgboss: pgBoss, graphile };
  if (ONLY !== undefined && !(ONLY in systems))
    throw new Error(`--only: one of ${Object.keys(systems).join(', ')}`);
  for (const workers of WORKER_COUNTS) {
    for (const [key, make] of Object.entries(systems)) {
      if (ONLY !== undefined && key !== ONLY) continue;
      for (let run = 1; run <= RUNS; run++) results.push(await measure(make(), workers, run));
    }
  }
} finally {
  await dropSchemas();
}

console.log(
  `\nPostgreSQL dispatch: ${LAG_CALLS} calls spread over ${LAG_SPREAD_MS / 1000} s (lag), then ` +
    `${BURST_CALLS} due at once (dispatches/s); ${IN_FLIGHT} in flight and a pool of ${POOL} per ` +
    'in-process worker\n',
);
const ms = (value: number) => `${fmt(value, value < 10 ? 2 : 0)} ms`;
table(
  results.map((r) => ({
    system: r.system,
    workers: r.workers,
    run: r.run,
    'wakes up by': r.wakeUp,
    'lag p50': ms(r.p50),
    'lag p99': ms(r.p99),
    'lag max': ms(r.max),
    early: r.early,
    'longest stall': ms(r.stallMs),
    'longest GC': ms(r.gcMs),
    'dispatches/s': Math.round(r.perSecond),
    'first to last': Math.round(r.drainPerSecond),
    'statements/call: spread': fmt(r.statements.spread, 2),
    burst: fmt(r.statements.burst, 2),
    'burst CPU µs/call: this process': Math.round(r.burstCpu.process),
    server: r.burstCpu.server === null ? 'n/a' : Math.round(r.burstCpu.server),
  })),
);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[(values.length - 1) >> 1]!;
/** A system's runs at a worker count: the median p99 and dispatches/s, and every run's p99. */
const runsOf = (name: string, workers: number) => {
  const runs = results.filter((r) => r.system === name && r.workers === workers);
  return {
    p99: median(runs.map((r) => r.p99)),
    perSecond: median(runs.map((r) => r.perSecond)),
    drainPerSecond: median(runs.map((r) => r.drainPerSecond)),
    p99s: runs.map((r) => fmt(r.p99, r.p99 < 10 ? 1 : 0)).join(' / '),
  };
};
console.log(`\nLag p99 of each run, in ms (${RUNS} in a row)\n`);
const names = [...new Set(results.map((r) => r.system))];
table(
  WORKER_COUNTS.map((workers) => ({
    workers,
    ...Object.fromEntries(names.map((name) => [name, runsOf(name, workers).p99s])),
  })),
);
if (ONLY === undefined) {
  console.log('\nRatios of the medians of the runs (> 1: ringkit is ahead)\n');
  table(
    WORKER_COUNTS.map((workers) => {
      const own = runsOf('ringkit createPostgresStore', workers);
      const boss = runsOf('pg-boss 12.30', workers);
      const gw = runsOf('graphile-worker 0.18', workers);
      const bare = runsOf('floor, bare pg', workers);
      return {
        workers,
        'lag p99: pg-boss ÷ ringkit': `${fmt(boss.p99 / own.p99, 1)}×`,
        'lag p99: graphile ÷ ringkit': `${fmt(gw.p99 / own.p99, 1)}×`,
        'dispatches/s: ringkit ÷ pg-boss': `${fmt(own.perSecond / boss.perSecond, 2)}×`,
        'first to last: ringkit ÷ pg-boss': `${fmt(own.drainPerSecond / boss.drainPerSecond, 2)}×`,
        'dispatches/s: ringkit ÷ graphile': `${fmt(own.perSecond / gw.perSecond, 2)}×`,
        'first to last: ringkit ÷ graphile': `${fmt(own.drainPerSecond / gw.drainPerSecond, 2)}×`,
        'lag p99: floor ÷ ringkit': `${fmt(bare.p99 / own.p99, 2)}×`,
        'dispatches/s: ringkit ÷ floor': `${fmt(own.perSecond / bare.perSecond, 2)}×`,
        'first to last: ringkit ÷ floor': `${fmt(own.drainPerSecond / bare.drainPerSecond, 2)}×`,
      };
    }),
  );
}
console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);
process.exit(0);
