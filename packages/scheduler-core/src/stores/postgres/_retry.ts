import { NEVER_CONNECTED_ERRNOS } from '@ringkit/internal';
import type { PoolClient } from 'pg';
/** Where `createPostgresStore` reports connection loss and recovery; `console` fits. */
export interface PostgresStoreLogger {
  info(message: string): void;
  warn(message: string): void;
}

/**
 * What a failed statement tells about its effect:
 * - `not_run`: it surely did not commit (no connection, or the server aborted it), so running it
 *   again is safe;
 * - `unknown`: the connection broke while it ran, so it may have committed: it is run again, and
 *   the adapter checks for its own earlier write;
 * - `null`: any other error (a constraint, a syntax error…): thrown as is.
 */
export type FailureKind = 'not_run' | 'unknown' | null;

/** A connection never made: the statement never reached the server. */
const NOT_RUN_ERRNOS = NEVER_CONNECTED_ERRNOS;
const UNKNOWN_ERRNOS = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);
const NOT_RUN_SQLSTATES = new Set([
  '57P01', // admin_shutdown: pg_terminate_backend or a fast shutdown aborted the transaction
  '57P03', // cannot_connect_now: the server is starting or stopping
  '53300', // too_many_connections
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08004', // sqlserver_rejected_establishment_of_sqlconnection
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);
const UNKNOWN_SQLSTATES = new Set(['57P02', '08000', '08003', '08006']);

export function classifyFailure(error: unknown): FailureKind {
  if (!(error instanceof Error)) return null;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NOT_RUN_ERRNOS.has(code) || NOT_RUN_SQLSTATES.has(code)) return 'not_run';
    if (UNKNOWN_ERRNOS.has(code) || UNKNOWN_SQLSTATES.has(code)) return 'unknown';
  }
  const message = error.message;
  if (/not queryable|timeout exceeded when trying to connect/i.test(message)) return 'not_run';
  if (/Connection terminated|connection.*(closed|ended|lost)/i.test(message)) return 'unknown';
  return null;
}

/**
 * `true` for a transaction PostgreSQL aborted because it conflicted with another one (a
 * deadlock, or a serialization failure): nothing of it committed, so it is run again. Not a
 * lost connection, and logged as what it is.
 */
export function isTransactionConflict(error: unknown): boolean {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return code === '40P01' || code === '40001';
}

export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Retrier {
  /**
   * Runs `fn` until it succeeds, retrying failures from a lost connection with backoff for up to
   * `timeoutMs`. `fn` learns whether an earlier try may have committed (`maybeDone`).
   */
  run<T>(fn: (maybeDone: boolean) => Promise<T>): Promise<T>;
  /** Notes a pooled connection lost while idle (at most one log line per 5 s). */
  idleLost(error: unknown): void;
}

export function createRetrier(options: {
  label: string;
  timeoutMs: number;
  logger: PostgresStoreLogger | undefined;
  isClosed: () => boolean;
}): Retrier {
  const { label, logger } = options;
  let outage: { since: number; retried: number } | null = null;
  let idleLoggedAt = -Infinity;

  const lost = (error: unknown) => {
    if (outage) return;
    outage = { since: Date.now(), retried: 0 };
    logger?.warn(
      `${label}: lost the connection to PostgreSQL (${describeError(error)}); ` +
        'retrying until it is back, nothing is lost meanwhile',
    );
  };

  const restored = () => {
    if (!outage) return;
    const { since, retried } = outage;
    outage = null;
    logger?.info(
      `${label}: reconnected to PostgreSQL after ${Date.now() - since} ms; ` +
        `${retried} interrupted operation(s) retried, nothing lost`,
    );
  };

  return {
    idleLost(error) {
      if (outage || Date.now() - idleLoggedAt < 5000) return;
      idleLoggedAt = Date.now();
      logger?.warn(
        `${label}: the server closed an idle pooled connection (${describeError(error)}); ` +
          'the pool opens a new one when needed',
      );
    },
    async run(fn) {
      const started = Date.now();
      let maybeDone = false;
      let counted = false;
      let delay = 25;
      for (;;) {
        try {
          const result = await fn(maybeDone);
          restored();
          return result;
        } catch (error) {
          const kind = classifyFailure(error);
          if (kind === null || options.isClosed()) throw error;
          if (Date.now() - started >= options.timeoutMs) {
            logger?.warn(
              `${label}: gave up after ${options.timeoutMs} ms without PostgreSQL (${describeError(error)})`,
            );
            throw error;
          }
          if (kind === 'unknown') maybeDone = true;
          if (isTransactionConflict(error)) {
            logger?.warn(
              `${label}: PostgreSQL aborted a transaction that conflicted with another one ` +
                `(${describeError(error)}); running it again, nothing is lost`,
            );
            await sleep(delay);
            delay = Math.min(delay * 2, 1000);
            continue;
          }
          lost(error);
          if (!counted) outage!.retried += 1;
          counted = true;
          await sleep(delay);
          delay = Math.min(delay * 2, 1000);
        }
      }
    },
  };
}

/**
 * Listens for errors of a client checked out of the pool (pg-pool stops listening while it is
 * out): a connection that breaks between two statements of a transaction (a server restart, an
 * administrator's `pg_terminate_backend`) emits `error`, which would otherwise end the process.
 * The next statement fails with it instead, and is retried as every statement is. Resolves the
 * listener's removal, with whether the connection broke (release it as broken then).
 */
export function guardCheckedOut(client: {
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
}): () => boolean {
  let broke = false;
  const listener = () => {
    broke = true;
  };
  client.on('error', listener);
  return () => {
    client.off('error', listener);
    return broke;
  };
}

/** Settings of one transaction: each one's name and value, as `SET LOCAL` takes them. */
export type TransactionSettings = Readonly<Record<string, string>>;

/**
 * One statement that gives `settings` to the current transaction alone (`set_config(…, true)`).
 * Names and values are written into the text: they are the store's own, never a caller's.
 */
export function setLocalStatement(settings: TransactionSettings): string {
  return `SELECT ${Object.entries(settings)
    .map(([setting, value]) => `set_config('${setting}', '${value}', true)`)
    .join(', ')}`;
}

/**
 * Runs `work` in one transaction on a connection of `pool` (`BEGIN`, then `COMMIT` when it
 * resolves, `ROLLBACK` when it throws) and releases the connection, as broken when it broke
 * meanwhile (see {@link guardCheckedOut}) or the rollback failed: the pool then opens a new one.
 * With `settings`, the transaction runs under them (sent with its `BEGIN`, in the same round
 * trip), and they end with it.
 */
export async function inTransaction<T>(
  pool: { connect(): Promise<PoolClient> },
  work: (client: PoolClient) => Promise<T>,
  settings?: TransactionSettings,
): Promise<T> {
  const client = await pool.connect();
  const unguard = guardCheckedOut(client);
  let broken = false;
  try {
    await client.query(settings ? `BEGIN;\n${setLocalStatement(settings)}` : 'BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(unguard() || broken);
  }
}
