import { createBatches } from '@ringkit/internal';
import type { Store, StoredSuppression } from '../../store.js';
import type { MethodsContext } from './_connection.js';
import type { suppressionStatementsFor } from './_suppression-sql.js';

type SuppressionMethods = Required<
  Pick<
    Store,
    'suppress' | 'unsuppress' | 'getSuppression' | 'listSuppressions' | 'pruneSuppressions'
  >
>;

const fromRow = (row: Record<string, unknown>): StoredSuppression => ({
  phone: row.phone as string,
  reason: row.reason as string,
  createdAt: Number(row.created_at),
  until: row.until_at === null ? null : Number(row.until_at),
});

/** Entries per statement: one `unnest` of arrays each. */
const CHUNK = 10_000;

/** The do-not-call list of `createPostgresStore`. */
export function postgresSuppressions(
  ctx: Pick<MethodsContext, 'db'> & { statements: ReturnType<typeof suppressionStatementsFor> },
): SuppressionMethods {
  const { db, statements: sql } = ctx;
  const { query, run } = db;
  /**
   * The numbers looked up together (the last checks of placements made in one turn, or while a
   * read was on its way) in one statement: a read asked after a listing committed is sent after
   * it, so it sees it (`createBatches`).
   */
  const reads = createBatches<string, StoredSuppression | null>(async (phones) => {
    const rows = await run(() => query(sql.getMany, [[...new Set(phones)]]));
    const found = new Map(rows.map((row) => [row.phone as string, fromRow(row)]));
    // Each ask its own copy, where two asked for one number.
    return phones.map((phone) => {
      const entry = found.get(phone);
      return entry ? { ...entry } : null;
    });
  });
  return {
    async suppress(entries) {
      for (let from = 0; from < entries.length; from += CHUNK) {
        // One entry per number in a statement (ON CONFLICT may not touch a row twice): the last.
        const chunk = [
          ...new Map(entries.slice(from, from + CHUNK).map((e) => [e.phone, e])).values(),
        ];
        const values = [
          chunk.map((e) => e.phone),
          chunk.map((e) => e.reason),
          chunk.map((e) => e.createdAt),
          chunk.map((e) => e.until),
        ];
        // An upsert: running it again after a lost answer changes nothing.
        await run(() => query(sql.upsert, values));
      }
    },
    async unsuppress(phone) {
      const rows = await run(() => query(`${sql.delete} RETURNING phone`, [phone]));
      return rows.length > 0;
    },
    getSuppression: (phone) => reads.ask(phone),
    async listSuppressions({ afterPhone, limit }) {
      const rows = await run(() =>
        afterPhone == null
          ? query(sql.first, [Math.max(0, limit)])
          : query(sql.page, [Math.max(0, limit), afterPhone]),
      );
      return rows.map(fromRow);
    },
    async pruneSuppressions(before, limit) {
      const [row] = await run(() => query<{ n: number }>(sql.prune, [before, limit]));
      return Number(row!.n);
    },
  };
}
