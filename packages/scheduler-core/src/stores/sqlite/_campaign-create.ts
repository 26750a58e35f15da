import { randomUUID } from 'node:crypto';
import type { StatementSync } from 'node:sqlite';
import { sliceEnd, yieldToLoop } from '@ringkit/internal';
import { ConflictError } from '../../errors.js';
import { campaignValues } from '../_columns.js';
import { CAMPAIGN_SQL, isUniqueViolation } from './_sql.js';
import type { MarkedClaim, StoredCall, StoredCampaign } from '../../store.js';
import type { SqliteBudgets } from './_budgets.js';

/** What the campaign methods use of the SQLite store they are part of. */
export interface SqliteCampaignContext {
  /** A cached prepared statement. */
  prepare(sql: string): StatementSync;
  /** Runs `fn` in one `BEGIN IMMEDIATE` transaction. */
  transaction<T>(fn: () => T): T;
  /** Inserts a row of the store's calls (its checks: ids and idempotency keys). */
  insertRow(row: StoredCall): void;
  /** Claims `ids` as `claimDue` does and hands them back in the order given. */
  claimIds(ids: string[], now: number, workerId: string, leaseUntil: number): StoredCall[];
  /** The store's send budgets: a campaign's named budget is one of them. */
  budgets: SqliteBudgets;
  /**
   * Marks the rows among the first `count` of `rows`, just claimed in this transaction, that were
   * leased afresh (`placingMark` at `now`, with the claim's version); the rows, and which it marked.
   */
  markFresh(rows: StoredCall[], now: number, count: number): MarkedClaim;
}

/**
 * Entries written per transaction at most: about 5 ms of SQLite's time; fewer when the loop's
 * slice of time ends first.
 */
export const CREATE_CHUNK = 500;

/**
 * A campaign still hidden this long after its creator last wrote was left by a process that
 * stopped mid-way: the next creation of its name deletes it and takes the name.
 */
export const CREATION_STALE_MS = 30_000;

/**
 * `insertCampaign` of the SQLite store, which must not hold the process for the whole list:
 * 10,000 entries in one transaction keep the event loop (every request, webhook and stream)
 * waiting about 110 ms. The campaign's row is written first, hidden (`creating_by`, this
 * creation's token), which takes the name; then the entries, `chunk` per transaction with a turn
 * of the loop between, each transaction checking that the name is still this creation's; the
 * last one shows the campaign. Until then no read, list, claim or change sees it, so the
 * campaign appears whole, as from one transaction.
 *
 * - Another creation of the name, while this one runs or once it is done: `ConflictError`
 *   `'duplicate'`, as for one created in one transaction.
 * - A failure part-way (an entry's id taken, the disk full) deletes what this creation wrote,
 *   a short transaction at a time, then rethrows.
 * - A creator that stopped part-way (its process killed) leaves the campaign hidden; once it has
 *   not written for {@link CREATION_STALE_MS}, the next creation of the name deletes it and
 *   writes its own.
 */
export async function insertCampaignInChunks(
  ctx: Pick<SqliteCampaignContext, 'prepare' | 'transaction' | 'insertRow'>,
  campaign: StoredCampaign,
  rows: readonly StoredCall[],
): Promise<void> {
  const { prepare, transaction, insertRow } = ctx;
  const chunk = CREATE_CHUNK;
  // The machine's clock, not the injected one: staleness is real time, like a lock's timeout.
  const now = Date.now;
  const { id } = campaign;
  const token = randomUUID();
  const taken = () =>
    new ConflictError({ reason: 'duplicate', id, message: `Campaign ${id} already exists` });
  const creation = () =>
    prepare(CAMPAIGN_SQL.creation).get(id) as
      { creating_by: string | null; creating_at: number | null } | undefined;
  /** Throws `taken()` unless the name is still this creation's. */
  const stillMine = () => {
    if (creation()?.creating_by !== token) throw taken();
  };
  const insertHidden = () =>
    prepare(CAMPAIGN_SQL.insertHidden).run(...campaignValues(campaign), token, now());

  // The name, hidden: this creation's, or a stale creation's taken over (its rows to delete).
  const tookOver = transaction(() => {
    try {
      insertHidden();
      return false;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const found = creation();
      if (found?.creating_by == null || now() - (found.creating_at ?? 0) < CREATION_STALE_MS) {
        throw taken();
      }
      prepare(CAMPAIGN_SQL.drop).run(id);
      insertHidden();
      return true;
    }
  });

  /** Deletes the campaign's rows a chunk per transaction, while the name is this creation's. */
  const dropRows = async () => {
    for (;;) {
      const deleted = transaction(() => {
        stillMine();
        return Number(prepare(CAMPAIGN_SQL.dropRows).run(id, chunk).changes);
      });
      if (deleted < chunk) return;
      await yieldToLoop();
    }
  };

  try {
    if (tookOver) await dropRows();
    // Up to `chunk` entries per transaction, fewer when the loop's slice of time (shared with
    // every list sliced meanwhile, see `sliceEnd`) ends first.
    for (let start = 0; start < rows.length || start === 0;) {
      if (start > 0) await yieldToLoop();
      const ends = sliceEnd();
      start = transaction(() => {
        stillMine();
        let next = start;
        const stop = Math.min(start + chunk, rows.length);
        while (next < stop) {
          insertRow({ ...rows[next]!, campaign: id });
          next += 1;
          if ((next & 15) === 0 && performance.now() >= ends) break;
        }
        if (next >= rows.length) prepare(CAMPAIGN_SQL.publish).run(id);
        else prepare(CAMPAIGN_SQL.progress).run(now(), id);
        return Math.max(next, 1);
      });
    }
  } catch (error) {
    // What this creation wrote goes, unless the name went to another creation meanwhile.
    try {
      await dropRows();
      transaction(() => {
        stillMine();
        prepare(CAMPAIGN_SQL.drop).run(id);
      });
    } catch {
      // Another creation took the name over: what is left is its to delete.
    }
    throw error;
  }
}
