import type { Pool, PoolClient } from 'pg';
import type { StoredCall } from '../../store.js';
import type { PostgresBudgets } from './_budgets.js';
import type { PostgresDb, Query } from './_connection.js';
import type { PostgresStoreLogger } from './_retry.js';
import type { campaignStatementsFor } from './_sql.js';

/** What the campaign methods use of the PostgreSQL store they are part of. */
export interface PostgresCampaignContext {
  /** The quoted schema. */
  schema: string;
  statements: ReturnType<typeof campaignStatementsFor>;
  /** The quoted table of calls. */
  calls: string;
  /** A named (prepared) statement, on the pool or a transaction's client. */
  query: Query;
  /** Runs `fn` with the store's retries; `maybeDone` when an earlier try may have applied. */
  run<T>(fn: (maybeDone: boolean) => Promise<T>): Promise<T>;
  transaction: PostgresDb['transaction'];
  insertBatch(client: PoolClient, rows: StoredCall[]): Promise<unknown>;
  insertBatchSize: number;
  pool: Pool;
  label: string;
  logger: PostgresStoreLogger | undefined;
  /** The store's named send budgets: a campaign's named budget is one of them. */
  budgets: PostgresBudgets;
}
