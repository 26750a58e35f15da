/**
 * `createPostgresStore()`: the store contract over PostgreSQL, composed of its parts: the
 * connection, migrations and retries (`_connection.ts`), the writes and reads of calls
 * (`_call-writes.ts`, `_call-reads.ts`), claims and wake times (`_claims.ts`), call records and
 * retention (`_records.ts`), the campaign methods (`_campaigns.ts`) and
 * LISTEN/NOTIFY (`_listen.ts`), over the SQL in `_sql.ts`.
 */
import { Client, type Pool } from 'pg';
import type { Store } from '../../store.js';
import { postgresCampaignMethods } from './_campaigns.js';
import { postgresBudgets } from './_budgets.js';
import { postgresCallReads } from './_call-reads.js';
import { batchInserter, INSERT_BATCH, postgresCallWrites } from './_call-writes.js';
import { postgresClaims } from './_claims.js';
import {
  connectPostgres,
  type PostgresConnection,
  type PostgresStoreOptions,
} from './_connection.js';
import { createWakeSubscriptions } from './_listen.js';
import { postgresRecords } from './_records.js';
import { suppressionStatementsFor } from './_suppression-sql.js';
import { postgresSuppressions } from './_suppressions.js';
import { postgresAgents } from './_agents.js';
import { campaignStatementsFor, channelOf, statementsFor } from './_sql.js';
import { createProviderWakeKnowledge } from './_wake.js';

export type { PostgresConnection, PostgresStoreOptions } from './_connection.js';
export type { PostgresStoreLogger } from './_retry.js';

/** A PostgreSQL `Store`, with the schema it uses and a way to apply its migrations up front. */
export interface PostgresStore extends Store {
  readonly schema: string;
  /** The pool it queries through (yours, or the one it made). */
  readonly pool: Pool;
  /**
   * Applies pending migrations now, and opens the connections a pool the store made keeps (two,
   * or its `min`); every other method also does so first.
   */
  ready(): Promise<void>;
}

/**
 * A store in PostgreSQL through `pg`, for many scheduler processes on many machines. Its tables
 * live in their own schema, migrated on first use under an advisory lock. Claims are one
 * `UPDATE` over `SELECT … FOR UPDATE SKIP LOCKED`, so workers never wait on each other or take
 * the same call. `updateMany` writes a batch of rows and their call records in one statement. A
 * trigger NOTIFYs every LISTENing worker of a new or earlier wake time, so the scheduler's poll
 * only needs to be a slow safety net. Statements cut off by a lost connection or a restarting
 * server are retried until it is back (see `reconnectTimeoutMs`).
 *
 * @example
 * const store = createPostgresStore({ connectionString: process.env.DATABASE_URL! }, { logger: console });
 */
export function createPostgresStore(
  connection: PostgresConnection,
  options: PostgresStoreOptions = {},
): PostgresStore {
  const db = connectPostgres(connection, options);
  const { schema, pool, label, logger } = db;
  const sql = statementsFor(db.quoted);
  /**
   * What this store knows of the wake times between its statements, to spare round trips and
   * index pages (see `createWakeKnowledge`): the answer a claim gives for the `nextDueAt` that
   * follows it, and a floor below which no row wakes.
   */
  const knowledge = createProviderWakeKnowledge();
  const ctx = { db, sql, knowledge };
  const insertBatch = batchInserter(ctx);

  const wakes = createWakeSubscriptions({
    label,
    channel: channelOf(schema),
    // The LISTEN connection is made from the pool's own settings (pg keeps them, password
    // included, on `pool.options`) but outside it, so it never takes one of its slots.
    connect: () => new Client(pool.options),
    onListening: (listening) => knowledge.listening(listening),
    observe: (wakeAt) => knowledge.lower(wakeAt ?? -Infinity),
    logger,
    timeoutMs: db.reconnectTimeoutMs,
  });

  return {
    name: 'postgres',
    capabilities: { shared: true, durable: true, marks: true },
    schema,
    pool,
    ready: db.ready,
    ...postgresCallWrites(ctx, insertBatch),
    ...postgresCallReads(ctx),
    ...postgresClaims(ctx),
    ...postgresRecords(ctx),
    ...postgresCampaignMethods({
      schema: db.quoted,
      statements: campaignStatementsFor(db.quoted),
      calls: sql.calls,
      query: db.query,
      run: db.run,
      transaction: db.transaction,
      insertBatch,
      insertBatchSize: INSERT_BATCH,
      pool,
      label,
      logger,
      budgets: postgresBudgets(db),
    }),

    ...postgresSuppressions({ db, statements: suppressionStatementsFor(db.quoted) }),
    ...postgresAgents(db),

    subscribe: (onWake) => wakes.subscribe(onWake),

    async close() {
      if (!db.markClosed()) return;
      await wakes.close();
      if (db.ownsPool) await pool.end();
    },
  };
}
