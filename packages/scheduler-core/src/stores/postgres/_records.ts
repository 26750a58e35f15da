import { callLogStatement } from '../_call-log.js';
import { historyPage, readCursor } from '../_page.js';
import { recordFromRow, recordValues } from '../_columns.js';
import type { Store } from '../../store.js';
import type { MethodsContext } from './_connection.js';
import { PG_READING } from './_sql.js';

type Records = Required<
  Pick<
    Store,
    | 'saveCallRecord'
    | 'mergeCallRecord'
    | 'listCallLog'
    | 'deleteFinished'
    | 'deleteCallRecords'
    | 'acquireLease'
  >
>;

/**
 * The call records of `createPostgresStore` (saved, merged under a row lock, read as a number's
 * history) and its retention: finished calls and old records deleted in batches, under a named
 * lease.
 */
export function postgresRecords(ctx: Pick<MethodsContext, 'db' | 'sql'>): Records {
  const { db, sql } = ctx;
  const { query, run, transaction } = db;
  return {
    async saveCallRecord(record) {
      await run(() => query(sql.saveRecord, [...recordValues(record)]));
    },

    async mergeCallRecord(record, merge) {
      // One transaction: the stored record is locked (FOR UPDATE) from its read to the write of
      // the merge, so the writes of one id from every worker queue up, each merging into the
      // last. A retry after a lost answer merges again, which changes nothing (see `merge`).
      return run(() =>
        transaction(async (client) => {
          for (;;) {
            const [stored] = await query(sql.lockRecord, [record.id], client);
            if (stored) {
              const next = merge(recordFromRow(stored, PG_READING), record);
              const values = recordValues({ ...next, id: record.id });
              const [saved] = await query(sql.updateRecord, [...values], client);
              return recordFromRow(saved!, PG_READING);
            }
            // None yet: insert it, unless a transaction of another worker did meanwhile (this
            // one waits for it to end); then lock and merge into that one.
            const [inserted] = await query(sql.insertRecord, [...recordValues(record)], client);
            if (inserted) return recordFromRow(inserted, PG_READING);
          }
        }),
      );
    },

    async listCallLog(q) {
      const before = readCursor(q.cursor);
      const { text, values } = callLogStatement(sql.records, q, before, (n) => `$${n}`);
      const rows = (await run(() => query(text, values))).map((row) =>
        recordFromRow(row, PG_READING),
      );
      return historyPage(rows, q.limit);
    },

    async deleteFinished(before, limit) {
      const [row] = await run(() => query<{ n: number }>(sql.deleteFinished, [before, limit]));
      return Number(row!.n);
    },

    async deleteCallRecords(before, limit) {
      const [row] = await run(() => query<{ n: number }>(sql.deleteRecords, [before, limit]));
      return Number(row!.n);
    },

    async acquireLease(name, workerId, now, until) {
      const rows = await run(() => query(sql.acquireLease, [name, workerId, until, now]));
      return rows.length > 0;
    },
  };
}
