import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import {
  decodeCursor,
  encodeCursor,
  type Store,
  type StoredCall,
  type StoredCallPatch,
  type StoredCallRecord,
} from '../store.js';

export interface SqliteStoreOptions {
  /** The database file (created when missing), or `':memory:'`. */
  path: string;
  /**
   * How long a write waits for another connection's lock before failing, in ms.
   * @default 5000
   */
  busyTimeoutMs?: number;
}

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
];

const COLUMNS: Record<keyof StoredCall, string> = {
  id: 'id',
  to: 'to_phone',
  status: 'status',
  dueAt: 'due_at',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  version: 'version',
  attempt: 'attempt',
  leaseOwner: 'lease_owner',
  leaseUntil: 'lease_until',
  placingAt: 'placing_at',
  providerCallId: 'provider_call_id',
  reason: 'reason',
  idempotencyKey: 'idempotency_key',
  events: 'events',
  options: 'options',
};
const FIELDS = Object.keys(COLUMNS) as (keyof StoredCall)[];
const JSON_FIELDS = new Set<keyof StoredCall>(['events', 'options']);
const SELECT = `SELECT ${FIELDS.map((f) => COLUMNS[f]).join(', ')} FROM scheduled_calls`;

type Row = Record<string, SQLInputValue>;

function toValue(field: keyof StoredCall, value: unknown): SQLInputValue {
  if (value === null || value === undefined) return null;
  if (JSON_FIELDS.has(field)) return JSON.stringify(value);
  return value as SQLInputValue;
}

function fromRow(row: Row): StoredCall {
  const out: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const value = row[COLUMNS[field]];
    out[field] =
      JSON_FIELDS.has(field) && typeof value === 'string' ? JSON.parse(value) : (value ?? null);
  }
  return out as unknown as StoredCall;
}

function recordFromRow(row: Row): StoredCallRecord {
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
  };
}

function badCursor(): ValidationError {
  return new ValidationError('cursor', [
    { code: 'custom', path: ['cursor'], message: 'unknown cursor' },
  ]);
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && /UNIQUE constraint failed/.test(error.message);
}

/**
 * A store in one SQLite file through `node:sqlite` (no native build): WAL journal, migrations on
 * open, claims in one `BEGIN IMMEDIATE` transaction, so several processes may share the file and
 * never claim the same call. Survives restarts.
 *
 * @example
 * const store = sqliteStore({ path: './.data/ringkit.db' });
 */
export function sqliteStore(options: SqliteStoreOptions): Store {
  const db = new DatabaseSync(options.path);
  db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
  if (options.path !== ':memory:') db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  migrate(db);

  const statements = new Map<string, StatementSync>();
  const prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  const transaction = <T>(fn: () => T, mode = 'IMMEDIATE'): T => {
    db.exec(`BEGIN ${mode}`);
    try {
      const result = fn();
      db.exec('COMMIT');
      return result;
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  };
  const insertSql = `INSERT INTO scheduled_calls (${FIELDS.map((f) => COLUMNS[f]).join(', ')}) VALUES (${FIELDS.map(() => '?').join(', ')})`;
  const insertRow = (row: StoredCall) => {
    try {
      prepare(insertSql).run(...FIELDS.map((f) => toValue(f, row[f])));
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError({
          reason: 'duplicate',
          id: row.id,
          message: `Call ${row.id} or its idempotency key already exists`,
        });
      }
      throw error;
    }
  };
  const getRow = (id: string) => {
    const row = prepare(`${SELECT} WHERE id = ?`).get(id) as Row | undefined;
    return row ? fromRow(row) : null;
  };
  let open = true;

  return {
    name: 'sqlite',
    capabilities: { shared: true, durable: options.path !== ':memory:' },

    async insert(row) {
      insertRow(row);
      return getRow(row.id)!;
    },

    async insertMany(rows) {
      transaction(() => {
        for (const row of rows) insertRow(row);
      });
    },

    async get(id) {
      return getRow(id);
    },

    async findByIdempotencyKey(key) {
      const row = prepare(`${SELECT} WHERE idempotency_key = ?`).get(key) as Row | undefined;
      return row ? fromRow(row) : null;
    },

    async findByProviderCallId(providerCallId) {
      const row = prepare(`${SELECT} WHERE provider_call_id = ?`).get(providerCallId) as
        Row | undefined;
      return row ? fromRow(row) : null;
    },

    async update(id, expectedVersion, patch: StoredCallPatch) {
      const fields = (Object.keys(patch) as (keyof StoredCall)[]).filter(
        (f) =>
          f in COLUMNS &&
          f !== 'id' &&
          f !== 'version' &&
          f !== 'createdAt' &&
          patch[f as keyof StoredCallPatch] !== undefined,
      );
      const sets = [...fields.map((f) => `${COLUMNS[f]} = ?`), 'version = version + 1'];
      const values = fields.map((f) => toValue(f, patch[f as keyof StoredCallPatch]));
      return transaction(() => {
        let result;
        try {
          result = prepare(
            `UPDATE scheduled_calls SET ${sets.join(', ')} WHERE id = ? AND version = ?`,
          ).run(...values, id, expectedVersion);
        } catch (error) {
          if (isUniqueViolation(error)) {
            throw new ConflictError({
              reason: 'duplicate',
              id,
              message: 'An idempotency key cannot be reused',
            });
          }
          throw error;
        }
        if (Number(result.changes) === 0) {
          const current = getRow(id);
          if (!current) throw new NotFoundError(id);
          throw new ConflictError({
            reason: 'version_conflict',
            id,
            status: current.status,
            message: `Call ${id} is at version ${current.version}, not ${expectedVersion}`,
          });
        }
        return getRow(id)!;
      });
    },

    async claimDue(now, limit, workerId, leaseUntil) {
      if (limit <= 0) return [];
      return transaction(() => {
        const ids = (
          prepare(
            'SELECT id FROM scheduled_calls WHERE wake_at <= ? ORDER BY wake_at, id LIMIT ?',
          ).all(now, limit) as { id: string }[]
        ).map((r) => r.id);
        const claim = prepare(
          `UPDATE scheduled_calls SET status = 'queued', lease_owner = ?, lease_until = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
        );
        return ids.map((id) => {
          claim.run(workerId, leaseUntil, now, id);
          return getRow(id)!;
        });
      });
    },

    async nextDueAt() {
      const row = prepare(
        'SELECT MIN(wake_at) AS next FROM scheduled_calls WHERE wake_at IS NOT NULL',
      ).get() as { next: number | null } | undefined;
      return row?.next ?? null;
    },

    async list(query) {
      const after = decodeCursor(query.cursor);
      if (query.cursor && !after) throw badCursor();
      const where: string[] = [];
      const params: SQLInputValue[] = [];
      if (after) {
        where.push('(created_at, id) > (?, ?)');
        params.push(after[0], after[1]);
      }
      if (query.status !== undefined) {
        const statuses = [query.status].flat();
        where.push(`status IN (${statuses.map(() => '?').join(', ')})`);
        params.push(...statuses);
      }
      if (query.to !== undefined) {
        where.push('to_phone = ?');
        params.push(query.to);
      }
      const sql = `${SELECT} ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id LIMIT ?`;
      const rows = (db.prepare(sql).all(...params, query.limit + 1) as Row[]).map(fromRow);
      const items = rows.slice(0, query.limit);
      const last = items[items.length - 1];
      return {
        items,
        nextCursor:
          rows.length > query.limit && last ? encodeCursor(last.createdAt, last.id) : null,
      };
    },

    async saveCallRecord(record) {
      prepare(
        `INSERT OR REPLACE INTO call_records (id, from_phone, to_phone, direction, status, started_at, answered_at, ended_at, duration_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        record.id,
        record.from,
        record.to,
        record.direction,
        record.status,
        record.startedAt,
        record.answeredAt,
        record.endedAt,
        record.durationSeconds,
      );
    },

    async listHistory(phone, query) {
      const before = decodeCursor(query.cursor);
      if (query.cursor && !before) throw badCursor();
      const cursorSql = before ? 'AND (started_at, id) < (?, ?)' : '';
      const cursorParams = before ? [before[0], before[1]] : [];
      const rows = (
        prepare(
          `SELECT * FROM (
             SELECT * FROM call_records WHERE from_phone = ? ${cursorSql}
             UNION
             SELECT * FROM call_records WHERE to_phone = ? ${cursorSql}
           ) ORDER BY started_at DESC, id DESC LIMIT ?`,
        ).all(phone, ...cursorParams, phone, ...cursorParams, query.limit + 1) as Row[]
      ).map(recordFromRow);
      const items = rows.slice(0, query.limit);
      const last = items[items.length - 1];
      return {
        items,
        nextCursor:
          rows.length > query.limit && last ? encodeCursor(last.startedAt, last.id) : null,
      };
    },

    async close() {
      if (!open) return;
      open = false;
      statements.clear();
      db.close();
    },
  };
}

function migrate(db: DatabaseSync): void {
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
