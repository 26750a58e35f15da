import type { SQLInputValue, StatementSync } from 'node:sqlite';
import {
  suppressedPatch,
  type Store,
  type StoredCall,
  type StoredCallPatch,
  type StoredSuppression,
} from '../../store.js';
import { COLUMNS, FIELDS } from '../_columns.js';
import { fromRow, type Row } from './_sql.js';

/** The statements of the do-not-call list (migration 10). */
export const SUPPRESSION_SQL = {
  upsert: `INSERT INTO suppressions (phone, reason, created_at, until_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (phone) DO UPDATE SET reason = excluded.reason, created_at = excluded.created_at,
      until_at = excluded.until_at`,
  delete: 'DELETE FROM suppressions WHERE phone = ?',
  get: 'SELECT phone, reason, created_at, until_at FROM suppressions WHERE phone = ?',
  page: `SELECT phone, reason, created_at, until_at FROM suppressions WHERE phone > ?
    ORDER BY phone LIMIT ?`,
  first: 'SELECT phone, reason, created_at, until_at FROM suppressions ORDER BY phone LIMIT ?',
  prune: `DELETE FROM suppressions WHERE phone IN (SELECT phone FROM suppressions
    INDEXED BY suppressions_until WHERE until_at <= ? LIMIT ?)`,
  /**
   * The rows among a claim's (`json_each` of their ids) not sent yet whose number is suppressed
   * at the claim's time: the claim ends them instead of leasing them. Each row is found by its
   * id (the ids first: CROSS JOIN), never through an index of a status, whose rows grow with
   * the store; each number by the list's key.
   */
  among: `SELECT ${FIELDS.map((f) => `c.${COLUMNS[f]}`).join(', ')}
    FROM json_each(?) AS j CROSS JOIN scheduled_calls AS c ON c.id = j.value
    WHERE (+c.status = 'scheduled' OR (+c.status = 'queued' AND c.placing_at IS NULL))
      AND EXISTS (SELECT 1 FROM suppressions AS s
        WHERE s.phone = c.to_phone AND (s.until_at IS NULL OR s.until_at > ?))`,
};

type SuppressionMethods = Required<
  Pick<
    Store,
    'suppress' | 'unsuppress' | 'getSuppression' | 'listSuppressions' | 'pruneSuppressions'
  >
>;

/** What the do-not-call list of `createSqliteStore` needs of the store. */
export interface SqliteSuppressionContext {
  prepare(sql: string): StatementSync;
  transaction<T>(fn: () => T): T;
  /** The compare-and-set `UPDATE` of a patch, as `update` runs it. */
  updateOf(
    id: string,
    expectedVersion: number,
    patch: StoredCallPatch,
  ): { sql: string; values: SQLInputValue[] };
}

/** A do-not-call entry as SQLite answers it. */
const suppressionFromRow = (row: Record<string, unknown>): StoredSuppression => ({
  phone: row.phone as string,
  reason: row.reason as string,
  createdAt: Number(row.created_at),
  until: row.until_at === null ? null : Number(row.until_at),
});

/** The entries to write at once: a transaction holds the file, so a long list goes in parts. */
const CHUNK = 5_000;

/** The do-not-call list of `createSqliteStore` (migration 10). */
export function sqliteSuppressionMethods(ctx: SqliteSuppressionContext): SuppressionMethods {
  const { prepare, transaction } = ctx;
  const get = (phone: string) => {
    const row = prepare(SUPPRESSION_SQL.get).get(phone) as Row | undefined;
    return row ? suppressionFromRow(row) : null;
  };
  return {
    async suppress(entries) {
      for (let from = 0; from < entries.length; from += CHUNK) {
        if (from > 0) await new Promise((resolve) => setImmediate(resolve));
        transaction(() => {
          const upsert = prepare(SUPPRESSION_SQL.upsert);
          for (const e of entries.slice(from, from + CHUNK)) {
            upsert.run(e.phone, e.reason, e.createdAt, e.until);
          }
        });
      }
    },
    async unsuppress(phone) {
      return Number(prepare(SUPPRESSION_SQL.delete).run(phone).changes) > 0;
    },
    async getSuppression(phone) {
      return get(phone);
    },
    async listSuppressions({ afterPhone, limit }) {
      const rows = (
        afterPhone == null
          ? prepare(SUPPRESSION_SQL.first).all(Math.max(0, limit))
          : prepare(SUPPRESSION_SQL.page).all(afterPhone, Math.max(0, limit))
      ) as Row[];
      return rows.map(suppressionFromRow);
    },
    async pruneSuppressions(before, limit) {
      return Number(transaction(() => prepare(SUPPRESSION_SQL.prune).run(before, limit)).changes);
    },
  };
}

/**
 * Inside a claim's transaction: ends the rows among `ids` not sent yet whose number is
 * suppressed at `now` (`suppressedPatch`), and answers them by id; the claim leases the rest.
 */
export function endSuppressed(
  ctx: SqliteSuppressionContext,
  ids: string[],
  now: number,
): Map<string, StoredCall> {
  const ended = new Map<string, StoredCall>();
  const found = ctx.prepare(SUPPRESSION_SQL.among).all(JSON.stringify(ids), now) as Row[];
  for (const raw of found) {
    const row = fromRow(raw);
    const suppression = suppressionFromRow(ctx.prepare(SUPPRESSION_SQL.get).get(row.to) as Row);
    const patch = suppressedPatch(row, suppression, now);
    const { sql, values } = ctx.updateOf(row.id, row.version, patch);
    ctx.prepare(sql).run(...values);
    ended.set(row.id, { ...row, ...patch, version: row.version + 1 } as StoredCall);
  }
  return ended;
}
