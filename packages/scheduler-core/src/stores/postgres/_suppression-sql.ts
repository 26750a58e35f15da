/** The do-not-call list in SQL: the claims' side of it, and the list's own statements. */

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
    /** The entries of the numbers `$1` (a text array): the reads asked together, in one. */
    getMany: `SELECT ${columns} FROM ${s}.suppressions WHERE phone = ANY($1::text[])`,
    first: `SELECT ${columns} FROM ${s}.suppressions ORDER BY phone LIMIT $1`,
    page: `SELECT ${columns} FROM ${s}.suppressions WHERE phone > $2 ORDER BY phone LIMIT $1`,
    prune: `WITH gone AS (DELETE FROM ${s}.suppressions WHERE phone IN (
        SELECT phone FROM ${s}.suppressions WHERE until_at <= $1 LIMIT $2) RETURNING 1)
      SELECT count(*)::int AS n FROM gone`,
  };
}
