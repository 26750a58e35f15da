/**
 * What the PostgreSQL store's hottest statements cost the server once a process has run them a
 * few times, on a campaign of a few thousand entries (the size at which the planner still likes
 * sequential scans):
 *
 * - a campaign's claim, run as the store runs it (its generic plan under `CLAIM_SETTINGS`),
 *   reads the rows it claims and few more: none of its scans walks the list; so does the claim
 *   of a campaign with a send budget, which runs in a transaction of its own;
 * - a batch of updates (`updateMany`) is run with its generic plan once PostgreSQL has made its
 *   first custom plans, instead of being planned anew on every run.
 */
import pg from 'pg';
import { beforeAll, expect, it } from 'vitest';
import { storedCall, storedCampaign } from '../../testing/store-contract/_fixtures.js';
import { entries } from '../../testing/store-contract/_campaign-fixtures.js';
import { campaignSchema, describeWithDatabase } from '../../../test/pg-testing.js';
import type { PostgresStore } from './postgres.js';
import { CLAIM_SETTINGS, preparedClaim, withLiterals } from './_campaign-sql.js';
import { campaignStatementsFor } from './_sql.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const ENTRIES = 3_000;
const LONG = 50_000;
/** A number of its own for each of 10,000 positions. */
const numberAt = (position: number) => `+1415555${String(position % 10_000).padStart(4, '0')}`;

/** A node of `EXPLAIN (FORMAT JSON)`. */
interface Plan {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: Plan[];
}

/** Every scan of `plan` with the rows it read: returned, or read and thrown away by a filter. */
function scans(plan: Plan, out: { node: string; read: number }[] = []) {
  if (plan['Relation Name'] !== undefined) {
    const loops = plan['Actual Loops'] ?? 1;
    out.push({
      node: `${plan['Node Type']} on ${plan['Relation Name']}`,
      read: ((plan['Actual Rows'] ?? 0) + (plan['Rows Removed by Filter'] ?? 0)) * loops,
    });
  }
  for (const child of plan.Plans ?? []) scans(child, out);
  return out;
}

describeWithDatabase('the PostgreSQL store, its plans made once', (url) => {
  // One connection: every statement of the store is prepared, and planned, on it.
  const db = campaignSchema(url, { campaign: 'big', concurrency: 2, total: ENTRIES, max: 1 });
  const { s, client } = db;

  it('claims two entries of a list of 3,000 reading a handful of rows, by their keys', async () => {
    await client.query(`ANALYZE ${s}.scheduled_calls`);
    const { prepare, execute } = preparedClaim(campaignStatementsFor(s), s, 'rk_reuse');
    await client.query(prepare);
    // The store's execute, its claim explained: the lock, the settings, the claim.
    const [lock, settings, claim] = execute.split(';\n');
    // Up to ten asked, two places under the cap: the claim takes two.
    const values = ['big', T0, 10, 'w1', T0 + 30_000, T0 - 60_000, 60_000, true];
    await client.query('BEGIN');
    try {
      await client.query(withLiterals(lock!, values, pg.escapeLiteral));
      await client.query(withLiterals(settings!, values, pg.escapeLiteral));
      const { rows } = await client.query<{ 'QUERY PLAN': { Plan: Plan }[] }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${withLiterals(claim!, values, pg.escapeLiteral)}`,
      );
      const plan = rows[0]!['QUERY PLAN'][0]!.Plan;
      expect(JSON.stringify(plan)).toMatch(/"Node Type":"ModifyTable".*"Actual Rows":2/);
      const read = scans(plan);
      const calls = read.filter((scan) => scan.node.endsWith(' on scheduled_calls'));
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.filter((scan) => scan.node.startsWith('Seq Scan'))).toEqual([]);
      // Two claimed, each found by its key; the places taken counted; the entries before the
      // last one claimed checked for the do-not-call list. No scan reads the list.
      expect(Math.max(...calls.map((scan) => scan.read))).toBeLessThanOrEqual(10);
    } finally {
      await client.query('ROLLBACK');
    }
    // Every setting was for that transaction only.
    for (const setting of Object.keys(CLAIM_SETTINGS)) {
      const { rows } = await client.query<Record<string, string>>(`SHOW ${setting}`);
      expect(Object.values(rows[0]!)[0]).not.toBe(
        CLAIM_SETTINGS[setting as keyof typeof CLAIM_SETTINGS],
      );
    }
  });

  it('runs a batch of updates with its generic plan once it has made its first custom ones', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `batch-${i}`);
    await db.store.insertMany!(ids.map((id) => storedCall({ id })));
    // Ten batches of two rows, the same fields each time: one statement, prepared once.
    for (let i = 0; i < ids.length; i += 2) {
      const applied = await db.store.updateMany!(
        ids.slice(i, i + 2).map((id) => ({ id, expectedVersion: 1, patch: { reason: 'batch' } })),
      );
      expect(applied).toEqual([true, true]);
    }
    const { rows } = await db.store.pool.query<{ generic: number; custom: number }>(
      `SELECT generic_plans::int AS generic, custom_plans::int AS custom
         FROM pg_prepared_statements WHERE statement LIKE 'WITH u AS MATERIALIZED%'`,
    );
    expect(rows).toHaveLength(1);
    // PostgreSQL makes five custom plans before it weighs the generic one; a batch whose custom
    // plan looks cheaper (one that knows how many ids it locks) would be planned on every run.
    expect(rows[0]).toEqual({ generic: 5, custom: 5 });
    expect((await db.store.get('batch-0'))?.reason).toBe('batch');
  });
});

/**
 * The plans of every statement `work` makes the store run on its one connection (`max: 1`),
 * as `auto_explain` gives them, run for real, to this test (as notices), with their text.
 */
async function explained(store: PostgresStore, work: () => Promise<void>) {
  const plans: { text: string; plan: Plan }[] = [];
  const connection = await store.pool.connect();
  const onNotice = ({ message = '' }: { message?: string }) => {
    const explain = JSON.parse(message.slice(message.indexOf('{'))) as {
      'Query Text': string;
      Plan: Plan;
    };
    plans.push({ text: explain['Query Text'], plan: explain.Plan });
  };
  connection.on('notice', onNotice);
  await connection.query(`LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0;
    SET auto_explain.log_analyze = on; SET auto_explain.log_format = json;
    SET auto_explain.log_level = notice`);
  connection.release();
  try {
    await work();
  } finally {
    const again = await store.pool.connect();
    await again.query('SET auto_explain.log_min_duration = -1');
    again.off('notice', onNotice);
    again.release();
  }
  return plans;
}

/** The most rows any scan of `plan` on `scheduled_calls` read, and whether one was sequential. */
function callsRead(plan: Plan) {
  const calls = scans(plan).filter((scan) => scan.node.endsWith(' on scheduled_calls'));
  return {
    most: Math.max(0, ...calls.map((scan) => scan.read)),
    sequential: calls.filter((scan) => scan.node.startsWith('Seq Scan')),
  };
}

describeWithDatabase('the PostgreSQL store, its campaign statements on a long list', (url) => {
  // Two campaigns of 50,000 entries each, to numbers of their own, every entry `scheduled` when
  // the table is analysed: the planner's guess of a tenth of the list claimed is then 1,600
  // rows, for which a walk of the table's key in a merge join costs it less than looking each
  // one up, and a filter on any other status looks to it as if it kept every row. One
  // connection, as above.
  const db = campaignSchema(url, {
    campaign: 'first',
    concurrency: 1_000,
    total: LONG,
    max: 1,
    to: numberAt,
  });
  const { s, client } = db;

  beforeAll(async () => {
    await db.store.insertCampaign!(
      storedCampaign({ id: 'long', concurrency: 1_000, total: LONG }),
      entries('long', LONG).map((row) => ({ ...row, to: numberAt(row.position!) })),
    );
    await client.query(`ANALYZE ${s}.scheduled_calls`);
  }, 120_000);

  it('claims with a send budget or without by the key of each entry it claims', async () => {
    const claimed: (number | null | undefined)[] = [];
    const plans = await explained(db.store, async () => {
      // Each kind more times than the custom plans PostgreSQL makes before the generic one.
      for (let i = 0; i < 14; i++) {
        const now = T0 + i * 1_000;
        const budget = i >= 7 ? { budget: { intervalMs: 100, horizonMs: 1_000 } } : {};
        const claim = await db.store.claimCampaign!('long', now, 1, 'w1', now + 60_000, {
          holdMs: 60_000,
          ...budget,
        });
        claimed.push(...claim.calls.map((call) => call.position));
      }
    });
    expect(claimed).toEqual(Array.from({ length: 14 }, (_, i) => i));
    // The claim's plans: the ones with its first CTE.
    const claims = plans.filter(({ plan }) => JSON.stringify(plan).includes('"CTE Name":"adopt"'));
    expect(claims).toHaveLength(14);
    for (const { plan } of claims) {
      const read = callsRead(plan);
      expect(read.sequential).toEqual([]);
      // The entry claimed found by its key, the places taken (at most 13) counted: no scan
      // walks the list, nor the table's key.
      expect(read.most).toBeLessThanOrEqual(20);
    }
    // The settings ended with each claim's transaction.
    const { rows } = await db.store.pool.query<{ enable_seqscan: string }>('SHOW enable_seqscan');
    expect(rows[0]!.enable_seqscan).toBe('on');
  });

  it('reads a page of a status few entries have through the status index alone', async () => {
    // Three entries of the list end, far apart; the rest stay `scheduled`.
    const ends = [10_000, 30_000, 49_999].map((position) => ({
      id: entries('long', position + 1)[position]!.id,
      expectedVersion: 1,
      patch: { status: 'completed' as const, updatedAt: T0 },
    }));
    expect(await db.store.updateMany!(ends)).toEqual([true, true, true]);
    const pages: (number | null | undefined)[][] = [];
    const plans = await explained(db.store, async () => {
      // More pages than the custom plans PostgreSQL makes before the generic one.
      for (let i = 0; i < 7; i++) {
        const page = await db.store.listCampaignCalls!('long', {
          status: i % 2 === 0 ? ['completed'] : ['failed', 'completed', 'busy'],
          afterPosition: i === 6 ? 10_000 : null,
          limit: 50,
        });
        pages.push(page.map((call) => call.position));
      }
    });
    expect(pages.slice(0, 6)).toEqual(Array(6).fill([10_000, 30_000, 49_999]));
    expect(pages[6]).toEqual([30_000, 49_999]);
    const reads = plans
      .filter(({ text }) => text.includes('CROSS JOIN LATERAL'))
      .map(({ plan }) => callsRead(plan));
    expect(reads).toHaveLength(7);
    // Each status's page reads its own entries, and none of the 49,997 still `scheduled`.
    for (const read of reads) {
      expect(read.sequential).toEqual([]);
      expect(read.most).toBeLessThanOrEqual(3);
    }
  });
});
