/**
 * Every statement the PostgreSQL store sends for the scheduler and the demo is served by an
 * index, on tables large enough for the planner to care. The statements are not listed here:
 * they are captured from a pool of the test's own while a workload drives the store through the
 * scheduler's public API (test/plans.ts), then while lost answers make the store run its retry
 * paths. Each distinct statement, with each parameter set it was sent with, is then checked
 * against two rules, each a test per statement named by the store methods that sent it:
 *
 * 1. its plan (`EXPLAIN`) has no sequential scan of `scheduled_calls` or `call_records`;
 * 2. run for real in a transaction rolled back (`EXPLAIN ANALYZE`), no scan of either table reads
 *    more than a quarter of its rows (returned, or read and thrown away by a filter), whatever
 *    the index: an index walked from its start past the pile of finished calls is no better
 *    than a sequential scan. Live calls are a tenth of the rows, so counting them all passes.
 *
 * The data (loaded, then `ANALYZE`d, before the workload): 200k finished calls over 90 days,
 * 20k scheduled over the next four weeks, 100 in flight, and 200k call records between the
 * caller id and 10k numbers; and a campaign of 40k entries created two days before the
 * workload, all at once (30k finished, 50 in flight, 50 of unknown outcome still held, 10k
 * due): the scheduler-wide statements must not walk its rows, and the campaign statements are
 * also run on it (`loadedCampaignWork`). The plans are the custom plans of those parameters; a
 * prepared statement's generic plan is only used when it costs no more than they do. The
 * statements the store prepares by name and runs with their generic plans (a campaign's claim
 * and its wake, `EXECUTE`) are read with their generic plans, under the settings the store runs
 * them with.
 */
import { Client, Pool, type QueryResultRow } from 'pg';
import { storedCall } from '../../testing/store-contract.js';
import type { Store, StoredCall, StoredCampaign } from '../../store.js';
import {
  describeWithDatabase,
  holdDatabaseLock,
  randomSchema,
  runThenLoseAnswer,
  TEST_DATABASE_URL,
} from '../../../test/pg-testing.js';
import {
  CALLER_ID,
  currentTag,
  DAY_MS,
  distinctStatements,
  expectedTags,
  phone,
  planTests,
  PHONES,
  runWorkload,
  statementNames,
  T0,
  taggingStore,
  type Captured,
  type PlanResult,
  type Statement,
} from '../../../test/plans.js';
import { CLAIM_SETTINGS } from './_campaign-sql.js';
import { createPostgresStore } from './postgres.js';

const FINISHED = 200_000;
const SCHEDULED = 20_000;
const IN_FLIGHT = 100;
const RECORDS = 200_000;
/** The loaded campaign: its id, its entries, and how many of them are finished, in flight, held. */
const LOADED = 'loaded';
const CAMPAIGN_ROWS = 40_000;
const CAMPAIGN_FINISHED = 29_900;
const CAMPAIGN_IN_FLIGHT = 50;
const CAMPAIGN_HELD = 50;
/** When the loaded campaign was created, and its entries with it. */
const CAMPAIGN_AT = T0 - 2 * DAY_MS;
/** The tables no statement may read with a sequential scan, nor mostly through an index. */
const TABLES = new Set(['scheduled_calls', 'call_records']);
/**
 * Their rows once loaded. The workload adds its own campaign (20k entries, inserted after the
 * `ANALYZE` of the load: the store analyses the table after a large campaign) and a few dozen
 * calls; the quarter of rule 2 is of the rows loaded, the stricter.
 */
const ROWS: Record<string, number> = {
  scheduled_calls: FINISHED + SCHEDULED + IN_FLIGHT + CAMPAIGN_ROWS,
  call_records: RECORDS,
};

/** Fills the store's tables of schema `s` (quoted), one `INSERT … SELECT` each. */
function loadSql(s: string): string {
  /** Ids in insertion order: index pages fill one after the other (random ones load slower). */
  const idOf = (prefix: string) => `'${prefix}' || lpad(i::text, 7, '0')`;
  const phoneOf = (i: string) => `'+1415300' || lpad((${i} % ${PHONES})::text, 4, '0')`;
  const event = (status: string, at: string, attempt: number) =>
    `jsonb_build_object('status', ${status}, 'at', ${at}, 'attempt', ${attempt})`;
  const columns = `id, to_phone, status, due_at, created_at, updated_at, version, attempt,
    lease_owner, lease_until, placing_at, provider_call_id, reason, idempotency_key, events,
    options, call_options`;
  // 12 completed, 3 no-answer, 2 busy, 2 failed, 1 canceled in 20.
  const ends = `ARRAY['completed','completed','completed','completed','completed','completed',
    'completed','completed','completed','completed','completed','completed','no-answer',
    'no-answer','no-answer','busy','busy','failed','failed','canceled']`;
  return `
    INSERT INTO ${s}.scheduled_calls (${columns})
    SELECT ${idOf('f')}, ${phoneOf('i')}, st, t, t - 3600000, t + 90000, 4, 1,
      NULL, NULL, t, 'CA' || ${idOf('p')},
      CASE st WHEN 'failed' THEN 'provider_error' WHEN 'busy' THEN 'busy'
        WHEN 'no-answer' THEN 'no-answer' END,
      CASE WHEN i % 4 = 0 THEN 'key-f' || i END,
      jsonb_build_array(${event("'scheduled'", 't - 3600000', 0)}, ${event('st', 't + 90000', 1)}),
      NULL, NULL
    FROM (SELECT i, ${T0 - 90 * DAY_MS}::bigint + i * ${Math.floor((89 * DAY_MS) / FINISHED)} AS t,
        (${ends})[1 + i % 20] AS st
      FROM generate_series(0::bigint, ${FINISHED - 1}) AS i) AS g;

    INSERT INTO ${s}.scheduled_calls (${columns})
    SELECT ${idOf('s')}, ${phoneOf('i * 7')}, 'scheduled', t, c, c, 1, 0,
      NULL, NULL, NULL, NULL, NULL, CASE WHEN i % 4 = 0 THEN 'key-s' || i END,
      jsonb_build_array(${event("'scheduled'", 'c', 0)}), NULL, NULL
    FROM (SELECT i, ${T0 + 3_600_000}::bigint + i::bigint * 120000 AS t,
        ${T0 - DAY_MS}::bigint + i * ${Math.floor(DAY_MS / SCHEDULED)} AS c
      FROM generate_series(0::bigint, ${SCHEDULED - 1}) AS i) AS g;

    INSERT INTO ${s}.scheduled_calls (${columns})
    SELECT ${idOf('l')}, ${phoneOf('i * 13')}, 'ringing', t, t - 60000, t + 5000,
      3, 1, 'another-worker', ${T0 + 600_000}, t, 'CA-live-' || i, NULL, NULL,
      jsonb_build_array(${event("'scheduled'", 't - 60000', 0)}), NULL, NULL
    FROM (SELECT i, ${T0 - 300_000}::bigint + i * 100 AS t
      FROM generate_series(0::bigint, ${IN_FLIGHT - 1}) AS i) AS g;

    INSERT INTO ${s}.campaigns (id, state, concurrency, total, fingerprint, settings,
      next_slot_at, created_at, updated_at, version)
    VALUES ('${LOADED}', 'running', 100, ${CAMPAIGN_ROWS}, 'loaded', '{}', 0, ${CAMPAIGN_AT},
      ${CAMPAIGN_AT}, 1);

    INSERT INTO ${s}.scheduled_calls (${columns}, campaign_id, position)
    SELECT ${idOf('k')}, ${phoneOf('i * 3')}, st, t, ${CAMPAIGN_AT}, t + 90000,
      CASE WHEN st = 'scheduled' THEN 1 ELSE 4 END, CASE WHEN st = 'scheduled' THEN 0 ELSE 1 END,
      CASE WHEN st = 'ringing' THEN 'another-worker' END,
      CASE WHEN st = 'ringing' THEN ${T0 + 600_000} END,
      CASE WHEN st <> 'scheduled' THEN t END,
      CASE WHEN st <> 'scheduled' AND NOT held THEN 'CA' || ${idOf('q')} END,
      CASE WHEN held THEN 'outcome_unknown' WHEN st = 'failed' THEN 'provider_error'
        WHEN st = 'busy' THEN 'busy' WHEN st = 'no-answer' THEN 'no-answer' END,
      NULL, NULL, NULL, NULL, '${LOADED}', i
    FROM (SELECT i, held,
        CASE WHEN held THEN ${T0 - 30_000}::bigint + i
          WHEN i < ${CAMPAIGN_FINISHED + CAMPAIGN_IN_FLIGHT}
          THEN ${CAMPAIGN_AT}::bigint + i * 4000 ELSE ${CAMPAIGN_AT} END AS t,
        CASE WHEN i < ${CAMPAIGN_FINISHED} THEN (${ends})[1 + i % 20]
          WHEN i < ${CAMPAIGN_FINISHED + CAMPAIGN_IN_FLIGHT} THEN 'ringing'
          WHEN held THEN 'failed' ELSE 'scheduled' END AS st
      FROM (SELECT i, i >= ${CAMPAIGN_FINISHED + CAMPAIGN_IN_FLIGHT}
          AND i < ${CAMPAIGN_FINISHED + CAMPAIGN_IN_FLIGHT + CAMPAIGN_HELD} AS held
        FROM generate_series(0::bigint, ${CAMPAIGN_ROWS - 1}) AS i) AS n) AS g;

    INSERT INTO ${s}.call_records (id, from_phone, to_phone, direction, status, started_at,
      answered_at, ended_at, duration_seconds, outcome_unknown, answered_by)
    SELECT ${idOf('r')},
      CASE WHEN inbound THEN ${phoneOf('i')} ELSE '${CALLER_ID}' END,
      CASE WHEN inbound THEN '${CALLER_ID}' ELSE ${phoneOf('i')} END,
      CASE WHEN inbound THEN 'inbound' ELSE 'outbound' END, st, t,
      CASE WHEN st = 'completed' THEN t + 5000 END, t + 65000,
      CASE WHEN st = 'completed' THEN 60 END, false, NULL
    FROM (SELECT i, i % 10 = 0 AS inbound, (${ends})[1 + i % 20] AS st,
        ${T0 - 90 * DAY_MS}::bigint + i * ${Math.floor((90 * DAY_MS - 3_600_000) / RECORDS)} AS t
      FROM generate_series(0::bigint, ${RECORDS - 1}) AS i) AS g;
`;
}

/**
 * Loads the data into the store's tables in `schema`, as fast as the server can: without the
 * write-ahead log (plans do not depend on it), without the wake trigger, and with the indexes
 * the migrations made (whichever they are) dropped first and built again after, one sort each
 * instead of one insertion per row. The schema ends as the migrations left it, then analysed.
 */
async function load(admin: Pool, schema: string): Promise<void> {
  const s = `"${schema}"`;
  const tables = [...TABLES].map((table) => `${s}.${table}`);
  const { rows: indexes } = await admin.query<{ name: string; def: string }>(
    `SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS def
      FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
      JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = $1 AND t.relname = ANY($2)
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`,
    [schema, [...TABLES]],
  );
  for (const table of tables) {
    await admin.query(`ALTER TABLE ${table} SET UNLOGGED`);
    await admin.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
  }
  for (const { name } of indexes) await admin.query(`DROP INDEX ${s}."${name}"`);
  await admin.query(loadSql(s));
  for (const { def } of indexes) await admin.query(def);
  for (const table of tables) {
    await admin.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
  }
  await admin.query(`ANALYZE ${tables.join(', ')}`);
}

type Query = (...args: unknown[]) => unknown;

/**
 * A `pg.Client` class that records every statement sent while `recording` says so, and that can
 * lose the answer of one statement: it runs, then its caller gets a connection reset (`ECONNRESET`),
 * as when the connection drops just after the server committed.
 */
function recordingClient(
  captured: Captured[],
  recording: () => boolean,
  prepared: Map<string, Prepared>,
) {
  let armed: { match: RegExp; fired: boolean } | null = null;
  const original = Client.prototype.query as Query;
  class RecordingClient extends Client {}
  RecordingClient.prototype.query = function (this: Client, ...args: unknown[]) {
    const [config, second] = args;
    const text = typeof config === 'string' ? config : (config as { text?: unknown }).text;
    if (typeof text !== 'string') return original.apply(this, args);
    const values = Array.isArray(second)
      ? (second as unknown[])
      : ((config as { values?: unknown[] }).values ?? []);
    if (recording()) {
      // A simple query of several statements (a claim of one round trip): each on its own. A
      // statement prepared by name is checked as it runs, with its generic plan (see `check`).
      const parts = values.length === 0 ? text.split(';\n') : [text];
      for (const part of parts) {
        const prepare = /^PREPARE (\w+) AS ([^]*)$/.exec(part);
        const execute = /^EXECUTE (\w+)\(([^]*)\)$/.exec(part);
        if (prepare) {
          prepared.set(stableName(prepare[1]!), { name: prepare[1]!, body: prepare[2]! });
        } else if (execute) {
          const text = `EXECUTE ${stableName(execute[1]!)}`;
          captured.push({ text, values: [execute[2]!], tag: currentTag() });
        } else {
          captured.push({ text: part, values, tag: currentTag() });
        }
      }
    }
    const fault = armed?.match.test(text) ? armed : null;
    if (!fault) return original.apply(this, args);
    armed = null;
    fault.fired = true;
    return runThenLoseAnswer(original, this, args, 'an answer lost on purpose by the plans test');
  } as typeof Client.prototype.query;
  return {
    RecordingClient,
    /** Loses the answer of the next statement matching `match`. */
    loseNext(match: RegExp) {
      armed = { match, fired: false };
      return armed;
    },
  };
}

/**
 * Runs the retry paths of the store: each write's answer is lost once, so the store runs it
 * again knowing it may have committed, and reads back what the lost try did.
 */
async function loseAnswers(store: Store, loseNext: (match: RegExp) => { fired: boolean }) {
  const now = T0 + DAY_MS;
  const row = (id: string): StoredCall =>
    storedCall({
      id,
      to: phone(42),
      dueAt: now - 1_000,
      createdAt: now - 60_000,
      updatedAt: now - 60_000,
    });
  const lose = async (what: string, match: RegExp, write: () => Promise<unknown>) => {
    const fault = loseNext(match);
    await write();
    if (!fault.fired) throw new Error(`plans: the statement of ${what} never matched ${match}`);
  };
  await lose('insert', /^\s*INSERT INTO \S+\.scheduled_calls [^]*RETURNING/, () =>
    store.insert(row('lost-1')),
  );
  await lose('insertMany', /^COMMIT$/, () =>
    store.insertMany!([row('lost-2'), row('lost-3'), row('lost-4')]),
  );
  await lose('update', /^\s*UPDATE \S+\.scheduled_calls SET [^]*RETURNING/, () =>
    store.update('lost-1', 1, { reason: 'lost', updatedAt: now }),
  );
  await lose('updateMany', /^\s*WITH u AS/, () =>
    store.updateMany!([
      { id: 'lost-2', expectedVersion: 1, patch: { reason: 'lost', updatedAt: now } },
      {
        id: 'lost-3',
        expectedVersion: 1,
        patch: { reason: 'lost', updatedAt: now },
        record: {
          id: 'lost-3-r',
          from: CALLER_ID,
          to: phone(42),
          direction: 'outbound',
          status: 'completed',
          startedAt: now - 60_000,
          answeredAt: now - 50_000,
          endedAt: now - 10_000,
          durationS: 40,
        },
      },
    ]),
  );
  await lose('claimDue', /\nEXECUTE ringkit_\w+_due\(/, () =>
    store
      .claimDue({ now, limit: 2, workerId: 'plans-lost', leaseUntil: now + 30_000 })
      .then((c) => c.calls),
  );
  await lose('claimDue(budget)', /^\s*WITH budget AS MATERIALIZED/, () =>
    store.claimDue({
      now,
      limit: 2,
      workerId: 'plans-lost',
      leaseUntil: now + 31_000,
      budget: {
        intervalMs: 50,
        horizonMs: 1_000,
      },
    }),
  );
  const campaign: StoredCampaign = {
    id: 'lost-campaign',
    state: 'running',
    concurrency: 2,
    total: 3,
    fingerprint: 'lost',
    settings: {},
    nextSlotAt: 0,
    createdAt: now - 60_000,
    updatedAt: now - 60_000,
    archivedAt: null,
    version: 1,
  };
  const entries = [0, 1, 2].map((position) => ({
    ...row(`lost-c${position}`),
    campaign: campaign.id,
    position,
  }));
  await lose('insertCampaign', /^COMMIT$/, () => store.insertCampaign!(campaign, entries));
  await lose('updateCampaign', /^\s*UPDATE \S+\.campaigns SET/, () =>
    store.updateCampaign!(campaign.id, 1, { concurrency: 3, updatedAt: now }),
  );
  await lose('claimCampaign', /^COMMIT$/, () =>
    store.claimCampaign!(campaign.id, now, 2, 'plans-lost', now + 30_000, {
      holdMs: 60_000,
      budget: { intervalMs: 50, horizonMs: 1_000 },
    }),
  );
}

/**
 * The campaign statements on the loaded campaign, whatever the workload did with its own: its
 * claims (one that finds every place taken, one that adopts the rows whose lease ran out and
 * claims entries once the holds passed), its next wake, its pages and counts.
 */
async function loadedCampaignWork(store: Store) {
  const before = T0 + 10_000;
  const after = T0 + 700_000;
  const budget = { intervalMs: 50, horizonMs: 1_000 };
  await store.getCampaign!(LOADED);
  await store.listCampaigns!({ limit: 5 });
  await store.nextCampaignWake!(LOADED, before, 60_000);
  await store.claimCampaign!(LOADED, before, 60, 'plans-c', before + 30_000, {
    holdMs: 60_000,
    budget,
  });
  await store.nextCampaignWake!(LOADED, after, 60_000);
  await store.claimCampaign!(LOADED, after, 60, 'plans-c', after + 30_000, {
    holdMs: 60_000,
    budget,
  });
  await store.claimCampaign!(LOADED, after, 60, 'plans-c', after + 30_000, { holdMs: 60_000 });
  await store.listCampaignCalls!(LOADED, { limit: 100 });
  await store.listCampaignCalls!(LOADED, { afterPosition: 29_000, limit: 100 });
  await store.listCampaignCalls!(LOADED, { status: ['scheduled'], limit: 500 });
  await store.listCampaignCalls!(LOADED, {
    status: ['failed', 'completed'],
    afterPosition: 1_000,
    limit: 50,
  });
  // Asked together, as the campaigns of a process re-read on one beat: one statement each.
  await Promise.all([store.getCampaign!(LOADED), store.getCampaign!('nobody')]);
  await Promise.all([
    store.listCampaignCalls!(LOADED, { afterPosition: 29_000, limit: 100 }),
    store.listCampaignCalls!('nobody', { limit: 100 }),
  ]);
  await Promise.all([
    store.listCampaignCalls!(LOADED, { status: ['queued', 'ringing'], limit: 500 }),
    store.listCampaignCalls!('nobody', { status: ['queued', 'ringing'], limit: 500 }),
  ]);
  await store.countCampaign!(LOADED);
  const page = await store.list({ campaign: LOADED, limit: 50 });
  await Promise.all(page.items.slice(0, 3).map((row) => store.get(row.id)));
  await store.list({ campaign: LOADED, limit: 50, cursor: page.nextCursor });
  await store.list({ campaign: LOADED, status: 'scheduled', limit: 50 });
  await store.list({ campaign: LOADED, status: ['queued', 'ringing'], limit: 50 });
  await store.list({ campaign: LOADED, to: phone(3), limit: 50 });
  const campaign = (await store.getCampaign!(LOADED))!;
  await store.updateCampaign!(LOADED, campaign.version, { concurrency: 100, updatedAt: after });
  // Every call of the campaign ends: the plans of the claims above, read after the workload,
  // adopt nothing and claim entries again.
  const live = await store.listCampaignCalls!(LOADED, {
    status: ['queued', 'ringing'],
    limit: 500,
  });
  await store.updateMany!(
    live.map((row) => ({
      id: row.id,
      expectedVersion: row.version,
      patch: { status: 'completed', leaseOwner: null, leaseUntil: null, updatedAt: after },
    })),
  );
}

interface Plan {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Filter?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  /** Per loop, as EXPLAIN reports it. */
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: Plan[];
}

const nodes = (plan: Plan): Plan[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

/** Rule 1: the sequential scans of `TABLES` in a plan, described. */
function seqScans(plan: Plan): string[] {
  return nodes(plan)
    .filter((node) => node['Node Type'] === 'Seq Scan' && TABLES.has(node['Relation Name']!))
    .map(
      (node) =>
        `Seq Scan on ${node['Relation Name']}${node.Filter ? ` (Filter: ${node.Filter})` : ''}`,
    );
}

/**
 * Rule 2: the scans of `TABLES` in an executed plan (EXPLAIN ANALYZE) that read more than a
 * quarter of their table, whatever the index: the rows they returned and the rows they read and
 * threw away (filter, recheck), over all their loops.
 */
function bulkReads(plan: Plan): string[] {
  return nodes(plan).flatMap((node) => {
    const table = node['Relation Name'];
    if (!table || !TABLES.has(table)) return [];
    const loops = node['Actual Loops'] ?? 1;
    const read =
      ((node['Actual Rows'] ?? 0) +
        (node['Rows Removed by Filter'] ?? 0) +
        (node['Rows Removed by Index Recheck'] ?? 0)) *
      loops;
    if (read <= ROWS[table]! / 4) return [];
    const how = node['Index Name']
      ? `${node['Node Type']} using ${node['Index Name']}`
      : node['Node Type'];
    return [
      `${how} on ${table} read ${Math.round(read)} rows of ${ROWS[table]}${node.Filter ? ` (Filter: ${node.Filter})` : ''}`,
    ];
  });
}

interface Result extends PlanResult {
  /** Rule 1's findings over every parameter set. */
  scans: string[];
  /** Rule 2's findings over every parameter set. */
  reads: string[];
}

/** A statement the store prepared by name: its name on the store's connection, and its SQL. */
interface Prepared {
  name: string;
  body: string;
}

/** A prepared statement's name with its schema's digest left out: the same from run to run. */
const stableName = (name: string) => name.replace(/^ringkit_[a-z0-9]+_/, 'ringkit_');

/**
 * Reads the plans of one statement, each parameter set in turn. A prepared statement
 * (`EXECUTE name`, its arguments the sample) is prepared on the checking connection as the store
 * prepared it, and read with its generic plan under the settings the store runs it with
 * (`CLAIM_SETTINGS`).
 */
async function check(
  admin: Pool,
  statement: Statement,
  prepared: Map<string, Prepared>,
): Promise<Omit<Result, 'name'>> {
  const scans = new Set<string>();
  const reads = new Set<string>();
  const plans: string[] = [];
  const client = await admin.connect();
  const executed = /^EXECUTE (\w+)$/.exec(statement.text);
  const generic = executed ? prepared.get(executed[1]!) : undefined;
  if (executed && !generic) throw new Error(`plans: ${statement.text} was never prepared`);
  try {
    if (generic) {
      await client.query(`PREPARE ${generic.name} AS ${generic.body}`);
      for (const [setting, value] of Object.entries(CLAIM_SETTINGS)) {
        await client.query(`SET ${setting} = ${value}`);
      }
    }
    for (const values of statement.samples) {
      const explain = async (options: string) => {
        const { rows } = await (generic
          ? client.query<QueryResultRow>(
              `EXPLAIN (${options}) EXECUTE ${generic.name}(${String(values[0])})`,
            )
          : client.query<QueryResultRow>(`EXPLAIN (${options}) ${statement.text}`, values));
        return rows;
      };
      const planOf = (rows: QueryResultRow[]) =>
        (rows[0]!['QUERY PLAN'] as { Plan: Plan }[])[0]!.Plan;
      const found = seqScans(planOf(await explain('FORMAT JSON')));
      // Run for real, in a transaction rolled back: how many rows each scan read.
      let read: string[];
      await client.query('BEGIN');
      try {
        read = bulkReads(planOf(await explain('ANALYZE, FORMAT JSON')));
      } catch (error) {
        // A statement that cannot run again (an insert of a row now stored) reads no table.
        read = [];
        if ((error as { code?: unknown }).code !== '23505') throw error;
      } finally {
        await client.query('ROLLBACK');
      }
      if (found.length + read.length === 0) continue;
      for (const scan of found) scans.add(scan);
      for (const r of read) reads.add(r);
      await client.query('BEGIN');
      try {
        const rows = await explain(read.length > 0 ? 'ANALYZE' : 'COSTS');
        plans.push(
          `with ${JSON.stringify(values).slice(0, 300)}:\n` +
            rows.map((row) => row['QUERY PLAN'] as string).join('\n'),
        );
      } finally {
        await client.query('ROLLBACK');
      }
    }
  } finally {
    if (generic) {
      await client.query(`DEALLOCATE ${generic.name}`);
      for (const setting of Object.keys(CLAIM_SETTINGS)) await client.query(`RESET ${setting}`);
    }
    client.release();
  }
  return {
    text: statement.text,
    tags: statement.tags,
    scans: [...scans],
    reads: [...reads],
    plans: plans.join('\n\n'),
  };
}

async function analyse(url: string) {
  const release = await holdDatabaseLock(url, 'shared');
  const schema = randomSchema();
  const s = `"${schema}"`;
  const captured: Captured[] = [];
  const prepared = new Map<string, Prepared>();
  let recording = false;
  const { RecordingClient, loseNext } = recordingClient(captured, () => recording, prepared);
  const pool = new Pool({ connectionString: url, max: 10, Client: RecordingClient });
  const admin = new Pool({ connectionString: url, max: 1 });
  try {
    const inner = createPostgresStore({ pool }, { schema });
    await inner.ready();
    await load(admin, schema);
    const tagged = taggingStore(inner);
    recording = true;
    try {
      await runWorkload(tagged);
      await loadedCampaignWork(tagged.store);
      await loseAnswers(tagged.store, loseNext);
    } finally {
      recording = false;
      await inner.close();
    }
    const statements = distinctStatements(captured);
    const names = statementNames(statements);
    const results: Result[] = [];
    for (const [i, statement] of statements.entries()) {
      results.push({ name: names[i]!, ...(await check(admin, statement, prepared)) });
    }
    return { results, expected: expectedTags(inner) };
  } finally {
    await pool.end();
    await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`).catch(() => undefined);
    await admin.end();
    await release();
  }
}

// The statements are known once the workload has run: it runs while the file is collected.
const analysis = TEST_DATABASE_URL ? await analyse(TEST_DATABASE_URL) : null;

describeWithDatabase('createPostgresStore: every statement is served by an index', () => {
  const { results, expected } = analysis!;
  planTests(results, expected, [
    {
      title: 'no sequential scan of scheduled_calls or call_records (EXPLAIN)',
      findings: (result) => result.scans,
    },
    {
      title: 'no scan reads more than a quarter of its table (EXPLAIN ANALYZE, rolled back)',
      findings: (result) => result.reads,
    },
  ]);
});
