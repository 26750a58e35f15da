import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { ConflictError } from '../../errors.js';
import { patchFields, recordValues } from '../_columns.js';
import type { StoredCall, StoredCallPatch, StoredCallRecord } from '../../store.js';
import {
  COLUMNS,
  FIELDS,
  fromRow,
  isUniqueViolation,
  SAVE_RECORD,
  SELECT,
  toValue,
  type Row,
} from './_sql.js';

/**
 * What every part of the SQLite store shares on its one connection: statements prepared once,
 * `BEGIN IMMEDIATE` transactions, a row's insert and read, the compare-and-set `UPDATE` of a
 * patch, and a call record's write.
 */
export function sqliteCore(db: DatabaseSync) {
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

  return {
    prepare,
    transaction,
    insertRow,
    getRow,
    updateOf,
    keyChecked,
    saveRecord,
    suppressionContext,
    /** Forgets the prepared statements (the connection closes). */
    clear: () => statements.clear(),
  };
}

export type SqliteCore = ReturnType<typeof sqliteCore>;
