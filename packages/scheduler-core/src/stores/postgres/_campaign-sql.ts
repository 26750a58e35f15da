import type { StoredCampaignPatch } from '../../store.js';
import {
  CALL_COLUMNS,
  CAMPAIGN_COLUMNS,
  CAMPAIGN_PATCH_COLUMNS,
  COLUMNS,
  FIELDS,
} from '../_columns.js';
import { setLocalStatement } from './_retry.js';
import { suppressedOrClaimed, suppressionJoin } from './_suppression-sql.js';

/** Whether entry `e`'s number is on the list of schema `s` at `now`. */
const activeSuppression = (s: string, now: string) =>
  `SELECT 1 FROM ${s}.suppressions AS sup WHERE sup.phone = e.to_phone
            AND (sup.until_at IS NULL OR sup.until_at > ${now}::bigint)`;

/** The status a claim gives a row it adopts (see `claimedStatus`). */
const CLAIMED = `CASE WHEN c.status IN ('initiated', 'ringing', 'answered') THEN c.status
              ELSE 'queued' END`;

/** The statuses of a campaign row that takes a place under its cap (with the held ones). */
const TAKING = `'queued', 'initiated', 'ringing', 'answered'`;

/**
 * The pages of a campaign's rows, of one campaign or of several in one statement: `calls` the
 * quoted table, `select` its read, `returning` its columns as `c.<column>`.
 */
function campaignPageStatementsFor(calls: string, select: string, returning: string) {
  return {
    /** A page of every status after position `$2`. */
    calls: `${select} WHERE campaign_id = $1 AND position > $2 ORDER BY position LIMIT $3`,
    /**
     * A page of some statuses (`$4`) after position `$2`: each status's page through the status
     * index (`status, campaign_id, position`), in list order, merged. Each page is the range of
     * that index between (status, campaign, `$2`) and (status, campaign, the largest position),
     * written as two row comparisons, which only that index can take. With `status = …` and
     * `campaign_id = $1` the planner could take the list's own index instead and filter it by
     * status; its statistics, often taken while every entry was `scheduled`, tell it that the
     * filter keeps every row, so a page of a status few entries have read the whole list.
     */
    callsByStatus: `SELECT page.* FROM unnest($4::text[]) AS w(status)
      CROSS JOIN LATERAL (SELECT ${returning} FROM ${calls} AS c
        WHERE c.campaign_id IS NOT NULL
          AND (c.status, c.campaign_id, c.position) > (w.status, $1::text, $2::integer)
          AND (c.status, c.campaign_id, c.position) <= (w.status, $1::text, 2147483647)
        ORDER BY c.status, c.campaign_id, c.position LIMIT $3) AS page
      ORDER BY page.position LIMIT $3`,
    /**
     * Pages of {@link calls} of several campaigns in one statement: the `i`-th page is campaign
     * `$1[i]`'s after position `$2[i]`, at most `$3[i]` rows, each row tagged with its `batch_index`
     * (from 1).
     */
    callsMany: `SELECT q.i AS batch_index, page.*
      FROM unnest($1::text[], $2::integer[], $3::integer[]) WITH ORDINALITY AS q(id, after, lim, i)
      CROSS JOIN LATERAL (SELECT ${returning} FROM ${calls} AS c
        WHERE c.campaign_id = q.id AND c.position > q.after
        ORDER BY c.position LIMIT q.lim) AS page
      ORDER BY q.i, page.position`,
    /** Pages of {@link callsByStatus} of several campaigns, as {@link callsMany} (`$4`: statuses). */
    callsByStatusMany: `SELECT q.i AS batch_index, page.*
      FROM unnest($1::text[], $2::integer[], $3::integer[]) WITH ORDINALITY AS q(id, after, lim, i)
      CROSS JOIN LATERAL (SELECT one.* FROM unnest($4::text[]) AS w(status)
        CROSS JOIN LATERAL (SELECT ${returning} FROM ${calls} AS c
          WHERE c.campaign_id IS NOT NULL
            AND (c.status, c.campaign_id, c.position) > (w.status, q.id, q.after)
            AND (c.status, c.campaign_id, c.position) <= (w.status, q.id, 2147483647)
          ORDER BY c.status, c.campaign_id, c.position LIMIT q.lim) AS one
        ORDER BY one.position LIMIT q.lim) AS page
      ORDER BY q.i, page.position`,
  };
}

/**
 * The campaign statements of a store on schema `s` (quoted). Every read of a campaign's rows
 * goes through a partial index of campaign rows (migration 8), the small ones preferred by the
 * planner whatever it knows of the campaign (a large one inserted since the last `ANALYZE`):
 *
 * - `scheduled_calls_campaign_next (campaign_id, position, due_at)` of its `scheduled` rows: the
 *   entries to claim, in list order, the due time checked in the index;
 * - `scheduled_calls_campaign_live (campaign_id, lease_until)` of its rows that take a place
 *   (`queued`, in flight) and `scheduled_calls_campaign_held (campaign_id, placing_at)` of its
 *   unknown outcomes: the places taken, the rows to adopt, the next lease to run out and the
 *   next hold to pass;
 * - `scheduled_calls_campaign_due (campaign_id, due_at)` of its `scheduled` rows: the next due;
 * - `scheduled_calls_campaign_position (campaign_id, position)`, unique: a page of every status;
 * - `scheduled_calls_campaign_status (status, campaign_id, position)`: a page of some statuses
 *   (each status's page, merged), and the counts by status;
 * - `scheduled_calls_campaign_list (campaign_id, status, created_at, id)`: `list` of a campaign
 *   (see `listStatement`).
 */
export function campaignStatementsFor(s: string) {
  const calls = `${s}.scheduled_calls`;
  const campaigns = `${s}.campaigns`;
  const select = `SELECT ${CALL_COLUMNS} FROM ${calls}`;
  const returning = FIELDS.map((f) => `c.${COLUMNS[f]}`).join(', ');
  return {
    insert: `INSERT INTO ${campaigns} (${CAMPAIGN_COLUMNS})
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    get: `SELECT ${CAMPAIGN_COLUMNS} FROM ${campaigns} WHERE id = $1`,
    /** The campaigns named in `$1`, in one statement (`getCampaign` asked together). */
    getMany: `SELECT ${CAMPAIGN_COLUMNS} FROM ${campaigns} WHERE id = ANY($1::text[])`,
    /** Claims of one campaign take turns on its row (held until the claim commits). */
    lock: `SELECT ${CAMPAIGN_COLUMNS} FROM ${campaigns} WHERE id = $1 FOR UPDATE`,
    /** `{archived}`: the filter of `listCampaigns({ archived })` (see `archivedFilter`). */
    list: `SELECT ${CAMPAIGN_COLUMNS} FROM ${campaigns} WHERE true{archived}
      ORDER BY created_at DESC, id DESC LIMIT $1`,
    listAfter: `SELECT ${CAMPAIGN_COLUMNS} FROM ${campaigns} WHERE (created_at, id) < ($2, $3){archived}
      ORDER BY created_at DESC, id DESC LIMIT $1`,
    /** Rows stored for a campaign, to check an unanswered insert's effect. */
    countRows: `SELECT count(*)::int AS n FROM ${calls} WHERE campaign_id = $1`,
    /**
     * Rows a claim of this campaign whose answer was lost took: they carry its very lease
     * (`$2` until `$3`, at `$4`).
     */
    mine: `${select}
      WHERE campaign_id = $1 AND status IN (${TAKING})
        AND lease_owner = $2 AND lease_until = $3 AND updated_at = $4
        AND (status <> 'queued' OR placing_at IS NULL)
      ORDER BY position LIMIT $5`,
    /**
     * The claim, once the campaign's row is locked (a statement of its own before this one, so
     * that this one's snapshot sees every claim of the campaign committed before it). In one
     * statement: the rows whose lease ran out are adopted (up to `$3`), the places taken are
     * counted (live rows, and unknown outcomes placed after `$6`, the end of the hold before
     * now, rounded down), and up to the rest of
     * `$3`, of `$8 - taken` (the concurrency; 0 when not running) and of `$7` (the rows that
     * have a send slot) `scheduled` entries due by `$2` are claimed in list order. With a budget
     * (`$9` true), the campaign's next free slot moves from `$10` by `$11` per row sent. With
     * `$12` true, the entries leased that had no `placingAt` are marked too (`claim_marked`).
     * With `$13` true (a turn of a shared budget), `claim_more` tells whether a due entry not
     * suppressed is left past the ones claimed while the cap and `$3` had room for it: the
     * budget's part, `$7`, held the claim back.
     * Entries on the do-not-call list are claimed too (to end them `suppressed`), only those
     * before the last entry claimed: a bound on `position` the index scan stops at, so a claim
     * never walks the rest of the list. Answers one row at least (`id` null when nothing was
     * claimed), with the places taken before the claim. A claim that marked nothing commits
     * without waiting for the flush (a claim lost in a crash of the server is only claimed
     * again); one that marked commits durably, as a mark must (a mark lost with its call sent
     * would send it again).
     */
    claim: `WITH adopt AS MATERIALIZED (
        SELECT id, lease_until AS old_lease, to_phone, status, placing_at FROM ${calls}
        WHERE campaign_id = $1 AND status IN (${TAKING}) AND lease_until <= $2
        ORDER BY lease_until, id
        LIMIT $3
        FOR UPDATE SKIP LOCKED
      ), taken AS MATERIALIZED (
        SELECT (SELECT count(*) FROM ${calls} WHERE campaign_id = $1 AND status IN (${TAKING}))
          + (SELECT count(*) FROM ${calls}
            WHERE campaign_id = $1 AND status = 'failed' AND reason = 'outcome_unknown'
              AND placing_at > $6) AS n
      ), room AS MATERIALIZED (
        SELECT greatest(0, least($7::bigint, $3::bigint - (SELECT count(*) FROM adopt),
          $8::bigint - n)) AS n FROM taken
      ), live AS MATERIALIZED (
        SELECT id, position, to_phone, status, placing_at FROM ${calls} AS e
        WHERE campaign_id = $1 AND status = 'scheduled' AND due_at <= $2
          AND NOT EXISTS (${activeSuppression(s, '$2')})
        ORDER BY position
        LIMIT (SELECT n FROM room)
        FOR UPDATE SKIP LOCKED
      ), stopped AS MATERIALIZED (
        SELECT id, position, to_phone, status, placing_at FROM ${calls} AS e
        WHERE campaign_id = $1 AND status = 'scheduled' AND due_at <= $2
          AND EXISTS (${activeSuppression(s, '$2')})
          AND (SELECT n FROM room) > 0
          AND position < coalesce((SELECT max(position) FROM live
            HAVING count(*) = (SELECT n FROM room)), 2147483648::bigint)
        ORDER BY position
        LIMIT greatest(0, $3::bigint - (SELECT count(*) FROM adopt) - (SELECT count(*) FROM live))
        FOR UPDATE SKIP LOCKED
      ), more AS MATERIALIZED (
        SELECT $13::boolean
          AND (SELECT least($3::bigint - (SELECT count(*) FROM adopt), $8::bigint - n) FROM taken)
            > (SELECT n FROM room)
          AND EXISTS (
            SELECT 1 FROM ${calls} AS e
            WHERE campaign_id = $1 AND status = 'scheduled' AND due_at <= $2
              AND NOT EXISTS (${activeSuppression(s, '$2')})
            ORDER BY position
            OFFSET (SELECT n FROM room) LIMIT 1
          ) AS more
      ), fresh AS (
        SELECT * FROM live UNION ALL SELECT * FROM stopped
      ), adopted AS (
        UPDATE ${calls} AS c
        SET ${suppressedOrClaimed('$2', '$4', '$5', CLAIMED)}
        FROM adopt ${suppressionJoin(s, 'adopt', '$2')} WHERE c.id = adopt.id
        RETURNING ${returning}, 0 AS claim_kind, adopt.old_lease AS claim_order,
          false AS claim_marked
      ), claimed AS (
        UPDATE ${calls} AS c
        SET ${suppressedOrClaimed('$2', '$4', '$5', `'queued'`, '$12::boolean')}
        FROM fresh ${suppressionJoin(s, 'fresh', '$2')} WHERE c.id = fresh.id
        RETURNING ${returning}, 1 AS claim_kind, fresh.position::bigint AS claim_order,
          ($12::boolean AND fresh.placing_at IS NULL AND c.status = 'queued') AS claim_marked
      ), bumped AS (
        UPDATE ${campaigns}
        SET next_slot_at = $10::float8
              + (SELECT count(*) FROM claimed WHERE placing_at IS NULL AND status = 'queued')
                * $11::float8,
            updated_at = $2, version = version + 1
        WHERE id = $1 AND $9::boolean
          AND EXISTS (SELECT 1 FROM claimed WHERE placing_at IS NULL AND status = 'queued')
      )
      SELECT rows.*, taken.n AS taken, more.more AS claim_more,
        CASE WHEN EXISTS (SELECT 1 FROM claimed WHERE claim_marked)
          THEN current_setting('synchronous_commit')
          ELSE set_config('synchronous_commit', 'off', true) END AS commit_mode
      FROM taken CROSS JOIN more
        LEFT JOIN (SELECT * FROM adopted UNION ALL SELECT * FROM claimed) AS rows ON true
      ORDER BY claim_kind, claim_order, id`,
    /**
     * The campaign's next wake after `$2`: holds of `$3` ms, the unknown outcomes still held
     * placed after `$4` (`$2 - $3` rounded down).
     */
    nextWake: `SELECT least(
        (SELECT lease_until FROM ${calls}
          WHERE campaign_id = $1 AND status IN (${TAKING}) AND lease_until IS NOT NULL
          ORDER BY lease_until LIMIT 1),
        (SELECT due_at FROM ${calls}
          WHERE campaign_id = $1 AND status = 'scheduled' AND due_at > $2
          ORDER BY due_at LIMIT 1),
        (SELECT placing_at + $3::float8 FROM ${calls}
          WHERE campaign_id = $1 AND status = 'failed' AND reason = 'outcome_unknown'
            AND placing_at > $4
          ORDER BY placing_at LIMIT 1)
      ) AS wake`,
    ...campaignPageStatementsFor(calls, select, returning),
    /** Rows by status, through the campaign's list index alone. */
    count: `SELECT status, count(*)::int AS n FROM ${calls} WHERE campaign_id = $1 GROUP BY status`,
  };
}

/**
 * The settings the prepared claim and wake run under, set for their transaction only
 * (`set_config(…, true)`). Their generic plan is made once per connection, and the planner
 * guesses that a claim takes a tenth of the campaign's due entries, where it takes at most the
 * rows asked for (a few, up to the campaign's concurrency). On that guess it joins the rows
 * claimed to the table by a hash join over a sequential scan of every row while the table holds
 * a few thousand rows, and on a long list (two campaigns of 50,000) by a merge join that walks
 * the table's key from its first id to the last one claimed. Under these settings every row
 * claimed is found by its key, in a nested loop, whatever the table's size. The claim of a
 * campaign with a send budget, and one tried again after a lost answer, run the same claim in a
 * transaction of their own under the same settings (`transaction(…, CLAIM_SETTINGS)`).
 */
export const CLAIM_SETTINGS = {
  plan_cache_mode: 'force_generic_plan',
  enable_seqscan: 'off',
  enable_mergejoin: 'off',
  enable_hashjoin: 'off',
} as const;

/**
 * The claim of a campaign without a send budget in one round trip: the lock of its row, the
 * claim and its next wake, sent as one simple query (four statements, one implicit transaction,
 * each statement with its own snapshot, so the claim sees every claim committed before the lock
 * was granted, as in the transaction of three round trips). The claim reads the cap from the row
 * it locked.
 *
 * The claim and the wake are statements prepared once per connection (`prepare`, a round trip
 * of its own, named `name`_claim and `name`_wake, `name` unique to the store's schema) and run
 * with their generic plans under {@link CLAIM_SETTINGS} (`execute`): planning the claim took as
 * long as running it, and it was planned anew on every call, with the campaign's row locked.
 * `execute` takes eight values, written into its text by {@link withLiterals} (a simple query
 * takes no parameters): the campaign's id, now, the most rows, the worker, the lease's end, the
 * end of the hold before now (rounded down), the hold, and whether to mark.
 */
export function preparedClaim(
  statements: ReturnType<typeof campaignStatementsFor>,
  s: string,
  name: string,
) {
  const cap = `(coalesce((SELECT CASE WHEN state = 'running' THEN concurrency ELSE 0 END
    FROM ${s}.campaigns WHERE id = $1), 0))`;
  const claim = renumber(statements.claim, {
    7: '$3',
    8: cap,
    9: 'false',
    10: '0',
    11: '0',
    12: '$7',
    13: 'false',
  });
  return {
    prepare: `PREPARE ${name}_claim AS ${claim};\nPREPARE ${name}_wake AS ${statements.nextWake}`,
    execute: `${statements.lock};
${setLocalStatement(CLAIM_SETTINGS)};
EXECUTE ${name}_claim($1, $2, $3, $4, $5, $6, $8);
EXECUTE ${name}_wake($1, $2, $7, $6)`,
  };
}

/** `text` with its parameters `$n` in `map` replaced (the others kept). */
function renumber(text: string, map: Record<number, string>) {
  return text.replace(/\$(\d+)/g, (whole, n: string) => map[Number(n)] ?? whole);
}

/**
 * `text` with each parameter `$n` replaced by `values[n - 1]` as an SQL literal: a finite number
 * in parentheses (so that `- $6` never reads as a comment), a boolean, `NULL`, or a string quoted
 * by `escapeLiteral`. Anything else is refused.
 */
export function withLiterals(
  text: string,
  values: readonly (string | number | boolean | null)[],
  escapeLiteral: (value: string) => string,
) {
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const value = values[Number(n) - 1];
    if (typeof value === 'string') return escapeLiteral(value);
    if (typeof value === 'boolean') return String(value);
    if (value === null) return 'NULL';
    if (typeof value === 'number' && Number.isFinite(value)) return `(${value})`;
    throw new TypeError(`no literal for parameter $${n}: ${String(value)}`);
  });
}

/** An `UPDATE` of a campaign's `fields` (parameters from `$3`) at an expected version (`$2`). */
export function updateCampaignStatement(campaigns: string, fields: (keyof StoredCampaignPatch)[]) {
  const sets = [
    ...fields.map((f, i) => `${CAMPAIGN_PATCH_COLUMNS[f]} = $${i + 3}`),
    'version = version + 1',
  ];
  return `UPDATE ${campaigns} SET ${sets.join(', ')}
    WHERE id = $1 AND version = $2 RETURNING ${CAMPAIGN_COLUMNS}`;
}
