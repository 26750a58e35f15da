/**
 * The call log (`Store.listCallLog`) as every built-in store reads it: the filter as a predicate
 * (the memory store) and as one SQL statement (SQLite and PostgreSQL, which differ only in how
 * they write a parameter).
 */
import type { CallLogQuery, StoredCallRecord } from '../store.js';
import { RECORD_COLUMNS } from './_columns.js';

/** Whether `query` asks for a number's history and nothing else: the read of a number's page. */
export function historyOnly(query: CallLogQuery): query is CallLogQuery & { phone: string } {
  return (
    query.phone !== undefined &&
    query.direction === undefined &&
    query.statuses === undefined &&
    query.since === undefined &&
    query.until === undefined &&
    query.campaign === undefined
  );
}

/** Whether `record` passes every filter of `query` (the cursor aside). */
export function matchesCallLog(record: StoredCallRecord, query: CallLogQuery): boolean {
  if (query.direction !== undefined && record.direction !== query.direction) return false;
  if (query.statuses !== undefined && !query.statuses.includes(record.status)) return false;
  if (query.since !== undefined && record.startedAt < query.since) return false;
  if (query.until !== undefined && record.startedAt >= query.until) return false;
  if (query.phone !== undefined && record.from !== query.phone && record.to !== query.phone) {
    return false;
  }
  if (query.campaign !== undefined && (record.campaign ?? null) !== query.campaign) return false;
  return true;
}

/**
 * The statement of a page of the log: the records after `before` (`[startedAt, id]` of the last
 * one of the previous page) that pass the filters, newest first, `limit + 1` of them (one more
 * tells whether a next page exists), read in `startedAt` order, with a campaign through its
 * index, or, with a number, through its two indexes. `param(n)` writes the n-th parameter (`?n` or `$n`): a parameter used twice is
 * written twice.
 */
export function callLogStatement(
  table: string,
  query: CallLogQuery,
  before: readonly [number, string] | null,
  param: (n: number) => string,
): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const next = (value: unknown) => {
    values.push(value);
    return param(values.length);
  };
  const where: string[] = [];
  if (before) where.push(`(started_at, id) < (${next(before[0])}, ${next(before[1])})`);
  if (query.direction !== undefined) where.push(`direction = ${next(query.direction)}`);
  if (query.statuses !== undefined) {
    where.push(
      query.statuses.length === 0
        ? 'FALSE'
        : `status IN (${query.statuses.map((status) => next(status)).join(', ')})`,
    );
  }
  if (query.since !== undefined) where.push(`started_at >= ${next(query.since)}`);
  if (query.until !== undefined) where.push(`started_at < ${next(query.until)}`);
  if (query.campaign !== undefined) where.push(`campaign_id = ${next(query.campaign)}`);
  const order = 'ORDER BY started_at DESC, id DESC';
  const limit = next(query.limit + 1);
  const select = (conditions: string[]) =>
    `SELECT ${RECORD_COLUMNS} FROM ${table}
      ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''} ${order} LIMIT ${limit}`;
  if (query.phone === undefined) return { text: select(where), values };
  // A number's records through its two indexes, each side's newest
  // first, merged: the log of one number never reads the others'.
  const phone = next(query.phone);
  const side = (column: string, alias: string) =>
    `SELECT * FROM (${select([`${column} = ${phone}`, ...where])}) AS ${alias}`;
  const text = `SELECT * FROM (${side('from_phone', 'f')} UNION ${side('to_phone', 't')}) AS r
    ${order} LIMIT ${limit}`;
  return { text, values };
}
