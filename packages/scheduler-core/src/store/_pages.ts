/** Reading a store page by page: the query of `list`, a page, and the cursor between pages. */
import type { ScheduledCallStatus } from '../types.js';

/** What `Store.list` takes. */
export interface StoreListQuery {
  /**
   * Only the rows of this campaign. Without it (or `null`) only rows outside every campaign:
   * the scheduler's own calls.
   */
  campaign?: string | null;
  /** One status or several. */
  status?: ScheduledCallStatus | ScheduledCallStatus[];
  /** Only calls to this number (E.164). */
  to?: string;
  /** From a previous page's `nextCursor`. */
  cursor?: string | null;
  limit: number;
}

/** One page of a store's `list`: its items, and the cursor of the next page. */
export interface StorePage<T> {
  items: T[];
  nextCursor: string | null;
}

/** Encodes a `[time, id]` position as an opaque cursor; for adapter authors. */
export function encodeCursor(time: number, id: string): string {
  return Buffer.from(JSON.stringify([time, id])).toString('base64url');
}

/** Decodes {@link encodeCursor}'s output; `null` for anything else. */
export function decodeCursor(cursor: string | null | undefined): [number, string] | null {
  if (!cursor) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'number' &&
      typeof value[1] === 'string'
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // fall through
  }
  return null;
}
