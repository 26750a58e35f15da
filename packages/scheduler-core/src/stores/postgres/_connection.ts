import { createHash } from 'node:crypto';
import { MAX_TIMER_MS, strictObject } from '@ringkit/internal';
import { Pool, type PoolClient, type PoolConfig, type QueryResultRow } from 'pg';
import { z } from 'zod';
import { invalidOptions } from '../../errors.js';
import { migrate } from './_migrate.js';
import {
  createRetrier,
  describeError,
  type PostgresStoreLogger,
  inTransaction,
  type TransactionSettings,
} from './_retry.js';
import { SCHEMA_PATTERN, type statementsFor } from './_sql.js';
import type { createProviderWakeKnowledge } from './_wake.js';

/** Where the store connects: a connection string (and any other `pg.Pool` option), or your pool. */
export type PostgresConnection =
  | (PoolConfig & { connectionString: string; pool?: never })
  | { pool: Pool; connectionString?: never };

/** Options of {@link createPostgresStore}. */
export interface PostgresStoreOptions {
  /**
   * The schema that holds the store's tables, created when missing. A lowercase identifier
   * (`a-z`, `0-9`, `_`, at most 58 characters). Its NOTIFY channel is `<schema>_wake`.
   * @default 'ringkit'
   */
  schema?: string;
  /**
   * Reports a lost connection (and the retries that follow) and its recovery, for the database
   * and for the LISTEN connection. Nothing is logged without one.
   * @default undefined
   * @example logger: console
   */
  logger?: PostgresStoreLogger;
  /**
   * How long a statement that failed because the connection was lost (or the server was
   * restarting) is retried before its error is thrown, in ms.
   * @default 60000
   */
  reconnectTimeoutMs?: number;
}

const optionsSchema = strictObject({
  schema: z
    .string()
    .regex(SCHEMA_PATTERN, 'not a lowercase identifier of at most 58 characters')
    .optional(),
  logger: z
    .custom<PostgresStoreLogger>(
      (v) => typeof v === 'object' && v !== null,
      'expected a logger ({ warn, info })',
    )
    .optional(),
  reconnectTimeoutMs: z.number().int().min(0).max(MAX_TIMER_MS).optional(),
});

/** A named (prepared) statement, on the pool or a transaction's client; resolves to its rows. */
export type Query = <R extends QueryResultRow = Record<string, unknown>>(
  text: string,
  values?: unknown[],
  client?: Pool | PoolClient,
) => Promise<R[]>;

/** The database of one PostgreSQL store: its pool, statements, migrations and retries. */
export interface PostgresDb {
  schema: string;
  /** The schema, quoted for SQL. */
  quoted: string;
  /** The store's name in errors and logs: `createPostgresStore(<schema>)`. */
  label: string;
  pool: Pool;
  /** Whether the store made its pool (and so ends it on `close()`). */
  ownsPool: boolean;
  logger: PostgresStoreLogger | undefined;
  reconnectTimeoutMs: number;
  query: Query;
  /** Applies pending migrations, once. */
  ready(): Promise<void>;
  /** Runs `fn` once the schema is ready, retrying it across a lost connection. */
  run<T>(fn: (maybeDone: boolean) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in a transaction of its own connection, committed when it resolves; with
   * `settings`, under them (see {@link inTransaction}).
   */
  transaction<T>(
    fn: (client: PoolClient) => Promise<T>,
    settings?: TransactionSettings,
  ): Promise<T>;
  isClosed(): boolean;
  /** Marks the store closed (nothing is retried or migrated from then on); `false` if it was. */
  markClosed(): boolean;
}

/**
 * Checks the options and sets up the database of a store: the pool (made with keep-alives, a
 * connection timeout and two connections kept, opened by `ready()`, unless one is given),
 * statements prepared once per connection, migrations applied on first use, and statements
 * retried across a lost connection.
 */
export function connectPostgres(
  connection: PostgresConnection,
  options: PostgresStoreOptions,
): PostgresDb {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw invalidOptions('createPostgresStore', parsed.error.issues);
  const schema = options.schema ?? 'ringkit';
  const label = `createPostgresStore(${schema})`;
  const ownsPool = connection.pool === undefined;
  const pool =
    connection.pool ??
    new Pool({
      application_name: 'ringkit-scheduler',
      // Notice dead connections (and servers that stopped answering) instead of hanging on them.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: 10_000,
      // Keep two connections, opened by `ready()`, past the idle timeout: a wake after a quiet
      // spell claims on a connection whose statements are planned, and the next call's claim,
      // sent while the last one's answer is written, finds the second one open (see `fill`).
      min: KEPT_CONNECTIONS,
      ...(connection as PoolConfig),
    });
  const logger = options.logger;
  const reconnectTimeoutMs = options.reconnectTimeoutMs ?? 60_000;
  let closed = false;
  const retrier = createRetrier({
    label,
    timeoutMs: reconnectTimeoutMs,
    logger,
    isClosed: () => closed,
  });
  // An idle pooled connection that dies (a restart, pg_terminate_backend) is dropped by the pool;
  // without a listener the pool would throw it at the process.
  if (ownsPool) pool.on('error', (error) => retrier.idleLost(error));

  const names = new Map<string, string>();
  /** Runs one statement, prepared once per connection under a name derived from its text. */
  const query = async <R extends QueryResultRow = Record<string, unknown>>(
    text: string,
    values: unknown[] = [],
    client: Pool | PoolClient = pool,
  ) => {
    let name = names.get(text);
    if (name === undefined) {
      name = `rk_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      names.set(text, name);
    }
    return (await client.query<R>({ name, text, values })).rows;
  };

  let migrated = false;
  let migrating: Promise<void> | null = null;
  const ready = (): Promise<void> => {
    if (migrated) return Promise.resolve();
    if (closed) return Promise.reject(new Error(`${label}: the store is closed`));
    migrating ??= retrier
      .run(() => migrate(pool, schema))
      .then(() => (ownsPool ? fill(pool, label, logger) : undefined))
      .then(
        () => {
          migrated = true;
        },
        (error: unknown) => {
          migrating = null;
          throw error;
        },
      );
    return migrating;
  };

  return {
    schema,
    quoted: `"${schema}"`,
    label,
    pool,
    ownsPool,
    logger,
    reconnectTimeoutMs,
    query,
    ready,
    async run<T>(fn: (maybeDone: boolean) => Promise<T>): Promise<T> {
      if (!migrated) await ready();
      return retrier.run(fn);
    },
    transaction: <T>(
      fn: (client: PoolClient) => Promise<T>,
      settings?: TransactionSettings,
    ): Promise<T> => inTransaction(pool, fn, settings),
    isClosed: () => closed,
    markClosed() {
      if (closed) return false;
      closed = true;
      return true;
    },
  };
}

/** The connections a pool the store makes keeps open (its `min`), unless the caller sets one. */
const KEPT_CONNECTIONS = 2;

/**
 * Opens the connections a pool keeps (its `min`, at most its `max`) that it does not hold yet,
 * all at once, and hands them back to it idle. `pg`'s pool opens a connection only when a
 * statement finds none idle, and that statement waits for it: on the bench machine a scheduler
 * placing a call every 10 ms opened its second connection at its first calls, and those calls
 * were placed 15–34 ms late where the others were 3–7 ms late. A connection that cannot be
 * opened now is left to be opened when a statement needs it, as the pool would have.
 */
async function fill(pool: Pool, label: string, logger: PostgresStoreLogger | undefined) {
  const target = Math.min(pool.options.min ?? 0, pool.options.max ?? 10);
  if (pool.totalCount >= target) return;
  // Idle connections are handed out first, so `target` at once opens the ones missing.
  const opened = await Promise.allSettled(Array.from({ length: target }, () => pool.connect()));
  for (const result of opened) {
    if (result.status === 'fulfilled') result.value.release();
    else
      logger?.warn(`${label}: could not open a connection ahead (${describeError(result.reason)})`);
  }
}

/**
 * What each group of the store's methods uses: the database, the statements of its schema, and
 * what the store knows of wake times between its statements (see `createWakeKnowledge`).
 */
export interface MethodsContext {
  db: PostgresDb;
  sql: ReturnType<typeof statementsFor>;
  knowledge: ReturnType<typeof createProviderWakeKnowledge>;
}
