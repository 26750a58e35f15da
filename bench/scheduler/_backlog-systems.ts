/**
 * The systems of `scheduler/backlog.ts`, as `scheduler/postgres.ts` sets them up: each has a
 * producer, in the parent (it creates the system's schema and enqueues), and consumers, one per
 * worker process (`_backlog-worker.ts`), each started idle with its own pool.
 *
 * - ringkit: a scheduler on its own `createPostgresStore`, the provider's `placeCall` answering
 *   `completed` at once; the producer is a scheduler of its own (not started) on its own store,
 *   `scheduleMany` 1,000 at a time. `ringkit before` is the same from another build's `dist`.
 * - pg-boss: a `PgBoss` with `work` at `batchSize` 10, polling every 0.5 s; `insert` 1,000 at a
 *   time.
 * - graphile-worker: `run` at `concurrency` 10, polling every 0.5 s; `addJobs` 1,000 at a time.
 * - the floor of bare `pg` (`_floor.ts`): `INSERT … unnest` 1,000 at a time; each worker wakes by
 *   a timer at the due times it is told. `floor with reads` is the same on the floor's `reads`
 *   tables: what the store's read contract costs, with nothing else of ringkit's; `floor with
 *   reads, scattered numbers` the same with callees' numbers in no order of the rows', `text
 *   ids` with those and ids as ringkit's (random UUIDs as text), `floor with reads,
 *   ordered text ids` with text ids that sort in the order they were made, `short text ids` with
 *   random text ids of 16 characters, `uuid ids` with random UUIDs of the `uuid` type. `floor on
 *   ringkit's table` is the same statements on `createPostgresStore`'s own tables, filled as
 *   ringkit's are (`scheduleMany`): what the statements alone cost on ringkit's rows.
 */
import { pathToFileURL } from 'node:url';
import type { CallProvider } from '@ringkit/call-client';
import * as core from '@ringkit/scheduler-core';
import * as corePostgres from '@ringkit/scheduler-core/postgres';
import { Logger, makeWorkerUtils, run as runGraphile } from 'graphile-worker';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import {
  createFloorTables,
  enqueueFloor,
  floorWorker,
  type FloorShape,
  type FloorTables,
} from './_floor.js';

export const CONNECTION_STRING =
  process.env.DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';

/** pg-boss allows no faster poll; graphile-worker is given the same. Both default to 2 s. */
export const PEER_POLL_MS = 500;
const QUEUE = 'bench_backlog';

/** Each system's name, its short name in the summaries' headings, and its schema. */
export const SYSTEMS = {
  ringkit: { name: 'ringkit', short: 'ringkit', schema: 'bench_backlog_ringkit' },
  before: { name: 'ringkit before', short: 'before', schema: 'bench_backlog_ringkit_before' },
  pgboss: { name: 'pg-boss 12.30', short: 'pg-boss', schema: 'bench_backlog_pgboss' },
  graphile: { name: 'graphile-worker 0.18', short: 'graphile', schema: 'bench_backlog_graphile' },
  floor: { name: 'floor, bare pg', short: 'floor', schema: 'bench_backlog_floor' },
  floorReads: {
    name: 'floor with reads',
    short: 'floor+reads',
    schema: 'bench_backlog_floor_reads',
  },
  floorScattered: {
    name: 'floor with reads, scattered numbers',
    short: 'floor+scattered',
    schema: 'bench_backlog_floor_scattered',
  },
  floorText: {
    name: 'floor with reads, text ids',
    short: 'floor+text',
    schema: 'bench_backlog_floor_text',
  },
  floorOrdered: {
    name: 'floor with reads, ordered text ids',
    short: 'floor+ordered',
    schema: 'bench_backlog_floor_ordered',
  },
  floorShort: {
    name: 'floor with reads, short text ids',
    short: 'floor+short',
    schema: 'bench_backlog_floor_short',
  },
  floorUuid: {
    name: 'floor with reads, uuid ids',
    short: 'floor+uuid',
    schema: 'bench_backlog_floor_uuid',
  },
  floorTable: {
    name: "floor on ringkit's table",
    short: 'floor+table',
    schema: 'bench_backlog_floor_table',
  },
};
/** The floor's table shape of a system (`_floor.ts`). */
const SHAPES: Partial<Record<SystemKey, FloorShape>> = {
  floorReads: 'reads',
  floorScattered: 'reads-scattered',
  floorText: 'reads-text',
  floorOrdered: 'reads-ordered',
  floorShort: 'reads-short',
  floorUuid: 'reads-uuid',
  floorTable: 'table',
};
const shapeOf = (key: SystemKey): FloorShape => SHAPES[key] ?? 'bare';
export type SystemKey = keyof typeof SYSTEMS;

export interface Where {
  url: string;
  schema: string;
  /** Another build's `packages/scheduler-core/dist`, for `ringkit before`. */
  before?: string;
}

/**
 * The calls of a phase: all due at `at`, or each at `dues[i]` (the spread). `first` numbers the
 * phase's callees apart from the other phases' (ringkit's provider reads the due time of a call
 * from its number).
 */
export interface Phase {
  at: number;
  first: number;
  dues?: number[];
}

const callee = (first: number, i: number) => `+1415${2_000_000 + first + i}`;
const dueOf = (phase: Phase, to: string) =>
  phase.dues ? phase.dues[Number(to.slice(5)) - 2_000_000 - phase.first]! : phase.at;

/** scheduler-core: this checkout's build, or the one in `before` (its `dist`). */
async function coreOf(before: string | undefined) {
  if (before === undefined) return { ...core, ...corePostgres };
  const from = (file: string) => pathToFileURL(`${before}/${file}`).href;
  return {
    ...((await import(from('index.js'))) as typeof core),
    ...((await import(from('postgres.js'))) as typeof corePostgres),
  };
}

const benchProvider = (onCall: (to: string) => void): CallProvider => ({
  name: 'bench',
  capabilities: { polling: false, webhooks: false },
  async placeCall({ to }) {
    onCall(to);
    return { id: `b-${to}`, status: 'completed', providerStatus: 'completed', raw: null };
  },
});

const graphileLogger = new Logger(() => () => undefined);

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}

/** `ANALYZE` of every table of the schema. */
export async function analyze(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname = $1`,
    [schema],
  );
  for (const { name } of rows) await client.query(`ANALYZE ${name}`);
  await client.end();
}

/**
 * `CHECKPOINT`, so that every system starts its drain with the same clean pages (each page's
 * first change after a checkpoint writes the whole page to the WAL). A role that may not run it
 * is told once and goes on without.
 */
export async function checkpoint(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CHECKPOINT');
  } catch (error) {
    if (!checkpointRefused) console.warn(`CHECKPOINT refused, drains start without: ${error}`);
    checkpointRefused = true;
  } finally {
    await client.end();
  }
}
let checkpointRefused = false;

/**
 * The server's WAL position now; the function it returns reads the bytes written since
 * (`pg_wal_lsn_diff`). The whole server's: during a drain, only the system measured writes.
 */
export async function walMeter(url: string): Promise<() => Promise<number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client
    .query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')
    .catch(async (error: unknown) => {
      await client.end();
      throw error;
    });
  return async () => {
    try {
      const { rows: diff } = await client.query<{ bytes: string }>(
        'SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1::pg_lsn)::text AS bytes',
        [rows[0]!.lsn],
      );
      return Number(diff[0]!.bytes);
    } finally {
      await client.end();
    }
  };
}

export interface Producer {
  /** Enqueues one call per due time (epoch ms), numbered from `first`. */
  enqueue(dues: number[], first: number): Promise<void>;
  close(): Promise<void>;
}

/** The parent's side: creates the system's schema (dropped first) and enqueues. */
export async function openProducer(key: SystemKey, where: Where): Promise<Producer> {
  const { url, schema } = where;
  await dropSchema(url, schema);
  if (key === 'ringkit' || key === 'before' || key === 'floorTable') {
    const { createScheduler, createPostgresStore } = await coreOf(where.before);
    const store = createPostgresStore({ connectionString: url, max: 2 }, { schema });
    await store.ready();
    const producer = createScheduler({
      store,
      provider: benchProvider(() => undefined),
      callerId: '+14155550100',
    });
    return {
      async enqueue(dues, first) {
        for (let i = 0; i < dues.length; i += 1000) {
          await producer.scheduleMany(
            dues
              .slice(i, i + 1000)
              .map((due, j) => ({ to: callee(first, i + j), at: new Date(due) })),
          );
        }
      },
      close: () => store.close(),
    };
  }
  if (key === 'pgboss') {
    const boss = new PgBoss({ connectionString: url, schema, supervise: false, schedule: false });
    boss.on('error', (error) => console.error('pg-boss:', error));
    await boss.start();
    await boss.createQueue(QUEUE);
    return {
      async enqueue(dues) {
        for (let i = 0; i < dues.length; i += 1000) {
          await boss.insert(
            QUEUE,
            dues.slice(i, i + 1000).map((due) => ({ data: { due }, startAfter: new Date(due) })),
          );
        }
      },
      close: () => boss.stop({ graceful: false }),
    };
  }
  if (key === 'graphile') {
    const utils = await makeWorkerUtils({ connectionString: url, schema, logger: graphileLogger });
    await utils.migrate();
    return {
      async enqueue(dues) {
        for (let i = 0; i < dues.length; i += 1000) {
          await utils.addJobs(
            dues
              .slice(i, i + 1000)
              .map((due) => ({ identifier: 'noop', payload: { due }, runAt: new Date(due) })),
          );
        }
      },
      close: async () => {
        await utils.release();
      },
    };
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const tables = shapeOf(key) as FloorTables;
  await createFloorTables(client, schema, tables);
  await client.end();
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  return {
    enqueue: (dues, first) => enqueueFloor(pool, schema, dues, tables, first),
    close: () => pool.end(),
  };
}

export interface Consumer {
  /** The next phase's calls are about to be enqueued (the floor arms its timers). */
  expect(phase: Phase): void;
  /** Stops gracefully and closes its connections. */
  stop(): Promise<void>;
}

/**
 * A worker's side: the system started idle on a pool of `pool` connections, `inFlight` calls at
 * a time; `onJob` is called as each job's handler starts, with the job's due time.
 */
export async function startConsumer(
  key: SystemKey,
  where: Where,
  { pool: size, inFlight, index }: { pool: number; inFlight: number; index: number },
  onJob: (due: number) => void,
): Promise<Consumer> {
  const { url, schema } = where;
  let phase: Phase = { at: Number.NaN, first: 0 };
  if (key === 'ringkit' || key === 'before') {
    const { createScheduler, createPostgresStore } = await coreOf(where.before);
    const store = createPostgresStore({ connectionString: url, max: size }, { schema });
    await store.ready();
    const scheduler = createScheduler({
      store,
      provider: benchProvider((to) => onJob(dueOf(phase, to))),
      callerId: '+14155550100',
      concurrency: inFlight,
    });
    scheduler.on('error', ({ error }) => console.error('ringkit:', error));
    await scheduler.start();
    return {
      expect: (next) => void (phase = next),
      async stop() {
        await scheduler.stop();
        await store.close();
      },
    };
  }
  if (key === 'pgboss') {
    const boss = new PgBoss({
      connectionString: url,
      schema,
      max: size,
      supervise: false,
      schedule: false,
    });
    boss.on('error', (error) => console.error('pg-boss:', error));
    await boss.start();
    await boss.work<{ due: number }>(
      QUEUE,
      {
        batchSize: inFlight,
        pollingIntervalSeconds: PEER_POLL_MS / 1000,
        burstWhenBatchFull: true,
      },
      async (jobs) => {
        for (const job of jobs) onJob(job.data.due);
      },
    );
    return { expect: () => undefined, stop: () => boss.stop({ graceful: true }) };
  }
  if (key === 'graphile') {
    const runner = await runGraphile({
      connectionString: url,
      schema,
      maxPoolSize: size,
      concurrency: inFlight,
      pollInterval: PEER_POLL_MS,
      noHandleSignals: true,
      useNodeTime: true,
      logger: graphileLogger,
      taskList: {
        noop: async (payload) => {
          onJob((payload as { due: number }).due);
        },
      },
    });
    return { expect: () => undefined, stop: () => runner.stop() };
  }
  const pool = new pg.Pool({ connectionString: url, max: size });
  pool.on('error', (error) => console.error('floor:', error));
  const opened = await Promise.all(Array.from({ length: size }, () => pool.connect()));
  for (const client of opened) client.release();
  const worker = floorWorker(pool, schema, `floor-${index}`, inFlight, onJob, shapeOf(key));
  return {
    expect(next) {
      for (const at of new Set(next.dues ?? [next.at])) worker.wake(at);
    },
    async stop() {
      worker.stop();
      await pool.end();
    },
  };
}
