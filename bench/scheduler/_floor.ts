/**
 * The floor of `scheduler/postgres.ts` and `scheduler/backlog.ts`: what a scheduled call cannot do
 * without, from bare `pg`, each statement prepared: a claim of the due rows under a lease (as
 * many as the free places) that marks them, committed before the handler runs, and the answers of
 * one tick with their call records in one statement. A worker wakes at each due time by a timer of
 * its own, the due times handed to it (ringkit learns them through LISTEN/NOTIFY and a look-up);
 * each claims what is due, the others' claims skipping what one holds.
 *
 * Its statements run on tables of eight shapes (`FloorShape`):
 * - `bare`: a call is its id, status, due time, lease, mark and provider's id, with one index
 *   besides the keys (the due calls); its record is its id, status and end;
 * - `reads`: the same statements on tables that also hold, and index, what the store's reads
 *   need: a call's number, creation and last change, listed by number, by status, looked up by
 *   the provider's id, the finished ones by their last change (retention); a record's numbers and
 *   start, listed by either number and by start. These are the indexes a `createPostgresStore`
 *   writes for a call outside a campaign: what any store that keeps its read contract pays, with
 *   nothing else of ringkit's;
 * - `reads-scattered`: the `reads` tables, their callees' numbers in no order of the rows' (in
 *   `reads` the numbers follow the rows, and so the claims: each new entry of the index of
 *   numbers lands beside the last, which no store sees in use);
 * - `reads-text`: the `reads-scattered` tables with ids as ringkit's are, random UUIDs as text (in the `C`
 *   collation): the same statements, but a claim's rows, and so the entries their new versions
 *   write, fall at random places in every index that holds the id;
 * - `reads-ordered`: the same with text ids of the same length that sort in the order they were
 *   made (the time, then a count, then random digits, as a UUIDv7 does): a claim's rows sit
 *   side by side in every index led by the id or by a time and the id;
 * - `reads-short`: random text ids of 16 characters; `reads-uuid`: random UUIDs in PostgreSQL's
 *   `uuid` type (16 bytes, as pg-boss keeps its jobs' ids);
 * - `table`: `createPostgresStore`'s own tables, filled by its `scheduleMany`: the same two
 *   statements writing what ringkit's claim and answer write there (status, lease, mark, version,
 *   the events of each step, the record), through its wake index. What the statements alone
 *   cost on ringkit's rows, ids and indexes: the best a rewrite of the store's claim and answer,
 *   leaving its tables as they are, could reach.
 */
import type pg from 'pg';

/** Called by the floor's handler with the job's due time (epoch ms). */
export type OnFloorJob = (due: number) => void;

/**
 * The floor's own tables: bare, or with the columns and indexes of the store's reads, its ids
 * numbers in insertion order (its callees' numbers in that order too, or scattered:
 * `reads-scattered`), random UUIDs as text (`reads-text`), text ids that sort in the
 * order they were made (`reads-ordered`), random text ids of 16 characters (`reads-short`), or
 * random UUIDs of PostgreSQL's `uuid` type (`reads-uuid`).
 */
export type FloorTables =
  | 'bare'
  | 'reads'
  | 'reads-scattered'
  | 'reads-text'
  | 'reads-ordered'
  | 'reads-short'
  | 'reads-uuid';

/** Each shape's id column (its type and default) and the type of its ids as a parameter. */
export const IDS: Record<FloorTables, { column: string; type: string }> = {
  bare: { column: 'id bigserial', type: 'bigint' },
  reads: { column: 'id bigserial', type: 'bigint' },
  'reads-scattered': { column: 'id bigserial', type: 'bigint' },
  'reads-text': { column: 'id text COLLATE "C" DEFAULT gen_random_uuid()::text', type: 'text' },
  'reads-ordered': { column: 'id text COLLATE "C" DEFAULT gen_random_uuid()::text', type: 'text' },
  'reads-short': {
    column: 'id text COLLATE "C" DEFAULT substr(md5(random()::text), 1, 16)',
    type: 'text',
  },
  'reads-uuid': { column: 'id uuid DEFAULT gen_random_uuid()', type: 'uuid' },
};
/** The tables the floor's statements run on: its own, or ringkit's (`table`). */
export type FloorShape = FloorTables | 'table';

/** The caller's number of the `reads` floor's records; the callee's is its call's. */
const CALLER = '+14155550100';

/** Drops and creates the floor's schema and tables. */
export async function createFloorTables(
  client: pg.Client,
  schema: string,
  shape: FloorTables = 'bare',
): Promise<void> {
  const s = schema;
  const { column: id, type } = IDS[shape];
  const recordId = `id ${type}${type === 'text' ? ' COLLATE "C"' : ''}`;
  await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE; CREATE SCHEMA ${s};
    CREATE TABLE ${s}.calls (${id} PRIMARY KEY, status text NOT NULL,
      due_at double precision NOT NULL, lease_owner text, lease_until double precision,
      placing_at double precision, provider_call_id text);
    CREATE INDEX calls_due ON ${s}.calls (due_at) WHERE status = 'scheduled';
    CREATE TABLE ${s}.records (${recordId} PRIMARY KEY, status text NOT NULL,
      ended_at double precision)`);
  if (shape === 'bare') return;
  await client.query(`ALTER TABLE ${s}.calls ADD COLUMN to_phone text NOT NULL,
      ADD COLUMN created_at double precision NOT NULL, ADD COLUMN updated_at double precision NOT NULL;
    ALTER TABLE ${s}.records ADD COLUMN from_phone text NOT NULL, ADD COLUMN to_phone text NOT NULL,
      ADD COLUMN started_at double precision NOT NULL;
    CREATE INDEX calls_to ON ${s}.calls (to_phone, created_at, id);
    CREATE INDEX calls_status ON ${s}.calls (status, created_at, id);
    CREATE INDEX calls_provider ON ${s}.calls (provider_call_id) WHERE provider_call_id IS NOT NULL;
    CREATE INDEX calls_finished ON ${s}.calls (updated_at, id) WHERE status = 'completed';
    CREATE INDEX records_from ON ${s}.records (from_phone, started_at DESC, id DESC);
    CREATE INDEX records_to ON ${s}.records (to_phone, started_at DESC, id DESC);
    CREATE INDEX records_started ON ${s}.records (started_at, id)`);
}

/**
 * Inserts one scheduled row per due time (epoch ms), 1,000 to a statement; in the `reads` shape,
 * the i-th row's number is `+1415` followed by 2,000,000 + `first` + i; in the shapes with other
 * ids, by 2,000,000 + (`first` + i) × 7,919 mod 1,000,000: numbers in no order of the rows', as
 * callees are (ringkit's rows are claimed in the order of their random ids, so in no
 * order of their numbers either).
 */
export async function enqueueFloor(
  pool: pg.Pool,
  schema: string,
  dues: number[],
  shape: FloorTables = 'bare',
  first = 0,
): Promise<void> {
  // The id: the column's default (a number in insertion order, or a random UUID), or in
  // `reads-ordered` the time in ms and the row's count in hex, then random digits, cut as a UUID
  // is.
  const ordered =
    shape === 'reads-ordered'
      ? `regexp_replace(lpad(to_hex($3::bigint), 12, '0') || lpad(to_hex($2::int + n - 1), 8, '0')
          || substr(md5(random()::text), 1, 12), '^(.{8})(.{4})(.{4})(.{4})(.{12})$',
          '\\1-\\2-\\3-\\4-\\5')`
      : undefined;
  for (let i = 0; i < dues.length; i += 1000) {
    const slice = dues.slice(i, i + 1000);
    if (shape === 'bare') {
      await pool.query(
        `INSERT INTO ${schema}.calls (status, due_at) SELECT 'scheduled', d FROM unnest($1::float8[]) AS d`,
        [slice],
      );
    } else {
      await pool.query(
        `INSERT INTO ${schema}.calls (${ordered ? 'id, ' : ''}status, due_at, to_phone, created_at,
            updated_at)
          SELECT ${ordered ? `${ordered}, ` : ''}'scheduled', d,
            '+1415' || (2000000 + CASE WHEN $4 THEN ($2::int + n - 1) * 7919 % 1000000
              ELSE $2::int + n - 1 END), $3, $3
          FROM unnest($1::float8[]) WITH ORDINALITY AS t(d, n)`,
        [slice, first + i, Date.now(), shape !== 'reads'],
      );
    }
  }
}

/**
 * One floor worker on `pool` (its connections opened by the caller): `wake(at)` arms a timer that
 * claims what is due at `at`, `stop()` ends its claims and clears its timers (the pool is the
 * caller's to end).
 */
export function floorWorker(
  pool: pg.Pool,
  schema: string,
  owner: string,
  inFlight: number,
  onJob: OnFloorJob,
  shape: FloorShape = 'bare',
): { wake(at: number): void; stop(): void } {
  const s = schema;
  // The claim takes the due rows under a lease and marks them in one statement, committed
  // before the handlers run: a claimed row leaves the due index (its status is no longer
  // `scheduled`), so the next claim never walks it.
  const claim = {
    name: `floor_claim_${shape}`,
    text:
      shape === 'table'
        ? `UPDATE ${s}.scheduled_calls AS c SET status = 'queued', lease_owner = $1,
              lease_until = $2, placing_at = $3, updated_at = $3, version = c.version + 1,
              events = COALESCE(c.events, jsonb_build_array(jsonb_build_object('status',
                'scheduled', 'at', c.created_at, 'attempt', 1))) || jsonb_build_array(
                jsonb_build_object('status', 'queued', 'at', $3::bigint, 'attempt', c.attempt))
            WHERE c.id IN (SELECT id FROM ${s}.scheduled_calls WHERE wake_at <= $3
              ORDER BY wake_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
            RETURNING c.id, c.due_at`
        : `UPDATE ${s}.calls AS c SET status = 'queued', lease_owner = $1, lease_until = $2,
              placing_at = $3${shape === 'bare' ? '' : ', updated_at = $3'}
            WHERE c.id IN (SELECT id FROM ${s}.calls WHERE status = 'scheduled' AND due_at <= $3
              ORDER BY due_at LIMIT $4 FOR UPDATE SKIP LOCKED)
            RETURNING c.id, c.due_at`,
  };
  const answers = {
    bare: `WITH u AS (UPDATE ${s}.calls SET status = 'completed', provider_call_id = 'b-' || id
        WHERE id = ANY($1::bigint[]) RETURNING id)
      INSERT INTO ${s}.records (id, status, ended_at) SELECT id, 'completed', $2 FROM u`,
    reads: `WITH u AS (UPDATE ${s}.calls SET status = 'completed', provider_call_id = 'b-' || id,
          updated_at = $2
        WHERE id = ANY($1::${shape === 'table' ? 'text' : IDS[shape].type}[])
        RETURNING id, to_phone, placing_at)
      INSERT INTO ${s}.records (id, status, ended_at, from_phone, to_phone, started_at)
      SELECT id, 'completed', $2, '${CALLER}', to_phone, placing_at FROM u`,
    // ringkit's answer of a call its provider reports `completed` at once: the lease let go, the
    // provider's id, the steps `initiated` and `completed`, and the attempt's record.
    table: `WITH u AS (UPDATE ${s}.scheduled_calls SET status = 'completed',
          provider_call_id = 'b-' || to_phone, updated_at = $2, lease_owner = NULL,
          lease_until = NULL, version = version + 2,
          events = events || jsonb_build_array(jsonb_build_object('status', 'initiated',
              'at', $2::bigint, 'attempt', attempt, 'providerStatus', 'completed',
              'providerCallId', 'b-' || to_phone),
            jsonb_build_object('status', 'completed', 'at', $2::bigint, 'attempt', attempt))
        WHERE id = ANY($1::text[]) RETURNING id, to_phone, attempt)
      INSERT INTO ${s}.call_records (id, from_phone, to_phone, direction, status, started_at,
        ended_at, duration_seconds)
      SELECT id || '-' || attempt, '${CALLER}', to_phone, 'outbound', 'completed', $2, $2, 0
      FROM u`,
  };
  const answer = {
    name: `floor_answer_${shape}`,
    text: answers[shape === 'bare' || shape === 'table' ? shape : 'reads'],
  };
  let running = true;
  const timers = new Set<NodeJS.Timeout>();
  let busy = 0;
  let pumping = false;
  let again = false;
  /** The answers of this tick, written together, off the path of the next claim. */
  let answered: string[] = [];
  const writeAnswers = () => {
    const ids = answered;
    answered = [];
    pool
      .query({ ...answer, values: [ids, Date.now()] })
      .catch((error: unknown) => console.error('floor:', error));
  };
  const pump = async (): Promise<void> => {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        while (running && busy < inFlight) {
          const now = Date.now();
          const free = inFlight - busy;
          const { rows } = await pool.query<{ id: string; due_at: number }>({
            ...claim,
            values: [owner, now + 30_000, now, free],
          });
          if (rows.length === 0) break;
          busy += rows.length;
          const ids = rows.map((row) => row.id);
          for (const row of rows) onJob(Number(row.due_at));
          // The handler answered: its place is free again, its answer written with the others
          // of this tick.
          busy -= rows.length;
          if (answered.length === 0) queueMicrotask(writeAnswers);
          answered.push(...ids);
          if (rows.length < free) break;
        }
      } while (again && running);
    } finally {
      pumping = false;
    }
  };
  const wake = (at: number) => {
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        // A timer may fire a little before the clock reads its time: nothing is due yet.
        if (Date.now() < at) wake(at);
        else void pump().catch((error: unknown) => console.error('floor:', error));
      },
      Math.max(0, at - Date.now()),
    );
    timers.add(timer);
  };
  return {
    wake,
    stop() {
      running = false;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
