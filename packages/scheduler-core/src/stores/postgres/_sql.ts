import type { StoredCall } from '../../store.js';
import { suppressedOrClaimed, suppressionJoin } from './_suppression-sql.js';
import {
  CALL_COLUMNS,
  COLUMNS,
  FIELDS,
  FINISHED_SQL,
  JSON_FIELDS,
  RECORD_COLUMNS,
  type RowReading,
} from '../_columns.js';

export { COLUMNS, FIELDS, RECORD_COLUMNS };
// The campaign statements, which postgres.ts and _campaigns.ts read from here.
export {
  campaignStatementsFor,
  CLAIM_SETTINGS,
  preparedClaim,
  updateCampaignStatement,
  withLiterals,
} from './_campaign-sql.js';

/** An unquoted, lowercase PostgreSQL identifier that leaves room for the `_wake` channel suffix. */
export const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,57}$/;

/** The NOTIFY channel of a schema (see the trigger in `_pg-migrate.ts`). */
export const channelOf = (schema: string) => `${schema}_wake`;

/** PostgreSQL type of each column, for `unnest` batches. */
export const TYPES: Record<keyof StoredCall, string> = {
  id: 'text',
  to: 'text',
  status: 'text',
  dueAt: 'bigint',
  createdAt: 'bigint',
  updatedAt: 'bigint',
  version: 'integer',
  attempt: 'integer',
  leaseOwner: 'text',
  leaseUntil: 'bigint',
  placingAt: 'bigint',
  providerCallId: 'text',
  reason: 'text',
  idempotencyKey: 'text',
  events: 'jsonb',
  options: 'jsonb',
  call: 'jsonb',
  campaign: 'text',
  position: 'integer',
  provider: 'text',
};
/** The parameters of a call record's values (`recordValues` order): `$1, $2, …`. */
const RECORD_PARAMS = RECORD_COLUMNS.split(',')
  .map((_, i) => `$${i + 1}`)
  .join(', ');
/** `column = EXCLUDED.column` for every column of a call record but its id. */
const RECORD_SETS = RECORD_COLUMNS.split(', ')
  .slice(1)
  .map((column) => `${column} = EXCLUDED.${column}`)
  .join(', ');

/**
 * Whether no row can hold `key`: PostgreSQL's text holds no U+0000 (a query that sends one fails),
 * so a look-up by it finds nothing, as on every store, without asking.
 */
export const unmatchable = (key: string) => key.includes('\u0000');

/** A lone surrogate as `JSON.stringify` escapes it (or text that looks like one). */
const ESCAPED_SURROGATE = /\\ud[89a-f]/;
const wellFormed = (_key: string, value: unknown) =>
  typeof value === 'string' && !value.isWellFormed() ? value.toWellFormed() : value;

/**
 * `value` as JSON text that PostgreSQL's `jsonb` (and `json_to_recordset`) take: a lone surrogate
 * in a string (a provider's status word may carry one) is replaced by U+FFFD, as `pg` replaces it
 * in a text parameter, where PostgreSQL would refuse its escape and with it the whole write.
 */
export function jsonText(value: unknown): string {
  const text = JSON.stringify(value);
  return ESCAPED_SURROGATE.test(text) ? JSON.stringify(value, wellFormed) : text;
}

/** A field's value as a query parameter: JSON as text (pg would turn arrays into PG arrays). */
export function toParam(field: keyof StoredCall, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (JSON_FIELDS.has(field)) return jsonText(value);
  return value;
}

/** `bigint` comes back as a string (it may not fit a double); epoch ms always do. */
const toNumber = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);

export function callFromRow(row: Record<string, unknown>): StoredCall {
  const call: StoredCall = {
    id: row.id as string,
    to: row.to_phone as string,
    status: row.status as StoredCall['status'],
    dueAt: Number(row.due_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    version: row.version as number,
    attempt: row.attempt as number,
    leaseOwner: (row.lease_owner as string | null) ?? null,
    leaseUntil: toNumber(row.lease_until),
    placingAt: toNumber(row.placing_at),
    providerCallId: (row.provider_call_id as string | null) ?? null,
    reason: (row.reason as string | null) ?? null,
    idempotencyKey: (row.idempotency_key as string | null) ?? null,
    events: (row.events as StoredCall['events']) ?? null,
    options: (row.options as StoredCall['options']) ?? null,
    call: (row.call_options as StoredCall['call']) ?? null,
  };
  // Only on campaign rows, and on rows that name their provider: others read back without. Set,
  // not spread into the literal, which would cost every row read its fast path.
  if (row.campaign_id != null) call.campaign = row.campaign_id as string;
  if (row.position != null) call.position = row.position as number;
  if (row.provider != null) call.provider = row.provider as string;
  return call;
}

/** How pg hands back what the row mappers read: `bigint` columns as strings, `jsonb` parsed. */
export const PG_READING: RowReading = {
  number: (value) => toNumber(value),
  boolean: (value) => value === true,
  json: (value) => value,
};

/** `true` when a row read back after an unanswered write shows that write (same fields). */
export function matchesPatch(row: StoredCall, patch: Partial<StoredCall>): boolean {
  for (const field of Object.keys(patch) as (keyof StoredCall)[]) {
    const want = patch[field];
    if (want === undefined || !(field in COLUMNS)) continue;
    const have = row[field];
    const same = JSON_FIELDS.has(field)
      ? JSON.stringify(normalise(have)) === JSON.stringify(normalise(want))
      : (have ?? null) === want;
    if (!same) return false;
  }
  return true;
}

/** JSON with sorted keys (jsonb reorders keys), for comparing stored and given values. */
export function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, normalise(v)]),
    );
  }
  return value;
}

/** The status a claim gives a row it leases (see `claimedStatus`). */
const CLAIMED = `CASE WHEN c.status IN ('initiated', 'ringing', 'answered') THEN c.status
              ELSE 'queued' END`;

/**
 * Rows of the provider `param` names, or of none; every row when it is null. Written as one
 * `COALESCE`, not as `param IS NULL OR provider IS NULL OR provider = param`: PostgreSQL guesses
 * 1 % of rows for that `OR` on a table it has no statistics of yet (a store just created, a
 * column just added), and then plans a claim of ten as a bitmap scan and a sort of every due
 * row; it takes an expression it cannot look into for half of them, and walks the wake index in
 * order, as without the filter.
 */
const providerFilter = (param: string) => `COALESCE(provider = ${param}::text, true)`;

/** The claims' statements of a store on schema `s` (quoted): `calls` its table, `select` its read. */
function claimStatementsFor(s: string, calls: string, select: string) {
  /**
   * The update of the budgeted claim (the plain one's, without its marks): the rows of `due` get
   * the lease (`$3` until `$4`, at `$1`); a due call becomes `queued`, one in flight (its
   * follower's lease ran out) keeps its status. A row not sent yet whose number is on the
   * do-not-call list ends `suppressed` instead.
   */
  const claimDue = `UPDATE ${calls} AS c
        SET ${suppressedOrClaimed('$1', '$3', '$4', CLAIMED)}
        FROM due ${suppressionJoin(s, 'due', '$1')} WHERE c.id = due.id`;
  return {
    /**
     * Claims due rows in one statement. The CTE is MATERIALIZED so the locking subquery runs
     * once (inlined into a semi-join it could run again and lock more than `$2` rows). The claim
     * commits without waiting for the disk: nothing is placed before the next write of the same
     * row (placingAt) commits, and that commit flushes the WAL up to and including this one, so
     * a crash may lose a claim, never one that a placement relied on.
     *
     * With `$7` (not null), only rows of that provider or of none (`StoredCall.provider`).
     *
     * With `$6` above 0 (`claimDue` with a `mark`), the rows among the first `$6` that it leases afresh
     * (due `scheduled` or `queued` with no `placing_at`, and not suppressed) are marked too
     * (`claim_marked`), and a claim that marked a row commits durably instead, as a mark must
     * (a mark lost with its call sent would send it again).
     *
     * It also answers the earliest wake time once it commits (`next_wake`): the lease of the
     * rows it claimed, or the earliest row it did not take, as read at its start. Always one row
     * at least (`id` null when nothing was claimed). Rows that wake before `$5` are not looked
     * at, nor those that wake at `$5` with an id below `$8`: the caller knows there are none
     * (see `_wake.ts`), and the index entries of the rows that have woken up, dead until a
     * vacuum removes them, are not walked through again. It answers the first row from there
     * that it did not take (`next_id`), where the next claim may start. (A bound of the pair
     * alone does not tell PostgreSQL that `wake_at` is not null, which the wake index, partial,
     * needs: each scan bounds `wake_at` by itself too.)
     */
    claim: `WITH due AS MATERIALIZED (
        SELECT id, wake_at, to_phone, status, placing_at FROM ${calls}
        WHERE (wake_at, id) >= ($5::bigint, $8::text) AND wake_at <= $1 AND ${providerFilter('$7')}
        ORDER BY wake_at, id
        LIMIT $2
        FOR UPDATE SKIP LOCKED
      ), ranked AS (
        SELECT due.*, (row_number() OVER (ORDER BY wake_at, id) <= $6::bigint
          AND status IN ('scheduled', 'queued') AND placing_at IS NULL) AS marks
        FROM due
      ), claimed AS (
        UPDATE ${calls} AS c
        SET ${suppressedOrClaimed('$1', '$3', '$4', CLAIMED, 'due.marks')}
        FROM ranked AS due ${suppressionJoin(s, 'due', '$1')} WHERE c.id = due.id
        RETURNING ${FIELDS.map((f) => `c.${COLUMNS[f]}`).join(', ')}, due.wake_at AS claimed_wake,
          (due.marks AND c.status = 'queued') AS claim_marked
      ), first AS (
        SELECT wake_at, id FROM ${calls}
        WHERE wake_at >= $5 AND (wake_at, id) >= ($5::bigint, $8::text) AND ${providerFilter('$7')}
          AND id NOT IN (SELECT id FROM due)
        ORDER BY wake_at, id LIMIT 1
      ), next AS (
        SELECT least(
          (SELECT wake_at FROM first),
          (SELECT $4::bigint WHERE EXISTS (SELECT 1 FROM due))
        ) AS next_wake, (SELECT id FROM first) AS next_id
      )
      SELECT claimed.*, next.next_wake, next.next_id,
        CASE WHEN EXISTS (SELECT 1 FROM claimed WHERE claim_marked)
          THEN current_setting('synchronous_commit')
          ELSE set_config('synchronous_commit', 'off', true) END AS commit_mode
      FROM next LEFT JOIN claimed ON true ORDER BY claimed_wake, id`,
    /**
     * The claim above under the shared send budget, in the same transaction: the budget row is
     * locked first (claims of every worker take turns on it), the claim takes no more rows than
     * have a slot by `$7 + $6`, and the rows to be sent get consecutive slots `$5` apart from
     * `greatest(next_at, $7)`. `$7` is `$1` as a double; `$8` the provider as in the claim above.
     * Answers one row even when nothing was claimed (`id` then null), for the budget's start.
     */
    budgetedClaim: `WITH budget AS MATERIALIZED (
        SELECT greatest(next_at, $7::float8) AS start FROM ${s}.send_budget WHERE id = 1 FOR UPDATE
      ), due AS MATERIALIZED (
        SELECT id, wake_at, to_phone, status, placing_at FROM ${calls}
        WHERE wake_at <= $1 AND ${providerFilter('$8')}
        ORDER BY wake_at, id
        LIMIT (SELECT CASE WHEN start > $7::float8 + $6::float8 THEN 0
          ELSE least($2::bigint, floor(($7::float8 + $6::float8 - start) / $5::float8)::bigint + 1)
          END FROM budget)
        FOR UPDATE SKIP LOCKED
      ), claimed AS (
        ${claimDue}
        RETURNING ${FIELDS.map((f) => `c.${COLUMNS[f]}`).join(', ')}, due.wake_at AS claimed_wake,
          (c.status = 'queued' AND c.placing_at IS NULL) AS sends
      ), numbered AS (
        SELECT claimed.*, CASE WHEN sends THEN
            count(*) FILTER (WHERE sends) OVER (ORDER BY claimed_wake, id) - 1 END AS slot_index
        FROM claimed
      ), bumped AS (
        UPDATE ${s}.send_budget
        SET next_at = (SELECT start FROM budget) + (SELECT count(*) FROM claimed WHERE sends) * $5::float8
        WHERE id = 1 AND EXISTS (SELECT 1 FROM claimed WHERE sends)
      )
      SELECT numbered.*, budget.start AS budget_start,
        set_config('synchronous_commit', 'off', true) AS async_commit
      FROM budget LEFT JOIN numbered ON true ORDER BY claimed_wake, id`,
    /** One fresh slot of the send budget. */
    /** `count` slots in a row: `$2` is their span (`count × intervalMs`). */
    reserveSlot: `UPDATE ${s}.send_budget SET next_at = greatest(next_at, $1::float8) + $2::float8
      WHERE id = 1 RETURNING next_at - $2::float8 AS slot`,
    /** Rows a claim whose answer was lost took: they carry its very lease. */
    held: `${select}
      WHERE lease_owner = $1 AND lease_until = $2 AND updated_at = $3 AND campaign_id IS NULL
        AND (status = 'queued' AND placing_at IS NULL
          OR status IN ('initiated', 'ringing', 'answered'))
      ORDER BY due_at, id LIMIT $4`,
  };
}

/** The fixed statements of a store on schema `s` (quoted), built once. */
export function statementsFor(s: string) {
  const calls = `${s}.scheduled_calls`;
  const select = `SELECT ${CALL_COLUMNS} FROM ${calls}`;
  return {
    calls,
    records: `${s}.call_records`,
    select,
    get: `${select} WHERE id = $1`,
    byKey: `${select} WHERE idempotency_key = $1`,
    byProviderCallId: `${select} WHERE provider_call_id = $2 AND (provider = $1 OR provider IS NULL)
      ORDER BY provider IS NULL LIMIT 1`,
    insert: `INSERT INTO ${calls} (${CALL_COLUMNS})
      VALUES (${FIELDS.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING ${CALL_COLUMNS}`,
    insertBatch: `INSERT INTO ${calls} (${CALL_COLUMNS})
      SELECT * FROM unnest(${FIELDS.map((f, i) => `$${i + 1}::${TYPES[f]}[]`).join(', ')})`,
    countIds: `SELECT count(*)::int AS n FROM ${calls} WHERE id = ANY($1::text[])`,
    ...claimStatementsFor(s, calls, select),
    /** Rows by id: `get` asked together, and to check an unanswered batch's effect. */
    byIds: `${select} WHERE id = ANY($1::text[])`,
    /**
     * Rows by provider id, `findByProviderCallId` asked together: each ask (`$1` providers, `$2`
     * their ids, numbered from 1 as `ask`) read as `byProviderCallId` reads it, by its index.
     */
    byProviderCallIds: `SELECT w.ask, c.* FROM unnest($1::text[], $2::text[])
        WITH ORDINALITY AS w(provider, pid, ask)
      CROSS JOIN LATERAL (${select} WHERE provider_call_id = w.pid
        AND (provider = w.provider OR provider IS NULL) ORDER BY provider IS NULL LIMIT 1) c`,
    /** The earliest wake time and its row, from `($1, $3)` on (as the claim's `$5`, `$8`). */
    nextDueAt: `SELECT wake_at, id FROM ${calls}
      WHERE wake_at >= $1 AND (wake_at, id) >= ($1::bigint, $3::text) AND ${providerFilter('$2')}
      ORDER BY wake_at, id LIMIT 1`,
    /**
     * Statuses (`$1`): the scheduler's own rows through their status index, campaign rows
     * through theirs (both lead with the status, and are read index-only): a count costs the
     * rows of the statuses asked, however many others there are.
     */
    countByStatus: `SELECT status, sum(n)::int AS n FROM (
        SELECT status, count(*) AS n FROM ${calls}
        WHERE campaign_id IS NULL AND status = ANY($1::text[]) GROUP BY status
        UNION ALL
        SELECT status, count(*) AS n FROM ${calls}
        WHERE campaign_id IS NOT NULL AND status = ANY($1::text[]) GROUP BY status
      ) AS counted GROUP BY status`,
    /** Retention: the oldest finished calls, through their partial index; locked ones skipped. */
    deleteFinished: `WITH doomed AS MATERIALIZED (
        SELECT id FROM ${calls} WHERE status IN (${FINISHED_SQL}) AND updated_at < $1
        ORDER BY updated_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
      ), gone AS (DELETE FROM ${calls} AS c USING doomed WHERE c.id = doomed.id RETURNING 1)
      SELECT count(*)::int AS n FROM gone`,
    /** Retention: the oldest call records; locked ones skipped. */
    deleteRecords: `WITH doomed AS MATERIALIZED (
        SELECT id FROM ${s}.call_records WHERE started_at < $1
        ORDER BY started_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
      ), gone AS (DELETE FROM ${s}.call_records AS r USING doomed WHERE r.id = doomed.id RETURNING 1)
      SELECT count(*)::int AS n FROM gone`,
    /** Takes the lease when free, expired or already ours: a row comes back when we hold it. */
    acquireLease: `INSERT INTO ${s}.leases (name, owner, until_at) VALUES ($1, $2, $3)
      ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, until_at = EXCLUDED.until_at
      WHERE ${s}.leases.until_at <= $4 OR ${s}.leases.owner = EXCLUDED.owner
      RETURNING owner`,
    saveRecord: `INSERT INTO ${s}.call_records (${RECORD_COLUMNS}) VALUES (${RECORD_PARAMS})
      ON CONFLICT (id) DO UPDATE SET ${RECORD_SETS}`,
    /** `mergeCallRecord`: the stored record, locked until the transaction ends. */
    lockRecord: `SELECT ${RECORD_COLUMNS} FROM ${s}.call_records WHERE id = $1 FOR UPDATE`,
    /** `mergeCallRecord`: a new record, unless another transaction stored one meanwhile. */
    insertRecord: `INSERT INTO ${s}.call_records (${RECORD_COLUMNS}) VALUES (${RECORD_PARAMS})
      ON CONFLICT (id) DO NOTHING RETURNING ${RECORD_COLUMNS}`,
    /** `mergeCallRecord`: the merge, in place of the record locked. */
    updateRecord: `UPDATE ${s}.call_records
      SET (${RECORD_COLUMNS.slice('id, '.length)}) = (${RECORD_PARAMS.slice('$1, '.length)})
      WHERE id = $1 RETURNING ${RECORD_COLUMNS}`,
  };
}

/**
 * The `list` query (parameters: `$1` the page size, `$2`/`$3` the cursor's position when
 * `after`, then the number when `to`, then the campaign when `campaign`, then the statuses when
 * `statuses`). Without a campaign, only the scheduler's own rows (`campaign_id IS NULL`): their
 * status index is a partial index of those rows alone, so a campaign's rows, however many, are
 * never walked through.
 *
 * Without a number, the caller passes statuses (every status when none is asked for: no index
 * gives the scheduler's own rows in page order but by status, see migration 16). Each status's
 * first page is read through the status index
 * `(status, created_at, id)`, in page order, and the pages merged: a page costs its rows, however
 * many rows of other statuses (or of its own, past the page) there are. The status is bounded as
 * a range (`>=` and `<=`, the cursor as a row comparison led by the status) rather than as
 * `status = …`: an equality makes the status a constant of the lateral page, its place in the
 * order is dropped, and the planner, which cannot know how a status's rows spread over time,
 * may sort or walk another index instead, filtering out every row of the other statuses. As a
 * range, only the status index gives the page's order. With a number, its own index serves: a
 * number's calls are few. A campaign's pages are read status by status too, every status when
 * none is asked for (the caller passes them all), through its `(campaign_id, status, created_at,
 * id)` index: the campaign and the status are equalities there, the cursor a range of the two
 * columns after them, and no other index gives a campaign's rows in page order. A page costs its
 * rows, once per status at most.
 */
export function listStatement(
  calls: string,
  query: { after: boolean; to: boolean; statuses: boolean; campaign?: boolean },
): string {
  const columns = FIELDS.map((f) => `c.${COLUMNS[f]}`).join(', ');
  const first = query.after ? 4 : 2;
  const after = query.after ? '($2, $3)' : null;
  const to = query.to ? `$${first}` : null;
  const campaign = query.campaign ? `$${first + (to ? 1 : 0)}` : null;
  const statuses = query.statuses ? `$${first + (to ? 1 : 0) + (campaign ? 1 : 0)}::text[]` : null;
  const owner = campaign ? `c.campaign_id = ${campaign}` : 'c.campaign_id IS NULL';
  if (!statuses || to !== null || campaign !== null) {
    const where = [owner];
    if (after) where.push(`(c.created_at, c.id) > ${after}`);
    if (to) where.push(`c.to_phone = ${to}`);
    if (statuses) where.push(`c.status = w.status`);
    const select = `SELECT ${columns} FROM ${calls} AS c
      WHERE ${where.join(' AND ')}
      ORDER BY c.created_at, c.id LIMIT $1`;
    if (!statuses) return select;
    return `SELECT page.* FROM unnest(${statuses}) AS w(status)
      CROSS JOIN LATERAL (${select}) AS page
      ORDER BY page.created_at, page.id LIMIT $1`;
  }
  const from = after
    ? `(c.status, c.created_at, c.id) > (w.status, $2, $3)`
    : `c.status >= w.status`;
  return `SELECT page.* FROM unnest(${statuses}) AS w(status)
    CROSS JOIN LATERAL (SELECT ${columns} FROM ${calls} AS c
      WHERE ${owner} AND ${from} AND c.status <= w.status
      ORDER BY c.status, c.created_at, c.id LIMIT $1) AS page
    ORDER BY page.created_at, page.id LIMIT $1`;
}

/**
 * An `UPDATE` of `fields` (parameters from `$4`) at an expected version (`$2`) of row `$1`, the
 * version moved on by `$3` (the steps the write carries).
 */
export function updateStatement(calls: string, fields: (keyof StoredCall)[]): string {
  const sets = [
    ...fields.map((f, i) => `${COLUMNS[f]} = $${i + 4}`),
    'version = version + $3::integer',
  ];
  return `UPDATE ${calls} SET ${sets.join(', ')}
    WHERE id = $1 AND version = $2 RETURNING ${CALL_COLUMNS}`;
}
