import { createBatches } from '@ringkit/internal';
import { callPage, readCursor } from '../_page.js';
import type { Store, StoredCall } from '../../store.js';
import { SCHEDULED_CALL_STATUSES } from '../../types.js';
import type { MethodsContext } from './_connection.js';
import { callFromRow, listStatement, unmatchable } from './_sql.js';

/** The row of call `id`, or `null` (one statement, no retry). */
export async function callById(
  { db, sql }: Pick<MethodsContext, 'db' | 'sql'>,
  id: string,
): Promise<StoredCall | null> {
  if (unmatchable(id)) return null;
  const [row] = await db.query(sql.get, [id]);
  return row ? callFromRow(row) : null;
}

type CallReads = Required<
  Pick<Store, 'get' | 'findByIdempotencyKey' | 'findByProviderCallId' | 'countByStatus' | 'list'>
>;

/** The reads of calls of `createPostgresStore`: by id, by key, by provider id, counts and pages. */
export function postgresCallReads(ctx: Pick<MethodsContext, 'db' | 'sql'>): CallReads {
  const { db, sql } = ctx;
  const { query, run } = db;
  /**
   * The calls looked up together (a status's row read again by each of a process's engines, the
   * rows each campaign's copy re-reads on its beat) in one statement: a read asked after a write
   * committed is sent after it, so it sees it (`createBatches`).
   */
  const reads = createBatches<string, StoredCall | null>(async (ids) => {
    if (ids.length === 1) return [await run(() => callById(ctx, ids[0]!))];
    const rows = await run(() => query(sql.byIds, [[...new Set(ids)]]));
    const found = new Map(rows.map((row) => [row.id as string, row]));
    // Each ask its own object, where two asked for one call.
    return ids.map((id) => {
      const row = found.get(id);
      return row ? callFromRow(row) : null;
    });
  });
  /** The provider ids looked up together (statuses of calls another process placed). */
  const byProvider = createBatches<readonly [string, string], StoredCall | null>(async (asks) => {
    if (asks.length === 1) {
      return [
        await run(async () => {
          const [row] = await query(sql.byProviderCallId, [...asks[0]!]);
          return row ? callFromRow(row) : null;
        }),
      ];
    }
    const rows = await run(() =>
      query(sql.byProviderCallIds, [asks.map((a) => a[0]), asks.map((a) => a[1])]),
    );
    const found = new Map(rows.map((row) => [Number(row.ask), row]));
    return asks.map((_, i) => {
      const row = found.get(i + 1);
      return row ? callFromRow(row) : null;
    });
  });
  return {
    async get(id) {
      if (unmatchable(id)) return null;
      return reads.ask(id);
    },

    async findByIdempotencyKey(key) {
      if (unmatchable(key)) return null;
      return run(async () => {
        const [row] = await query(sql.byKey, [key]);
        return row ? callFromRow(row) : null;
      });
    },

    async findByProviderCallId(provider, providerCallId) {
      if (unmatchable(providerCallId) || unmatchable(provider)) return null;
      return byProvider.ask([provider, providerCallId]);
    },

    async countByStatus(statuses) {
      const rows = await run(() =>
        query<{ status: string; n: number }>(sql.countByStatus, [[...statuses]]),
      );
      return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
    },

    async list(q) {
      const after = readCursor(q.cursor);
      const campaign = q.campaign ?? null;
      // A page is read status by status (see `listStatement`): all of them if none, unless
      // the number's own index serves.
      const statuses =
        q.status !== undefined
          ? [...new Set([q.status].flat())]
          : q.to === undefined
            ? [...SCHEDULED_CALL_STATUSES]
            : null;
      const params: unknown[] = [q.limit + 1];
      if (after) params.push(after[0], after[1]);
      if (q.to !== undefined) params.push(q.to);
      if (campaign !== null) params.push(campaign);
      if (statuses) params.push(statuses);
      const text = listStatement(sql.calls, {
        after: after !== null,
        to: q.to !== undefined,
        statuses: statuses !== null,
        campaign: campaign !== null,
      });
      const rows = (await run(() => query(text, params))).map(callFromRow);
      return callPage(rows, q.limit);
    },
  };
}
