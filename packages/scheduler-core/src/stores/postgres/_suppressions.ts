import type { Store, StoredSuppression } from '../../store.js';
import type { MethodsContext } from './_connection.js';

type SuppressionMethods = Required<
  Pick<
    Store,
    'suppress' | 'unsuppress' | 'getSuppression' | 'listSuppressions' | 'pruneSuppressions'
  >
>;

/**
 * The claims' side of the do-not-call list, in SQL: the `SET` list of an `UPDATE … FROM` whose
 * source carries `sup` (the row's entry when it suppresses the row at `now`: joined on
 * `suppressionJoin`, else NULLs). A suppressed row ends as `suppressedPatch` ends it (the
 * store contract checks both agree); any other gets `claimed` (the status, lease and time),
 * and, when `mark` holds and it had no `placingAt`, the mark of `placingMark` at `now`.
 */
export function suppressedOrClaimed(
  now: string,
  owner: string,
  until: string,
  status: string,
  mark = 'false',
) {
  const hit = 'sup.phone IS NOT NULL';
  const step = `jsonb_build_object('status', 'suppressed', 'at', ${now}::bigint,
      'attempt', c.attempt, 'reason', 'suppressed', 'note', sup.reason)`;
  const first = `jsonb_build_array(jsonb_build_object('status', 'scheduled', 'at', c.created_at,
      'attempt', 1))`;
  // `placingMark` at `now`, when `mark` (an SQL boolean) is true and the row had none.
  const marks = `(${mark}) AND c.placing_at IS NULL`;
  const markStep = `jsonb_build_object('status', 'queued', 'at', ${now}::bigint,
      'attempt', c.attempt)`;
  return `status = CASE WHEN ${hit} THEN 'suppressed' ELSE ${status} END,
            reason = CASE WHEN ${hit} THEN 'suppressed' ELSE c.reason END,
            lease_owner = CASE WHEN ${hit} THEN NULL ELSE ${owner}::text END,
            lease_until = CASE WHEN ${hit} THEN NULL ELSE ${until}::bigint END,
            events = CASE WHEN ${hit}
              THEN COALESCE(c.events, ${first}) || jsonb_build_array(${step})
              WHEN ${marks} THEN COALESCE(c.events, ${first}) || jsonb_build_array(${markStep})
              ELSE c.events END,
            placing_at = CASE WHEN NOT ${hit} AND ${marks} THEN ${now}::bigint
              ELSE c.placing_at END,
            updated_at = ${now}, version = c.version + 1`;
}

/**
 * The join that finds a claimed row's entry on schema `s`'s list: `src` carries the row's
 * `to_phone`, `status` and `placing_at` as read by the claim's locking select. Only a row not
 * sent yet is suppressed.
 */
export function suppressionJoin(s: string, src: string, now: string) {
  return `LEFT JOIN ${s}.suppressions AS sup ON sup.phone = ${src}.to_phone
          AND (${src}.status = 'scheduled' OR (${src}.status = 'queued' AND ${src}.placing_at IS NULL))
          AND (sup.until_at IS NULL OR sup.until_at > ${now}::bigint)`;
}

/** The statements of the do-not-call list on schema `s` (migration 10). */
export function suppressionStatementsFor(s: string) {
  const columns = 'phone, reason, created_at, until_at';
  return {
    upsert: `INSERT INTO ${s}.suppressions (${columns})
      SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[])
      ON CONFLICT (phone) DO UPDATE SET reason = excluded.reason,
        created_at = excluded.created_at, until_at = excluded.until_at`,
    delete: `DELETE FROM ${s}.suppressions WHERE phone = $1`,
    get: `SELECT ${columns} FROM ${s}.suppressions WHERE phone = $1`,
    first: `SELECT ${columns} FROM ${s}.suppressions ORDER BY phone LIMIT $1`,
    page: `SELECT ${columns} FROM ${s}.suppressions WHERE phone > $2 ORDER BY phone LIMIT $1`,
    prune: `WITH gone AS (DELETE FROM ${s}.suppressions WHERE phone IN (
        SELECT phone FROM ${s}.suppressions WHERE until_at <= $1 LIMIT $2) RETURNING 1)
      SELECT count(*)::int AS n FROM gone`,
  };
}

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
    async getSuppression(phone) {
      const [row] = await run(() => query(sql.get, [phone]));
      return row ? fromRow(row) : null;
    },
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
