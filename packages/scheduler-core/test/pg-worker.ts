/**
 * One scheduler process of the multi-process tests, run with `sourceExecArgv()` of `@ringkit/internal/testing`.
 * Its settings come as JSON in argv[2]. It reports `{ type: 'ready' }` once started and stops
 * (gracefully) on the message `'stop'`, reporting `{ type: 'stopped', errors }`.
 */
import { createMockCallApiClient } from '@ringkit/call-client';
import { createPostgresStore } from '../src/stores/postgres/postgres.js';
import { createScheduler } from '../src/scheduler.js';

export interface PgWorkerConfig {
  url: string;
  schema: string;
  workerId: string;
  baseUrl: string;
  concurrency: number;
  leaseMs: number;
  /** See `SchedulerOptions.callTimeoutMs`: the sweep that ends calls a dead worker was following. */
  callTimeoutMs: number;
  poolSize: number;
  /** The scheduler's `callsPerSecond`: one budget for every worker of the schema. */
  callsPerSecond?: number;
  /** Report the moment (`performance.timeOrigin + performance.now()`) of each POST handed to fetch. */
  recordSends?: boolean;
}

export type PgWorkerMessage =
  | { type: 'ready' }
  | { type: 'error'; message: string }
  /** A line the store logged (lost connections, transactions PostgreSQL aborted…). */
  | { type: 'log'; level: 'info' | 'warn'; message: string }
  | { type: 'stopped'; errors: Record<string, number>; sends?: number[] };

const config = JSON.parse(process.argv[2]!) as PgWorkerConfig;
const send = (message: PgWorkerMessage) => {
  if (process.connected) process.send?.(message);
};

const store = createPostgresStore(
  { connectionString: config.url, max: config.poolSize, application_name: config.workerId },
  {
    schema: config.schema,
    logger: {
      info: (message) => send({ type: 'log', level: 'info', message }),
      warn: (message) => send({ type: 'log', level: 'warn', message }),
    },
  },
);
/** When each call-creating request was handed to fetch, on a sub-millisecond epoch clock. */
const sends: number[] = [];
const recordingFetch: typeof globalThis.fetch = (input, init) => {
  if ((input as Request).method === 'POST') sends.push(performance.timeOrigin + performance.now());
  return globalThis.fetch(input, init);
};
const scheduler = createScheduler({
  store,
  provider: createMockCallApiClient({
    baseUrl: config.baseUrl,
    retry: 0,
    ...(config.recordSends ? { fetch: recordingFetch } : {}),
  }),
  callerId: '+14155550100',
  workerId: config.workerId,
  concurrency: config.concurrency,
  leaseMs: config.leaseMs,
  callTimeoutMs: config.callTimeoutMs,
  // Only LISTEN/NOTIFY may wake this worker for calls the test process schedules.
  recheckIntervalMs: 600_000,
  ...(config.callsPerSecond === undefined ? {} : { callsPerSecond: config.callsPerSecond }),
});
/** Error events by source and message, reported when the worker stops. */
const errors: Record<string, number> = {};
scheduler.on('error', ({ error, source }) => {
  const key = `${source}: ${error instanceof Error ? error.message : String(error)}`;
  errors[key] = (errors[key] ?? 0) + 1;
});
await scheduler.start();
send({ type: 'ready' });

process.on('message', (message) => {
  if (message !== 'stop') return;
  void (async () => {
    await scheduler.stop();
    await store.close();
    send({ type: 'stopped', errors, ...(config.recordSends ? { sends } : {}) });
    process.disconnect();
    process.exit(0);
  })();
});
