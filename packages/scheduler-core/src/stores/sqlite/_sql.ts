import type { SQLInputValue } from 'node:sqlite';
import type { StoredCall } from '../../store.js';
import {
  CAMPAIGN_COLUMNS,
  OPTIONAL_FIELDS,
  COLUMNS,
  FIELDS,
  FINISHED_SQL,
  JSON_FIELDS,
  RECORD_COLUMNS,
  type RowReading,
} from '../_columns.js';

export { COLUMNS, FIELDS };

/** The schema of `createSqliteStore` and the mapping of its rows. */

/** The statuses of a campaign row that takes a place under its cap (with the held ones). */
export const TAKING = `'queued', 'initiated', 'ringing', 'answered'`;

/** The status a claim gives a row (see `claimedStatus`). */
export const CLAIMED_STATUS = `CASE WHEN status IN ('initiated', 'ringing', 'answered') THEN status ELSE 'queued' END`;

/** The statements of campaigns, each through a partial index of campaign rows (migration 7). */
export const CAMPAIGN_SQL = {
  insert: `INSERT INTO campaigns (${CAMPAIGN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  /** Campaigns still being created (migration 9) are left out of every read and write. */
  get: `SELECT ${CAMPAIGN_COLUMNS} FROM campaigns WHERE id = ? AND creating_by IS NULL`,
  /** `{archived}`: the filter of `listCampaigns({ archived })` (see `archivedFilter`). */
  list: `SELECT ${CAMPAIGN_COLUMNS} FROM campaigns INDEXED BY campaigns_created
    WHERE creating_by IS NULL{archived} ORDER BY created_at DESC, id DESC LIMIT ?`,
  listAfter: `SELECT ${CAMPAIGN_COLUMNS} FROM campaigns INDEXED BY campaigns_created
    WHERE (created_at, id) < (?, ?) AND creating_by IS NULL{archived}
    ORDER BY created_at DESC, id DESC LIMIT ?`,
  /** A campaign's row written hidden, with the token of the creation writing it. */
  insertHidden: `INSERT INTO campaigns (${CAMPAIGN_COLUMNS}, creating_by, creating_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  /** Who is creating the campaign, and when it last wrote (both NULL once it shows). */
  creation: `SELECT creating_by, creating_at FROM campaigns WHERE id = ?`,
  progress: `UPDATE campaigns SET creating_at = ? WHERE id = ?`,
  publish: `UPDATE campaigns SET creating_by = NULL, creating_at = NULL WHERE id = ?`,
  drop: `DELETE FROM campaigns WHERE id = ?`,
  /** Up to a number of a campaign's rows, to delete them a short transaction at a time. */
  dropRows: `DELETE FROM scheduled_calls WHERE id IN (
    SELECT id FROM scheduled_calls INDEXED BY scheduled_calls_campaign_position
    WHERE campaign_id = ? LIMIT ?)`,
  /** Rows whose lease ran out (queued or in flight), oldest lease first. */
  expired: `SELECT id FROM scheduled_calls INDEXED BY scheduled_calls_campaign_live
    WHERE campaign_id = ? AND status IN (${TAKING}) AND lease_until <= ?
    ORDER BY lease_until, id LIMIT ?`,
  /** Places taken: live rows and unknown outcomes placed after `now - holdMs`. */
  taken: `SELECT
    (SELECT COUNT(*) FROM scheduled_calls INDEXED BY scheduled_calls_campaign_live
      WHERE campaign_id = ? AND status IN (${TAKING}))
    + (SELECT COUNT(*) FROM scheduled_calls INDEXED BY scheduled_calls_campaign_held
      WHERE campaign_id = ? AND status = 'failed' AND reason = 'outcome_unknown'
        AND placing_at > ?) AS n`,
  /** Due entries in list order. */
  /** Due entries in list order, each with whether its number is suppressed (migration 10). */
  fresh: `SELECT c.id, EXISTS (SELECT 1 FROM suppressions AS s WHERE s.phone = c.to_phone
      AND (s.until_at IS NULL OR s.until_at > ?)) AS suppressed
    FROM scheduled_calls AS c INDEXED BY scheduled_calls_campaign_status
    WHERE c.campaign_id = ? AND c.status = 'scheduled' AND c.due_at <= ? ORDER BY c.position LIMIT ?`,
  nextLease: `SELECT MIN(lease_until) AS at FROM scheduled_calls
    INDEXED BY scheduled_calls_campaign_live WHERE campaign_id = ? AND status IN (${TAKING})`,
  nextDue: `SELECT MIN(due_at) AS at FROM scheduled_calls INDEXED BY scheduled_calls_campaign_due
    WHERE campaign_id = ? AND status = 'scheduled' AND due_at > ?`,
  nextHeld: `SELECT MIN(placing_at) AS at FROM scheduled_calls
    INDEXED BY scheduled_calls_campaign_held
    WHERE campaign_id = ? AND status = 'failed' AND reason = 'outcome_unknown' AND placing_at > ?`,
  calls: `${'SELECT ' + FIELDS.map((f) => COLUMNS[f]).join(', ')} FROM scheduled_calls
    INDEXED BY scheduled_calls_campaign_position
    WHERE campaign_id = ? AND position > ? ORDER BY position LIMIT ?`,
  /** One status's page in list order (several are merged by the caller's UNION). */
  callsOfStatus: `SELECT ${FIELDS.map((f) => COLUMNS[f]).join(', ')} FROM scheduled_calls
    INDEXED BY scheduled_calls_campaign_status
    WHERE campaign_id = ? AND status = ? AND position > ? ORDER BY position LIMIT ?`,
  count: `SELECT status, COUNT(*) AS n FROM scheduled_calls INDEXED BY scheduled_calls_campaign_status
    WHERE campaign_id = ? GROUP BY status`,
};

export const SELECTED = FIELDS.map((f) => COLUMNS[f]).join(', ');
export const SELECT = `SELECT ${SELECTED} FROM scheduled_calls`;

export type Row = Record<string, SQLInputValue>;

export function toValue(field: keyof StoredCall, value: unknown): SQLInputValue {
  if (value === null || value === undefined) return null;
  if (JSON_FIELDS.has(field)) return JSON.stringify(value);
  return value as SQLInputValue;
}

export function fromRow(row: Row): StoredCall {
  const out: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const value = row[COLUMNS[field]];
    if (OPTIONAL_FIELDS.has(field) && value == null) continue;
    out[field] =
      JSON_FIELDS.has(field) && typeof value === 'string' ? JSON.parse(value) : (value ?? null);
  }
  return out as unknown as StoredCall;
}

/** How node:sqlite hands back what the row mappers read: numbers, `0`/`1`, JSON as text. */
export const SQLITE_READING: RowReading = {
  number: (value) => (value as number | null) ?? null,
  boolean: (value) => value === 1,
  json: (value) => JSON.parse(value as string),
};

/** Saves a call record, replacing one with the same id (values in `recordValues` order). */
export const SAVE_RECORD = `INSERT OR REPLACE INTO call_records (${RECORD_COLUMNS})
  VALUES (${RECORD_COLUMNS.split(',')
    .map(() => '?')
    .join(', ')})`;

/** One call record by id (`mergeCallRecord` reads it in the transaction that writes it). */
export const GET_RECORD = `SELECT ${RECORD_COLUMNS} FROM call_records WHERE id = ?`;

/** The `list` query: one page, filtered, in `created_at, id` order, read through an index. */
export function listQuery(query: {
  after: [number, string] | null;
  statuses: readonly string[] | undefined;
  to: string | undefined;
  /** One campaign's rows; `null`: the scheduler's own rows only. */
  campaign: string | null;
  limit: number;
}): { sql: string; params: SQLInputValue[] } {
  const { after, statuses, to, campaign } = query;
  const limit = query.limit + 1;
  const page = (status: string | undefined) => {
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    if (campaign === null) where.push('campaign_id IS NULL');
    else {
      where.push('campaign_id = ?');
      params.push(campaign);
    }
    if (after) {
      where.push('(created_at, id) > (?, ?)');
      params.push(after[0], after[1]);
    }
    if (status !== undefined) {
      where.push('status = ?');
      params.push(status);
    }
    if (to !== undefined) {
      where.push('to_phone = ?');
      params.push(to);
    }
    // A number's calls are few; a status may hold millions of finished ones: each filter reads
    // its own index, in page order, and stops at the page's end.
    // A campaign's rows: by status through its status index (a few, in flight, sorted after),
    // else in page order through its own list index.
    const index =
      to !== undefined
        ? 'scheduled_calls_to'
        : campaign !== null
          ? status !== undefined
            ? 'scheduled_calls_campaign_status'
            : 'scheduled_calls_campaign_list'
          : status !== undefined
            ? 'scheduled_calls_own_status'
            : 'scheduled_calls_created';
    return {
      sql: `${SELECT} INDEXED BY ${index} ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id LIMIT ?`,
      params: [...params, limit],
    };
  };
  if (statuses === undefined || statuses.length === 1) {
    return page(statuses?.[0]);
  }
  // Several statuses: the first page of each, merged. Each reads the status index in order.
  const parts = [...new Set(statuses)].map(page);
  return {
    sql: `SELECT * FROM (${parts.map((p) => `SELECT * FROM (${p.sql})`).join(' UNION ALL ')}) ORDER BY created_at, id LIMIT ?`,
    params: [...parts.flatMap((p) => p.params), limit],
  };
}

/** Live statuses counted through the status index, which holds them in a few ranges. */
export const countByStatusQuery = (n: number) =>
  `SELECT status, COUNT(*) AS n FROM scheduled_calls INDEXED BY scheduled_calls_status
    WHERE status IN (${Array.from({ length: n }, () => '?').join(', ')}) GROUP BY status`;

/** Retention: the oldest finished calls (through their partial index), a batch at a time. */
export const DELETE_FINISHED = `DELETE FROM scheduled_calls WHERE id IN (
  SELECT id FROM scheduled_calls INDEXED BY scheduled_calls_finished
  WHERE status IN (${FINISHED_SQL}) AND updated_at < ? ORDER BY updated_at, id LIMIT ?)`;

/** Retention: the oldest call records, a batch at a time. */
export const DELETE_RECORDS = `DELETE FROM call_records WHERE id IN (
  SELECT id FROM call_records INDEXED BY call_records_started
  WHERE started_at < ? ORDER BY started_at, id LIMIT ?)`;

/** Takes the lease when free, expired or already ours: a row comes back when we hold it. */
export const ACQUIRE_LEASE = `INSERT INTO leases (name, owner, until_at) VALUES (?, ?, ?)
  ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until_at = excluded.until_at
  WHERE leases.until_at <= ? OR leases.owner = excluded.owner
  RETURNING owner`;

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && /UNIQUE constraint failed/.test(error.message);
}
