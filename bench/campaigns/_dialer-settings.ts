/** The flags and sizes of `dialer.ts`, read from its command line. */

export const QUICK = process.argv.includes('--quick');
export const HTTP_ONLY = process.argv.includes('--http');
export const DURABLE_ONLY = process.argv.includes('--durable');
export const TOTAL = QUICK ? 2_000 : 10_000;
export const CONCURRENCY = 3;
/** The durable rows: their list, their campaign-wide concurrency, PostgreSQL's workers. */
export const DURABLE_TOTAL = QUICK ? 500 : 2_000;
export const DURABLE_CONCURRENCY = 10;
export const WORKERS = 3;
/**
 * The pool of every durable worker process, ringkit's and the floor's: its size, and the
 * connections it opens before the run (the store's `min`). A connection opened inside the
 * measured window starts a backend on the server, a cost a worker that has been running paid
 * long ago; the workers count the ones they open from `start` all the same.
 */
export const POOL_SIZE = 10;
export const PG_URL =
  process.env.DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';
export const ZERO_RUNS = QUICK ? 3 : 5;
export const RANDOM_RUNS = QUICK ? 1 : 2;
