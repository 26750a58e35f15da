import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { StoredCall, StoredCallRecord } from '../../store.js';
import { COLUMNS, FIELDS, JSON_FIELDS } from '../_columns.js';

export { COLUMNS, FIELDS };

/** The schema of `sqliteStore` and the mapping of its rows. */

/** The wake time of the Store contract (see `wakeTime`), as a generated column. */
const WAKE_AT = `CASE WHEN status = 'scheduled' THEN due_at
  WHEN status IN ('queued', 'initiated', 'ringing', 'answered') THEN lease_until END`;

/** The status a claim gives a row (see `claimedStatus`). */
export const CLAIMED_STATUS = `CASE WHEN status IN ('initiated', 'ringing', 'answered') THEN status ELSE 'queued' END`;

/** Versioned migrations; each runs once, in order, recorded in `schema_migrations`. */
const MIGRATIONS: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE scheduled_calls (
        id TEXT PRIMARY KEY,
        to_phone TEXT NOT NULL,
        status TEXT NOT NULL,
        due_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        version INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        lease_owner TEXT,
        lease_until INTEGER,
        placing_at INTEGER,
        provider_call_id TEXT,
        reason TEXT,
        idempotency_key TEXT UNIQUE,
        events TEXT,
        options TEXT,
        wake_at INTEGER GENERATED ALWAYS AS (
          CASE status WHEN 'scheduled' THEN due_at WHEN 'queued' THEN lease_until END
        ) VIRTUAL
      );
      CREATE INDEX scheduled_calls_wake ON scheduled_calls (wake_at, id) WHERE wake_at IS NOT NULL;
      CREATE INDEX scheduled_calls_created ON scheduled_calls (created_at, id);
      CREATE INDEX scheduled_calls_to ON scheduled_calls (to_phone, created_at, id);
      CREATE INDEX scheduled_calls_provider ON scheduled_calls (provider_call_id)
        WHERE provider_call_id IS NOT NULL;
      CREATE TABLE call_records (
        id TEXT PRIMARY KEY,
        from_phone TEXT NOT NULL,
        to_phone TEXT NOT NULL,
        direction TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        answered_at INTEGER,
        ended_at INTEGER,
        duration_seconds REAL
      );
      CREATE INDEX call_records_from ON call_records (from_phone, started_at, id);
      CREATE INDEX call_records_to ON call_records (to_phone, started_at, id);
    `,
  },
  {
    // A placement whose outcome is unknown is recorded as such (0: known, 1: unknown).
    version: 2,
    sql: `ALTER TABLE call_records ADD COLUMN outcome_unknown INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    // A call in flight wakes at the end of its follow lease, so a dead follower's calls are
    // adopted as soon as it runs out.
    version: 3,
    sql: `
      DROP INDEX scheduled_calls_wake;
      ALTER TABLE scheduled_calls DROP COLUMN wake_at;
      ALTER TABLE scheduled_calls ADD COLUMN wake_at INTEGER GENERATED ALWAYS AS (${WAKE_AT}) VIRTUAL;
      CREATE INDEX scheduled_calls_wake ON scheduled_calls (wake_at, id) WHERE wake_at IS NOT NULL;
    `,
  },
  {
    // A call carries its purpose: the CallOptions of every attempt, as JSON (NULL: none).
    version: 4,
    sql: `ALTER TABLE scheduled_calls ADD COLUMN call_options TEXT;`,
  },
  {
    // Who answered a call, where the provider detected it (NULL: not detected).
    version: 5,
    sql: `ALTER TABLE call_records ADD COLUMN answered_by TEXT;`,
  },
];

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
    out[field] =
      JSON_FIELDS.has(field) && typeof value === 'string' ? JSON.parse(value) : (value ?? null);
  }
  return out as unknown as StoredCall;
}

export function recordFromRow(row: Row): StoredCallRecord {
  return {
    id: row.id as string,
    from: row.from_phone as string,
    to: row.to_phone as string,
    direction: row.direction as StoredCallRecord['direction'],
    status: row.status as StoredCallRecord['status'],
    startedAt: row.started_at as number,
    answeredAt: (row.answered_at as number | null) ?? null,
    endedAt: (row.ended_at as number | null) ?? null,
    durationSeconds: (row.duration_seconds as number | null) ?? null,
    outcomeUnknown: row.outcome_unknown === 1,
    answeredBy: (row.answered_by as StoredCallRecord['answeredBy']) ?? null,
  };
}

/** Saves a call record, replacing one with the same id (values in `recordValues` order). */
export const SAVE_RECORD = `INSERT OR REPLACE INTO call_records (id, from_phone, to_phone,
  direction, status, started_at, answered_at, ended_at, duration_seconds, outcome_unknown,
  answered_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && /UNIQUE constraint failed/.test(error.message);
}

export function migrate(db: DatabaseSync): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)',
  );
  db.exec('BEGIN IMMEDIATE');
  try {
    const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as
      { version: number | null } | undefined;
    const current = row?.version ?? 0;
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(
        migration.version,
        Date.now(),
      );
    }
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
