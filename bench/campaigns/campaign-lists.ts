/**
 * A campaign's statements on PostgreSQL as its list grows, on two lists of 5,000 entries and on
 * two of 50,000 (each size in a schema of its own, analysed once the lists are stored):
 * - its claim of one entry, timed from the worker's side, for a campaign without a send budget
 *   (the one-trip claim the runner sends) and, in the same run and schema, for one with a budget
 *   (`callsPerSecond`: a transaction of its own, which also moves the campaign's next send slot
 *   on); the budgeted claim's median ÷ the one-trip claim's;
 * - a page of its entries by status (`listCampaignCalls`, 50 at most): of the statuses a redial
 *   reads (`busy`, `failed`, `no-answer`), which no entry has yet, and of `queued`, which the
 *   entries claimed have; each page's median ÷ a page of every status.
 * Prints milliseconds per statement (p50, p90, p99).
 *
 *   pnpm --filter @ringkit/bench exec tsx campaigns/campaign-lists.ts [--quick] [--sizes 5000,50000]
 *
 * `--quick` makes 200 claims of each kind and pages of each kind instead of 1,000. `--sizes`
 * sets the lists' lengths (two lists of each).
 * PostgreSQL is `TEST_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/test); each
 * size's schema is removed at the end.
 */
import type { CampaignCallsQuery, SendBudget, Store, StoredCall } from '@ringkit/scheduler-core';
import { createPostgresStore } from '@ringkit/scheduler-core/postgres';
import { storedCall } from '@ringkit/scheduler-core/testing';
import pg from 'pg';
import { postgresReachable } from '../_server.js';
import { fmt, percentile, quick, table } from '../_stats.js';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const sizesAt = process.argv.indexOf('--sizes');
const SIZES = (sizesAt === -1 ? '5000,50000' : (process.argv[sizesAt + 1] ?? ''))
  .split(',')
  .map(Number);
if (SIZES.some((size) => !Number.isInteger(size) || size < 1_000)) {
  throw new Error('--sizes takes list lengths of at least 1,000, separated by commas');
}
const CLAIMS = quick ? 200 : 1_000;
/** Claims left out of the figures: the first ones on a new connection are planned anew. */
const WARM = 20;
const T0 = Date.parse('2026-06-01T12:00:00Z');
const HOLD = 60_000;
/** One send slot every 10 ms, each claim asking for one entry 10 ms after the last. */
const BUDGET: SendBudget = { intervalMs: 10, horizonMs: 10 };

const entries = (campaign: string, count: number): StoredCall[] =>
  Array.from({ length: count }, (_, position) =>
    storedCall({
      id: `${campaign}-${position}`,
      to: `+1415555${String(position % 10_000).padStart(4, '0')}`,
      dueAt: T0,
      campaign,
      position,
    }),
  );

async function insertCampaign(store: Store, id: string, total: number) {
  await store.insertCampaign!(
    {
      id,
      state: 'running',
      concurrency: total,
      total,
      fingerprint: id,
      settings: {},
      nextSlotAt: 0,
      createdAt: T0,
      updatedAt: T0,
      archivedAt: null,
      version: 1,
    },
    entries(id, total),
  );
}

/** `CLAIMS` claims of one entry each of `campaign`, in turn; the milliseconds of each. */
async function claims(store: Store, campaign: string, budget: SendBudget | undefined) {
  const took: number[] = [];
  for (let i = 0; i < CLAIMS; i++) {
    const now = T0 + i * BUDGET.intervalMs;
    const start = performance.now();
    const claim = await store.claimCampaign!(campaign, now, 1, 'w1', now + 3_600_000, {
      holdMs: HOLD,
      ...(budget ? { budget } : { mark: true }),
    });
    took.push(performance.now() - start);
    if (claim.calls.length !== 1)
      throw new Error(`${campaign}: claim ${i} took ${claim.calls.length}`);
  }
  return took.slice(WARM).sort((a, b) => a - b);
}

/** `CLAIMS` pages of `query` of `campaign`, in turn; the milliseconds of each. */
async function pages(store: Store, campaign: string, query: CampaignCallsQuery) {
  const took: number[] = [];
  for (let i = 0; i < CLAIMS; i++) {
    const start = performance.now();
    await store.listCampaignCalls!(campaign, query);
    took.push(performance.now() - start);
  }
  return took.slice(WARM).sort((a, b) => a - b);
}

/** A row of figures: the milliseconds of `took`, and its median ÷ `base`'s. */
const figures = (took: number[], base: number[], ratio: string) => ({
  'p50 ms': fmt(percentile(took, 50)),
  'p90 ms': fmt(percentile(took, 90)),
  'p99 ms': fmt(percentile(took, 99)),
  [ratio]: fmt(percentile(took, 50) / percentile(base, 50)),
});

if (!(await postgresReachable(PG_URL))) {
  console.log(`PostgreSQL is not reachable at ${PG_URL}: nothing to measure.`);
  process.exit(0);
}
const admin = new pg.Client({ connectionString: PG_URL });
await admin.connect();
const claimRows: Record<string, string | number>[] = [];
const pageRows: Record<string, string | number>[] = [];
for (const size of SIZES) {
  const schema = `rk_bench_lists_${process.pid}_${size}`;
  const store = createPostgresStore({ connectionString: PG_URL, max: 2 }, { schema });
  try {
    await insertCampaign(store, 'open', size);
    await insertCampaign(store, 'paced', size);
    await admin.query(`ANALYZE "${schema}".scheduled_calls`);
    const entries = size.toLocaleString('en-US');
    const open = await claims(store, 'open', undefined);
    const paced = await claims(store, 'paced', BUDGET);
    claimRows.push(
      { entries, claim: 'one trip, no budget', ...figures(open, open, 'p50 ÷ one trip') },
      { entries, claim: 'with a send budget', ...figures(paced, open, 'p50 ÷ one trip') },
    );
    const every = await pages(store, 'open', { limit: 50 });
    const redial = await pages(store, 'open', {
      status: ['busy', 'failed', 'no-answer'],
      limit: 50,
    });
    const queued = await pages(store, 'open', { status: ['queued'], limit: 50 });
    pageRows.push(
      { entries, page: 'every status', ...figures(every, every, 'p50 ÷ every status') },
      { entries, page: 'busy, failed, no-answer', ...figures(redial, every, 'p50 ÷ every status') },
      { entries, page: 'queued', ...figures(queued, every, 'p50 ÷ every status') },
    );
  } finally {
    await store.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }
}
await admin.end();
console.log(`A campaign's claim of one entry, ${CLAIMS - WARM} claims of each kind per size:`);
table(claimRows);
console.log(`\nA page of a campaign's entries (50 at most), ${CLAIMS - WARM} pages of each kind:`);
table(pageRows);
