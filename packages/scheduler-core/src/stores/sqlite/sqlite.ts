import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { MAX_TIMER_MS, strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { ConflictError, invalidOptions, CallNotFoundError, versionConflict } from '../../errors.js';
import { patchFields, recordFromRow, recordValues } from '../_columns.js';
import { callPage, historyPage, readCursor } from '../_page.js';
import {
  ACQUIRE_LEASE,
  CLAIMED_STATUS,
  COLUMNS,
  countByStatusQuery,
  DELETE_FINISHED,
  DELETE_RECORDS,
  historyQuery,
  listQuery,
  FIELDS,
  fromRow,
  GET_RECORD,
  isUniqueViolation,
  migrate,
  SAVE_RECORD,
  SQLITE_READING,
  SELECT,
  SELECTED,
  toValue,
  type Row,
} from './_sql.js';
import {
  fullRecord,
  type MarkedClaim,
  type Store,
  type StoredCall,
  type StoredCallPatch,
  type StoredCallRecord,
  type StoredCallUpdate,
} from '../../store.js';
import { createBatchWriter } from './_batches.js';
import { startCheckpointer, type Checkpointer } from './_checkpoint.js';
import { sqliteCampaignMethods } from './_campaigns.js';
import { endSuppressed, sqliteSuppressionMethods } from './_suppressions.js';
import { sqliteBudgets } from './_budgets.js';
import { placingMark } from '../../store/_mark.js';
import { slotsFrom } from '../../store/_shares.js';

/** Options of {@link createSqliteStore}. */
export interface SqliteStoreOptions {
  /** The database file (created when missing), or `':memory:'`. */
  path: string;
  /**
   * How long a write waits for another connection's lock before failing, in ms.
   * @default 5000
   */
  busyTimeoutMs?: number;
  /**
   * How often the WAL is checkpointed into the database file, in ms, on a thread of its own so
   * that the copy and its `fsync` never stall this process's event loop. `0`: SQLite's automatic
   * checkpoint instead, which runs inside the commit that fills the log past 1,000 pages, on the
   * thread that commits. Ignored for `':memory:'`.
   * @default 1000
   */
  checkpointIntervalMs?: number;
}

/** A scheduler-wide claim's rows: those of its provider (the statement's parameter) or of none. */
const PROVIDER_FILTER = '(provider IS NULL OR provider = ?)';

const optionsSchema = strictObject({
  path: z.string().min(1, 'a file path, or ":memory:"'),
  busyTimeoutMs: z.number().int().min(0).max(MAX_TIMER_MS).optional(),
  checkpointIntervalMs: z.number().int().min(0).max(MAX_TIMER_MS).optional(),
});

/**
 * A store in one SQLite file through `node:sqlite` (no native build): WAL journal, migrations on
 * open, claims in one `BEGIN IMMEDIATE` transaction, so several processes may share the file and
 * never claim the same call. `updateMany` writes a batch of rows (and their call records) in one
 * transaction, shared by the batches asked for before the next microtask checkpoint. Survives
 * restarts.
 *
 * Durability: the file runs in WAL mode with `synchronous = NORMAL`. A commit is written to the
 * log before it returns, so whatever was committed (a call's `placingAt` mark, written before its
 * request leaves) survives the process being killed at any moment; only a power loss or an
 * operating-system crash may take back the last commits (never corrupting the file), as SQLite
 * documents for this mode. `FULL` would add an `fsync` to every commit. The log is checkpointed
 * into the file every `checkpointIntervalMs` by a thread of the store's own, with its own
 * connection (`PRAGMA wal_checkpoint(PASSIVE)`, which blocks no reader or writer), so no commit
 * of this process ever waits for the copy and its `fsync`. Should that thread end, SQLite's
 * automatic checkpoint is turned back on.
 *
 * @example
 * const store = createSqliteStore({ path: './.data/ringkit.db' });
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw invalidOptions('createSqliteStore', parsed.error.issues);
  // The file's folder is created when missing (`./.data/calls.db` works in a fresh project).
  if (options.path !== ':memory:' && !options.path.startsWith('file:')) {
    mkdirSync(dirname(resolve(options.path)), { recursive: true });
  }
  const db = new DatabaseSync(options.path);
  db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
  if (options.path !== ':memory:') db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  migrate(db);
  const checkpointIntervalMs = options.checkpointIntervalMs ?? 1000;
  let checkpointer: Checkpointer | null = null;
  if (options.path !== ':memory:' && checkpointIntervalMs > 0) {
    db.exec('PRAGMA wal_autocheckpoint = 0');
    // The thread shares the process's working folder, but a later `chdir` must not move it.
    const file = options.path.startsWith('file:') ? options.path : resolve(options.path);
    checkpointer = startCheckpointer({ path: file, intervalMs: checkpointIntervalMs });
    const own = checkpointer;
    own.ended.then(
      () => {
        // The thread is gone without being closed: SQLite checkpoints in the commits again.
        if (open && checkpointer === own) db.exec('PRAGMA wal_autocheckpoint = 1000');
      },
      () => {},
    );
  }

  const statements = new Map<string, StatementSync>();
  const prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  // Prepared once: `exec` would parse them again for every transaction.
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  /** Runs `fn` in one `BEGIN IMMEDIATE` transaction: one commit, or nothing on an error. */
  const transaction = <T>(fn: () => T): T => {
    begin.run();
    try {
      const result = fn();
      commit.run();
      return result;
    } catch (error) {
      try {
        rollback.run();
      } catch {
        // SQLite ended the transaction itself: the error that did it is the one to report.
      }
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
  /** `UPDATE` statements by the fields they set, built once each. */
  const updates = new Map<string, { fields: (keyof StoredCall)[]; sql: string }>();
  /**
   * The compare-and-set `UPDATE` of `patch` at `expectedVersion`, the version moved on by
   * `steps`, and its parameters.
   */
  const updateOf = (id: string, expectedVersion: number, patch: StoredCallPatch, steps = 1) => {
    let key = '';
    for (const f in patch) if (patch[f as keyof StoredCallPatch] !== undefined) key += `${f},`;
    let statement = updates.get(key);
    if (!statement) {
      const fields = patchFields(patch);
      const sets = [...fields.map((f) => `${COLUMNS[f]} = ?`), 'version = version + ?'];
      const sql = `UPDATE scheduled_calls SET ${sets.join(', ')} WHERE id = ? AND version = ?`;
      updates.set(key, (statement = { fields, sql }));
    }
    const values = statement.fields.map((f) => toValue(f, patch[f as keyof StoredCallPatch]));
    values.push(steps, id, expectedVersion);
    return { sql: statement.sql, values };
  };
  const suppressionContext = { prepare, transaction, updateOf };
  /** Runs `fn`, turning a unique violation (an idempotency key taken) into a `ConflictError`. */
  const keyChecked = <T>(id: string, fn: () => T): T => {
    try {
      return fn();
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
  };
  const saveRecord = (record: StoredCallRecord) => {
    prepare(SAVE_RECORD).run(
      ...recordValues(record).map((value) => (typeof value === 'boolean' ? Number(value) : value)),
    );
  };

  /**
   * Claims `ids` (a claim of `claimDue`'s kind), inside the caller's transaction, and hands them
   * back in the order given: those not sent yet whose number is suppressed end `suppressed`
   * instead (see `Store`), the rest are leased.
   */
  const claimIds = (ids: string[], now: number, workerId: string, leaseUntil: number) => {
    if (ids.length === 0) return [];
    const byId = endSuppressed(suppressionContext, ids, now);
    const leased = byId.size === 0 ? ids : ids.filter((id) => !byId.has(id));
    const rows = (
      prepare(
        `UPDATE scheduled_calls SET status = ${CLAIMED_STATUS}, lease_owner = ?, lease_until = ?, updated_at = ?, version = version + 1 WHERE id IN (SELECT value FROM json_each(?)) RETURNING ${SELECTED}`,
      ).all(workerId, leaseUntil, now, JSON.stringify(leased)) as Row[]
    ).map(fromRow);
    for (const row of rows) byId.set(row.id, row);
    return ids.map((id) => byId.get(id)!);
  };
  /**
   * Marks the rows among the first `count` of `rows`, just claimed in this transaction, that were
   * leased afresh (`queued` now, never marked before; a row ended `suppressed` is neither):
   * `placingMark` at `now`, with the claim's version. The rows as they are now, and which it marked.
   */
  const markFresh = (rows: StoredCall[], now: number, count: number): MarkedClaim => {
    const marked: boolean[] = [];
    const calls = rows.map((row, i) => {
      const marks = i < count && row.status === 'queued' && row.placingAt === null;
      marked.push(marks);
      if (!marks) return row;
      const patch = placingMark(row, now);
      const { sql, values } = updateOf(row.id, row.version, patch, 0);
      prepare(sql).run(...values);
      return { ...row, ...patch };
    });
    return { calls, marked };
  };
  /** The ids of up to `limit` due rows (of `provider` or none, when given), earliest first. */
  const dueIds = (now: number, limit: number, provider: string | undefined) =>
    (provider === undefined
      ? (prepare(
          'SELECT id FROM scheduled_calls WHERE wake_at <= ? ORDER BY wake_at, id LIMIT ?',
        ).all(now, limit) as { id: string }[])
      : (prepare(
          `SELECT id FROM scheduled_calls WHERE wake_at <= ? AND ${PROVIDER_FILTER}
            ORDER BY wake_at, id LIMIT ?`,
        ).all(now, provider, limit) as { id: string }[])
    ).map((r) => r.id);
  const budgets = sqliteBudgets(prepare);
  let open = true;

  /** One `updateMany` batch: its compare-and-sets, each with its call record when it applies. */
  const applyBatch = (updates: StoredCallUpdate[]) =>
    updates.map(({ id, expectedVersion, patch, record, steps }) => {
      const { sql, values } = updateOf(id, expectedVersion, patch, steps);
      const applied = Number(keyChecked(id, () => prepare(sql).run(...values)).changes) > 0;
      if (applied && record) saveRecord(record);
      return applied;
    });
  const writer = createBatchWriter({
    db,
    transaction,
    applyBatch,
    isOpen: () => open,
  });

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

    async findByProviderCallId(provider, providerCallId) {
      const row = prepare(
        `${SELECT} WHERE provider_call_id = ? AND (provider = ? OR provider IS NULL)
          ORDER BY provider IS NULL LIMIT 1`,
      ).get(providerCallId, provider) as Row | undefined;
      return row ? fromRow(row) : null;
    },

    async update(id, expectedVersion, patch: StoredCallPatch, steps = 1) {
      const { sql, values } = updateOf(id, expectedVersion, patch, steps);
      const row = keyChecked(
        id,
        () => prepare(`${sql} RETURNING ${SELECTED}`).get(...values) as Row | undefined,
      );
      if (row) return fromRow(row);
      const current = getRow(id);
      if (!current) throw new CallNotFoundError(id);
      throw versionConflict(id, current.status, current.version, expectedVersion);
    },

    async updateMany(updates) {
      if (updates.length === 0) return [];
      return writer.write(updates);
    },

    async claimDue(now, limit, workerId, leaseUntil, provider) {
      if (limit <= 0) return [];
      // RETURNING has no order: the rows are handed out in the order they were due.
      return transaction(() => claimIds(dueIds(now, limit, provider), now, workerId, leaseUntil));
    },

    async claimDueMarked(now, limit, workerId, leaseUntil, mark, provider) {
      if (limit <= 0) return { calls: [], marked: [] };
      return transaction(() =>
        markFresh(claimIds(dueIds(now, limit, provider), now, workerId, leaseUntil), now, mark),
      );
    },

    async claimDueBudgeted(now, limit, workerId, leaseUntil, budget, provider) {
      return transaction(() => {
        const turn = budgets.turn(now, limit, budget);
        const calls =
          turn.most > 0
            ? claimIds(dueIds(now, turn.most, provider), now, workerId, leaseUntil)
            : [];
        const sends = (c: StoredCall) => c.status === 'queued' && c.placingAt === null;
        const { slots, sent } = slotsFrom(calls, sends, turn.start, budget.intervalMs);
        return { calls, slots, nextSlotAt: budgets.settle(turn, sent, now, limit, budget) };
      });
    },

    async reserveSendSlot(now, budget) {
      return transaction(() => budgets.reserve(now, budget));
    },

    async countByStatus(statuses) {
      if (statuses.length === 0) return {};
      const rows = prepare(countByStatusQuery(statuses.length)).all(...statuses) as Array<{
        status: string;
        n: number;
      }>;
      return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
    },

    async nextDueAt(provider) {
      const row = (
        provider === undefined
          ? prepare(
              'SELECT MIN(wake_at) AS next FROM scheduled_calls WHERE wake_at IS NOT NULL',
            ).get()
          : prepare(
              `SELECT wake_at AS next FROM scheduled_calls WHERE wake_at IS NOT NULL
                AND ${PROVIDER_FILTER} ORDER BY wake_at LIMIT 1`,
            ).get(provider)
      ) as { next: number | null } | undefined;
      return row?.next ?? null;
    },

    async list(query) {
      const { sql, params } = listQuery({
        after: readCursor(query.cursor),
        statuses: query.status === undefined ? undefined : [query.status].flat(),
        to: query.to,
        campaign: query.campaign ?? null,
        limit: query.limit,
      });
      const rows = (prepare(sql).all(...params) as Row[]).map(fromRow);
      return callPage(rows, query.limit);
    },

    async saveCallRecord(record) {
      saveRecord(record);
    },

    async mergeCallRecord(record, merge) {
      // BEGIN IMMEDIATE takes the file's write lock before the read: no other connection, in
      // this process or another, writes between the read and the write.
      return transaction(() => {
        const row = prepare(GET_RECORD).get(record.id) as Row | undefined;
        const next = fullRecord(row ? merge(recordFromRow(row, SQLITE_READING), record) : record);
        saveRecord(next);
        return next;
      });
    },

    async listHistory(phone, query) {
      const before = readCursor(query.cursor);
      const side = [phone, ...(before ?? []), query.limit + 1];
      const rows = (
        prepare(historyQuery(before !== null)).all(...side, ...side, query.limit + 1) as Row[]
      ).map((row) => recordFromRow(row, SQLITE_READING));
      return historyPage(rows, query.limit);
    },

    async deleteFinished(before, limit) {
      return Number(transaction(() => prepare(DELETE_FINISHED).run(before, limit)).changes);
    },

    async deleteCallRecords(before, limit) {
      return Number(transaction(() => prepare(DELETE_RECORDS).run(before, limit)).changes);
    },

    async acquireLease(name, workerId, now, until) {
      return prepare(ACQUIRE_LEASE).get(name, workerId, until, now) !== undefined;
    },

    ...sqliteCampaignMethods({ prepare, transaction, insertRow, claimIds, budgets, markFresh }),

    ...sqliteSuppressionMethods(suppressionContext),

    async close() {
      if (!open) return;
      // Batches still waiting for their turn are written before the file closes.
      writer.flush();
      open = false;
      const thread = checkpointer;
      checkpointer = null;
      await thread?.close();
      statements.clear();
      db.close();
    },
  };
}
