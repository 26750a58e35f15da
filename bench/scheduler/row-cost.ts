/**
 * What one status step of a call costs PostgreSQL, by the shape of the table it is written to:
 * the claim's update of a backlog, run inside the server (a `DO` block updating the rows ten at a
 * time by id, in wake order, as the claim takes them), so neither a client nor a round trip is in
 * the figure. The shapes:
 * - `floor with reads`: `_floor.ts`'s table in its `reads` shape (bigint ids, a narrow row, the
 *   indexes of the store's reads), its claim's update; then its `reads-text` shape, with ringkit's
 *   ids (random UUIDs as text) in every index, and in its primary key alone (the other indexes
 *   ending with a number in insertion order);
 * - `ringkit`: the table of `createPostgresStore`, filled by `scheduleMany`, the update of its
 *   claim (status, lease, mark and the event appended); then the same table less some of its
 *   parts: its seven campaign indexes (partial, never matched by these rows), its wake trigger,
 *   and down to its primary key with each of the indexes every row is in (`to`, `status`,
 *   `wake`) alone;
 * - `ringkit, nothing changed`: its table, an update that sets the version to itself: what a new
 *   row version costs there whatever the step writes;
 * - `ringkit, a HOT step`: its table with room on its pages, a step that changes no indexed
 *   column: what a step costs that PostgreSQL writes as a HOT update, which adds no index entry;
 * - `ringkit, the answer's step`: the answer's update of a call its provider reports `completed`
 *   at once, its timeline of four steps sent as JSON text; then the same with the timeline
 *   stored as `json` rather than `jsonb`, and with no timeline column at all: what any narrowing
 *   of the row's largest part could save.
 *
 * Before each shape's update: `ANALYZE` and `CHECKPOINT` (each starts from clean pages). Printed
 * per shape, the medians of the runs: µs per row version, the WAL it wrote per row version, and
 * the share of its updates that were HOT. The shapes alternate, the first rotating from one run to the next.
 *
 *   pnpm --filter @ringkit/call-client build && pnpm --filter @ringkit/scheduler-core build
 *   cd bench && pnpm exec node --import tsx scheduler/row-cost.ts [--quick] [--rows 5000] [--runs 3]
 *
 * `--quick`: 2,000 rows, one run. DATABASE_URL (or TEST_DATABASE_URL) picks the server; default
 * postgres://postgres@127.0.0.1:5432/test.
 */
import pg from 'pg';
import { fmt, median, quick, table } from '../_stats.js';
import { checkpoint, CONNECTION_STRING, dropSchema, openProducer } from './_backlog-systems.js';
import { createFloorTables, enqueueFloor, IDS, type FloorTables } from './_floor.js';

const flag = (name: string) => {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : Number(process.argv[at + 1]);
};
const ROWS = flag('--rows') ?? (quick ? 2_000 : 5_000);
const RUNS = flag('--runs') ?? (quick ? 1 : 3);
if (!Number.isInteger(ROWS) || ROWS < 10) throw new Error('--rows takes an integer of at least 10');
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('--runs takes a positive integer');

const RINGKIT = 'bench_row_cost_ringkit';
const FLOOR = 'bench_row_cost_floor';
const CAMPAIGN_INDEXES = ['due', 'held', 'list', 'live', 'next', 'position', 'status'].map(
  (name) => `scheduled_calls_campaign_${name}`,
);
/** The indexes of `scheduled_calls` besides its primary key that every row here is in. */
const EVERY_ROW = ['scheduled_calls_to', 'scheduled_calls_status', 'scheduled_calls_wake'];
const OTHERS = ['scheduled_calls_finished', 'scheduled_calls_provider_call_id'];
const IDEMPOTENCY = 'scheduled_calls_idempotency_key';

/** The claim's update of `_sql.ts` for a row not on the do-not-call list, marked. */
const RINGKIT_CLAIM = `status = 'queued', lease_owner = 'w', lease_until = 4102444800000,
  placing_at = 4102444700000, updated_at = 4102444700000, version = c.version + 1,
  events = COALESCE(c.events, '[]'::jsonb) || jsonb_build_array(jsonb_build_object('status',
    'queued', 'at', 4102444700000::bigint, 'attempt', c.attempt))`;
/**
 * A step that changes no indexed column (not the status, the times, the lease's end or the mark):
 * the lease's owner, the event and the version, on a table whose pages keep room for a new version (`fillfactor` 50), so
 * that PostgreSQL can write it as a HOT update, which adds no index entry. What a step could cost
 * were the columns it changes kept out of every index.
 */
const HOT_STEP = `lease_owner = 'w', version = c.version + 1,
  events = COALESCE(c.events, '[]'::jsonb) || jsonb_build_array(jsonb_build_object('status',
    'queued', 'at', 4102444700000::bigint, 'attempt', c.attempt))`;
/**
 * The answer's step of a call its provider reports `completed` at once, as `updateMany` writes it:
 * the status, the provider's id, the lease let go, and `events` (SQL: the rest of the `SET`
 * list). ringkit's answer sends the call's whole timeline as JSON text: {@link ANSWER_EVENTS}.
 */
const ringkitAnswer = (events: string) => `status = 'completed',
  provider_call_id = 'b-' || c.to_phone, updated_at = 4102444700001, lease_owner = NULL,
  lease_until = NULL, version = c.version + 2${events}`;
/** The timeline of that call as JSON text, four steps, as the answer sends it (no whitespace). */
const ANSWER_EVENTS = [
  `'[{"at":' || c.created_at || ',"status":"scheduled","attempt":1},`,
  '{"at":4102444700000,"status":"queued","attempt":1},',
  '{"at":4102444700001,"status":"initiated","attempt":1,',
  `"providerCallId":"b-' || c.to_phone || '","providerStatus":"completed"},`,
  `{"at":4102444700001,"status":"completed","attempt":1}]'`,
].join('');
/** The floor's claim (`_floor.ts`, `reads` shape). */
const FLOOR_CLAIM = `status = 'queued', lease_owner = 'w', lease_until = 4102444800000,
  placing_at = 4102444700000, updated_at = 4102444700000`;

interface Shape {
  name: string;
  /** Creates and fills the table; answers its schema, the order its rows are claimed in, and the update. */
  setUp(): Promise<{ schema: string; order: string; set: string; idType?: string }>;
}

const dropIndexes = (schema: string, names: string[]) =>
  names.map((name) => `DROP INDEX ${schema}.${name};`).join('\n');

/**
 * ringkit's table filled by `scheduleMany`, `before` run on it before it is filled and `after`
 * once it is (`{s}`: the schema), and the update `set`.
 */
const ringkitShape = (
  name: string,
  {
    before = '',
    after = '',
    set = RINGKIT_CLAIM,
  }: { before?: string; after?: string; set?: string } = {},
): Shape => ({
  name,
  async setUp() {
    const producer = await openProducer('ringkit', { url: CONNECTION_STRING, schema: RINGKIT });
    if (before) await exec(before.replaceAll('{s}', RINGKIT));
    await producer.enqueue(
      Array.from({ length: ROWS }, () => Date.now() + 3_600_000),
      0,
    );
    await producer.close();
    if (after) await exec(after.replaceAll('{s}', RINGKIT));
    return { schema: RINGKIT, order: 'wake_at, id', set };
  },
});

/**
 * `_floor.ts`'s tables in one of its shapes with the store's reads (`reads` by default), filled,
 * then `after` run on them (`{s}`: the schema).
 */
const floorShape = (name: string, tables: FloorTables = 'reads', after = ''): Shape => ({
  name,
  async setUp() {
    const client = new pg.Client({ connectionString: CONNECTION_STRING });
    await client.connect();
    await createFloorTables(client, FLOOR, tables);
    await client.end();
    const pool = new pg.Pool({ connectionString: CONNECTION_STRING, max: 1 });
    await enqueueFloor(
      pool,
      FLOOR,
      Array.from({ length: ROWS }, () => Date.now()),
      tables,
    );
    await pool.end();
    if (after) await exec(after.replaceAll('{s}', FLOOR));
    return { schema: FLOOR, order: 'due_at, id', set: FLOOR_CLAIM, idType: IDS[tables].type };
  },
});

/**
 * On the floor's tables with ringkit's ids (`reads-text`), those ids in the primary key alone:
 * the other indexes end with a number given in insertion order instead (what a store could
 * order ties by if not by id).
 */
const TEXT_KEY_ONLY = `ALTER TABLE {s}.calls ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
  DROP INDEX {s}.calls_to; DROP INDEX {s}.calls_status; DROP INDEX {s}.calls_finished;
  CREATE INDEX calls_to ON {s}.calls (to_phone, created_at, seq);
  CREATE INDEX calls_status ON {s}.calls (status, created_at, seq);
  CREATE INDEX calls_finished ON {s}.calls (updated_at, seq) WHERE status = 'completed';`;

const SHAPES: Shape[] = [
  floorShape('floor with reads'),
  floorShape('floor with reads, text ids', 'reads-text'),
  floorShape('floor with reads, text ids in the key only', 'reads-text', TEXT_KEY_ONLY),
  ringkitShape('ringkit'),
  ringkitShape('ringkit, nothing changed', { set: 'version = c.version' }),
  ringkitShape('ringkit, a HOT step', {
    before: 'ALTER TABLE {s}.scheduled_calls SET (fillfactor = 50);',
    set: HOT_STEP,
  }),
  ringkitShape('ringkit less its campaign indexes', {
    after: dropIndexes('{s}', CAMPAIGN_INDEXES),
  }),
  ringkitShape('ringkit less its wake trigger', {
    after: 'DROP TRIGGER scheduled_calls_wake_update ON {s}.scheduled_calls;',
  }),
  ringkitShape("ringkit, the answer's step", {
    set: ringkitAnswer(`, events = (${ANSWER_EVENTS})::jsonb`),
  }),
  ringkitShape("ringkit, the answer's step, events as json", {
    after: 'ALTER TABLE {s}.scheduled_calls ALTER COLUMN events TYPE json;',
    set: ringkitAnswer(`, events = (${ANSWER_EVENTS})::json`),
  }),
  ringkitShape("ringkit, the answer's step, no events column", {
    after: 'ALTER TABLE {s}.scheduled_calls DROP COLUMN events;',
    set: ringkitAnswer(''),
  }),
  ...[[], ...EVERY_ROW.map((index) => [index])].map((kept) =>
    ringkitShape(
      `ringkit, primary key${kept.map((k) => ` + ${k.replace('scheduled_calls_', '')}`).join('')} only`,
      {
        after: dropIndexes('{s}', [
          ...CAMPAIGN_INDEXES,
          ...OTHERS,
          IDEMPOTENCY,
          ...EVERY_ROW.filter((index) => !kept.includes(index)),
        ]),
      },
    ),
  ),
];

async function exec(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: CONNECTION_STRING });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The update of every row, ten at a time: µs and WAL bytes per row version, the share HOT. */
async function measure(shape: Shape): Promise<{ us: number; wal: number; hot: number }> {
  await dropSchema(CONNECTION_STRING, RINGKIT);
  await dropSchema(CONNECTION_STRING, FLOOR);
  const { schema, order, set, idType = 'text' } = await shape.setUp();
  const client = new pg.Client({ connectionString: CONNECTION_STRING });
  await client.connect();
  try {
    const table = `${schema}.${schema === FLOOR ? 'calls' : 'scheduled_calls'}`;
    await client.query(`ANALYZE ${table}`);
    await checkpoint(CONNECTION_STRING);
    const { rows } = await client.query<{ lsn: string }>(
      'SELECT pg_current_wal_insert_lsn()::text AS lsn',
    );
    // In a transaction of its own, so that its counts of updates, and of HOT ones, can be read
    // before it commits.
    await client.query('BEGIN');
    const started = process.hrtime.bigint();
    await client.query(`DO $$
      DECLARE ids ${idType}[];
      BEGIN
        FOR ids IN SELECT array_agg(id) FROM (SELECT id, (row_number() OVER (ORDER BY ${order}) - 1) / 10 AS g
          FROM ${table}) AS s GROUP BY g ORDER BY g LOOP
          UPDATE ${table} AS c SET ${set} WHERE c.id = ANY(ids);
        END LOOP;
      END $$`);
    const us = Number(process.hrtime.bigint() - started) / 1000 / ROWS;
    const { rows: counts } = await client.query<{ updated: string; hot: string }>(
      `SELECT pg_stat_get_xact_tuples_updated($1::regclass)::text AS updated,
        pg_stat_get_xact_tuples_hot_updated($1::regclass)::text AS hot`,
      [table],
    );
    await client.query('COMMIT');
    const { rows: wal } = await client.query<{ bytes: string }>(
      'SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1::pg_lsn)::text AS bytes',
      [rows[0]!.lsn],
    );
    const hot = Number(counts[0]!.hot) / Number(counts[0]!.updated);
    return { us, wal: Number(wal[0]!.bytes) / ROWS, hot };
  } finally {
    await client.end();
    await dropSchema(CONNECTION_STRING, schema);
  }
}

const results = new Map<string, { us: number; wal: number; hot: number }[]>();
for (let run = 0; run < RUNS; run++) {
  const shift = run % SHAPES.length;
  for (const shape of [...SHAPES.slice(shift), ...SHAPES.slice(0, shift)]) {
    const result = await measure(shape);
    results.set(shape.name, [...(results.get(shape.name) ?? []), result]);
  }
}

console.log(
  `\nOne status step of ${fmt(ROWS)} calls, ten rows to an UPDATE inside the server, by table ` +
    `shape; medians of ${RUNS} run(s), alternated\n`,
);
const floor = median(results.get('floor with reads')!.map((r) => r.us));
table(
  SHAPES.map(({ name }) => {
    const runs = results.get(name)!;
    const us = median(runs.map((r) => r.us));
    return {
      shape: name,
      'µs per row version': fmt(us, 1),
      '÷ floor with reads': `${fmt(us / floor, 2)}×`,
      'runs, µs': runs.map((r) => fmt(r.us, 1)).join(' / '),
      'WAL bytes per row version': Math.round(median(runs.map((r) => r.wal))),
      'HOT updates': `${Math.round(100 * median(runs.map((r) => r.hot)))} %`,
    };
  }),
);
process.exit(0);
