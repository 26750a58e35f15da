import { ValidationError } from '../errors.js';
import {
  decodeCursor,
  encodeCursor,
  type StorePage,
  type StoredCall,
  type StoredCallRecord,
} from '../store.js';

/**
 * Cursor pagination, as every store does it: a cursor is the `[time, id]` position of the last
 * item of a page (`createdAt` for calls, `startedAt` for history), and a page is read with one
 * more row than asked for, which tells whether a next page exists.
 */

/** The position a cursor stands for; `null` without one. @throws ValidationError for a bad one. */
export function readCursor(cursor: string | null | undefined): [number, string] | null {
  const position = decodeCursor(cursor);
  if (cursor && !position) {
    throw new ValidationError('cursor', [
      { code: 'custom', path: ['cursor'], message: 'unknown cursor' },
    ]);
  }
  return position;
}

/** The page of calls out of up to `limit + 1` rows, in `createdAt, id` order. */
export const callPage = (rows: StoredCall[], limit: number): StorePage<StoredCall> =>
  pageOf(rows, limit, (row) => encodeCursor(row.createdAt, row.id));

/** The page of history out of up to `limit + 1` records, newest first. */
export const historyPage = (rows: StoredCallRecord[], limit: number): StorePage<StoredCallRecord> =>
  pageOf(rows, limit, (row) => encodeCursor(row.startedAt, row.id));

function pageOf<T>(rows: T[], limit: number, cursorOf: (row: T) => string): StorePage<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
