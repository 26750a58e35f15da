import { CallNotFoundError, versionConflict } from '../../errors.js';
import type { SQLInputValue } from 'node:sqlite';
import { callLogStatement } from '../_call-log.js';
import { recordFromRow } from '../_columns.js';
import { callPage, historyPage, readCursor } from '../_page.js';
import { fullRecord, type Store, type StoredCallPatch } from '../../store.js';
import type { SqliteCore } from './_core.js';
import {
  ACQUIRE_LEASE,
  countByStatusQuery,
  DELETE_FINISHED,
  DELETE_RECORDS,
  fromRow,
  GET_RECORD,
  listQuery,
  SQLITE_READING,
  SELECT,
  SELECTED,
  type Row,
} from './_sql.js';

/** The calls' and the call records' reads and writes, one statement (or transaction) each. */
export function sqliteCallMethods(core: SqliteCore) {
  const { prepare, transaction, insertRow, getRow, updateOf, keyChecked, saveRecord } = core;
  return {
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

    async countByStatus(statuses) {
      if (statuses.length === 0) return {};
      const rows = prepare(countByStatusQuery(statuses.length)).all(...statuses) as Array<{
        status: string;
        n: number;
      }>;
      return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
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

    async listCallLog(query) {
      const before = readCursor(query.cursor);
      const { text, values } = callLogStatement('call_records', query, before, (n) => `?${n}`);
      const rows = (prepare(text).all(...(values as SQLInputValue[])) as Row[]).map((row) =>
        recordFromRow(row, SQLITE_READING),
      );
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
  } satisfies Partial<Store>;
}
