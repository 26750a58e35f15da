import { inTransaction } from './_retry.js';
import type { Pool, PoolClient } from 'pg';
import { ConflictError } from '../../errors.js';
import type { StoredCall, StoredCallRecord, StoredCallUpdate } from '../../store.js';
import { JSON_FIELDS } from '../_columns.js';
import { callFromRow, COLUMNS, FIELDS, jsonText, matchesPatch, toParam, TYPES } from './_sql.js';

type Query = (
  text: string,
  values: unknown[],
  client?: Pool | PoolClient,
) => Promise<Record<string, unknown>[]>;

/** Fields an update may set: everything but the key, the version and the creation time. */
const UPDATABLE = FIELDS.filter((f) => f !== 'id' && f !== 'version' && f !== 'createdAt');

/** Call record fields with their column and type, in `RECORD_COLUMNS` order. */
const RECORD: [keyof StoredCallRecord, string, string][] = [
  ['id', 'id', 'text'],
  ['from', 'from_phone', 'text'],
  ['to', 'to_phone', 'text'],
  ['direction', 'direction', 'text'],
  ['status', 'status', 'text'],
  ['startedAt', 'started_at', 'bigint'],
  ['answeredAt', 'answered_at', 'bigint'],
  ['endedAt', 'ended_at', 'bigint'],
  ['durationS', 'duration_seconds', 'double precision'],
  ['outcomeUnknown', 'outcome_unknown', 'boolean'],
  ['answeredBy', 'answered_by', 'text'],
  ['recordingUrl', 'recording_url', 'text'],
  ['recordingDurationS', 'recording_duration_seconds', 'double precision'],
  ['providerStatus', 'provider_status', 'text'],
  ['campaign', 'campaign_id', 'text'],
];

const isUniqueViolation = (error: unknown) =>
  error instanceof Error && (error as { code?: unknown }).code === '23505';

/**
 * The statement of a batch of distinct rows: its updates come as one JSON array in `$1`, a
 * row each (see {@link batchRows}), read by `json_to_recordset` with the column types; each is a
 * compare-and-set on the version, setting `fields`. The rows are found through the primary key
 * by the ids of the JSON gathered into an array (`= ANY(ARRAY(…))`), whatever the planner guesses
 * of its length. The statement's only parameter is that JSON, whose length no plan can see: its
 * custom plans cost what its generic plan costs, so after its first five runs on a connection
 * PostgreSQL runs it with the generic plan and stops planning it. (Ids passed as a second
 * parameter, an array a custom plan can count, would make every custom plan look cheaper, and
 * every run planned anew.) The rows are locked first, in id order (`locked`; the update only
 * touches rows that step has locked already), so two batches of different workers that share
 * rows wait for each other in one order and never deadlock, whatever join order the planner
 * picks (`postgres.batch-order.test.ts` has them meet); a field in `partial` is set only where
 * its mask is true (not every update of the batch sets it). With `records`, the call records of
 * the updates that applied are upserted by the same statement: a data-modifying CTE always runs
 * to completion. Returns the ids updated.
 */
function updateManyStatement(
  s: string,
  fields: (keyof StoredCall)[],
  partial: Set<keyof StoredCall>,
  records: boolean,
): string {
  const columns = ['id text', 'version integer', 'steps integer'];
  const sets: string[] = [];
  for (const field of fields) {
    const column = COLUMNS[field];
    columns.push(`f_${column} ${TYPES[field]}`);
    if (partial.has(field)) {
      columns.push(`m_${column} boolean`);
      sets.push(`${column} = CASE WHEN u.m_${column} THEN u.f_${column} ELSE c.${column} END`);
    } else {
      sets.push(`${column} = u.f_${column}`);
    }
  }
  if (records) for (const [, column, type] of RECORD) columns.push(`r_${column} ${type}`);
  const saved = records
    ? `, saved AS (
        INSERT INTO ${s}.call_records (${RECORD.map(([, c]) => c).join(', ')})
        SELECT ${RECORD.map(([, c]) => `u.r_${c}`).join(', ')}
        FROM u JOIN updated ON updated.id = u.id
        WHERE u.r_id IS NOT NULL
        ON CONFLICT (id) DO UPDATE SET ${RECORD.slice(1)
          .map(([, c]) => `${c} = EXCLUDED.${c}`)
          .join(', ')}
      )`
    : '';
  return `WITH u AS MATERIALIZED (
      SELECT * FROM json_to_recordset($1::json) AS u(${columns.join(', ')})
    ),
    locked AS MATERIALIZED (
      SELECT id FROM ${s}.scheduled_calls WHERE id = ANY(ARRAY(SELECT id FROM u)) ORDER BY id
      FOR UPDATE
    ),
    updated AS (
      UPDATE ${s}.scheduled_calls AS c SET ${[...sets, 'version = c.version + u.steps'].join(', ')}
      FROM u JOIN locked ON locked.id = u.id WHERE c.id = u.id AND c.version = u.version
      RETURNING c.id
    )${saved}
    SELECT id FROM updated`;
}

/**
 * A value as `json_to_recordset` reads it into its column: what `pg` would send for it as a
 * parameter. A number that JSON cannot hold (`NaN`, `±Infinity`) goes as its text, which a
 * `double precision` column takes and a `bigint` one refuses, as they do from `pg`. (A lone
 * surrogate in a string is replaced by {@link jsonText}, as `pg`'s UTF-8 encoding replaces it.)
 */
const jsonValue = (value: unknown): unknown =>
  typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;

/**
 * The rows of a batch statement's JSON: per update its id, version and steps, `f_<column>` for
 * each of `fields` it sets (`m_<column>` true too where the field is `partial`), and with
 * `records`, `r_<column>` for each field of its call record. A field left out reads as `NULL`.
 */
function batchRows(
  updates: StoredCallUpdate[],
  fields: typeof UPDATABLE,
  partial: Set<keyof StoredCall>,
  records: boolean,
): string {
  const rows = updates.map((u) => {
    const row: Record<string, unknown> = {
      id: u.id,
      version: u.expectedVersion,
      steps: u.steps ?? 1,
    };
    for (const field of fields) {
      const value = u.patch[field];
      if (value === undefined) continue;
      const column = COLUMNS[field];
      if (value !== null) row[`f_${column}`] = JSON_FIELDS.has(field) ? value : jsonValue(value);
      if (partial.has(field)) row[`m_${column}`] = true;
    }
    if (records && u.record) {
      for (const [field, column] of RECORD) {
        const value =
          field === 'outcomeUnknown' ? u.record.outcomeUnknown === true : u.record[field];
        if (value !== null && value !== undefined) row[`r_${column}`] = jsonValue(value);
      }
    }
    return row;
  });
  return jsonText(rows);
}

/**
 * `Store.updateMany` for PostgreSQL: one statement (one round trip, one commit) for a batch of
 * distinct rows. A row updated twice in one batch makes rounds (its n-th update in round n), run
 * in one transaction, so each update sees the ones before it.
 */
export function createUpdateMany(options: {
  /** The quoted schema. */
  schema: string;
  pool: Pool;
  query: Query;
  /** Rows by id (`$1`, a text array). */
  byIds: string;
}) {
  const { pool, query } = options;
  const statements = new Map<string, string>();

  /** The statement and parameters of one round (distinct ids). */
  const prepare = (updates: StoredCallUpdate[]) => {
    const [only] = updates;
    if (updates.length === 1 && !only!.record) {
      // One row: a plain compare-and-set, the cheapest statement for it.
      const fields = UPDATABLE.filter((f) => only!.patch[f] !== undefined);
      const key = `1:${fields.join()}`;
      let text = statements.get(key);
      if (text === undefined) {
        const sets = fields.map((f, i) => `${COLUMNS[f]} = $${i + 4}`);
        text = `UPDATE ${options.schema}.scheduled_calls
          SET ${[...sets, 'version = version + $3::integer'].join(', ')}
          WHERE id = $1 AND version = $2 RETURNING id`;
        statements.set(key, text);
      }
      const values: unknown[] = [only!.id, only!.expectedVersion, only!.steps ?? 1];
      for (const field of fields) values.push(toParam(field, only!.patch[field]));
      return { text, values };
    }
    const count = new Map<keyof StoredCall, number>();
    for (const { patch } of updates) {
      for (const field of UPDATABLE) {
        if (patch[field] !== undefined) count.set(field, (count.get(field) ?? 0) + 1);
      }
    }
    const fields = UPDATABLE.filter((f) => count.has(f));
    const partial = new Set(fields.filter((f) => count.get(f)! < updates.length));
    const records = updates.some((u) => u.record);
    const key = `${fields.map((f) => (partial.has(f) ? `${f}?` : f)).join()}${records ? '+r' : ''}`;
    let text = statements.get(key);
    if (text === undefined) {
      text = updateManyStatement(options.schema, fields, partial, records);
      statements.set(key, text);
    }
    const values = [batchRows(updates, fields, partial, records)];
    return { text, values };
  };

  /** The ids each round updated. */
  const runRounds = async (rounds: StoredCallUpdate[][]): Promise<Set<string>[]> => {
    const applied = rounds.map(() => new Set<string>());
    const runRound = async (round: number, client: Pool | PoolClient) => {
      const { text, values } = prepare(rounds[round]!);
      for (const row of await query(text, values, client)) applied[round]!.add(row.id as string);
    };
    try {
      if (rounds.length === 1) {
        await runRound(0, pool);
        return applied;
      }
      await inTransaction(pool, async (client) => {
        for (let round = 0; round < rounds.length; round++) await runRound(round, client);
      });
      return applied;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw new ConflictError({
        reason: 'duplicate',
        id: rounds[0]![0]!.id,
        message: 'An idempotency key cannot be reused',
      });
    }
  };

  /** Runs the batch; `maybeDone`: an earlier try whose answer was lost may have committed it. */
  return async (updates: StoredCallUpdate[], maybeDone: boolean): Promise<boolean[]> => {
    const rounds: StoredCallUpdate[][] = [];
    const seen = new Map<string, number>();
    const roundOf = updates.map((update) => {
      const round = seen.get(update.id) ?? 0;
      seen.set(update.id, round + 1);
      (rounds[round] ??= []).push(update);
      return round;
    });
    const applied = await runRounds(rounds);
    const done = updates.map((update, i) => applied[roundOf[i]!]!.has(update.id));
    if (maybeDone && done.includes(false)) {
      // Those the lost try applied are now their steps on, with the same fields.
      const missing = updates.filter((_, i) => !done[i]).map((u) => u.id);
      const rows = await query(options.byIds, [missing]);
      const current = new Map(rows.map((row) => [row.id as string, callFromRow(row)]));
      updates.forEach((update, i) => {
        const row = current.get(update.id);
        if (
          !done[i] &&
          row?.version === update.expectedVersion + (update.steps ?? 1) &&
          matchesPatch(row, update.patch)
        ) {
          done[i] = true;
        }
      });
    }
    return done;
  };
}
