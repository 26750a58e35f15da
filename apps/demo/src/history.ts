import {
  encodeCursor,
  type HistoryEntry,
  type Page,
  type Scheduler,
} from '@ringkit/scheduler-core';

/** Newest first, ties by id descending: the order of every store's history. */
const newerFirst = (a: HistoryEntry, b: HistoryEntry) =>
  b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/**
 * One history over several stores (the scheduler's calls and the campaigns' calls are kept
 * apart): each is read from the same cursor and the pages merged. A cursor is a position in
 * the order every store shares (`startedAt`, then id), not a store's own offset, so the
 * position of the last entry shown is where every store goes on from.
 */
export function mergedHistory(sources: readonly Pick<Scheduler, 'history'>[]) {
  return async (
    phone: string,
    query: { cursor: string | null; limit: number },
  ): Promise<Page<HistoryEntry>> => {
    const pages = await Promise.all(sources.map((source) => source.history(phone, query)));
    const items = pages.flatMap((page) => page.items).sort(newerFirst);
    const shown = items.slice(0, query.limit);
    const more = items.length > query.limit || pages.some((page) => page.nextCursor !== null);
    const last = shown.at(-1);
    return {
      items: shown,
      nextCursor: more && last ? encodeCursor(last.createdAt.getTime(), last.id) : null,
    };
  };
}
