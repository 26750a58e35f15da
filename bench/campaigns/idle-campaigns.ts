/**
 * What N campaigns cost a worker while nothing moves: one `createCallCenter` on PostgreSQL works
 * N campaigns of 20 numbers, each with its 2 places taken by calls whose end never comes (the
 * provider answers each request and sends no status), and counts the statements the process
 * sends in 10 s once they are all placed. The same with every campaign paused. Each campaign
 * re-reads its rows once a second (`refreshIntervalMs`, 1000) and its dispatch loop looks again
 * as often; what this measures is whether that costs N round trips a second or a few.
 *
 * Statements are counted in this process by wrapping `pg.Client.prototype.query`, by the first
 * words of their text. The timers of the process's clock are counted too (the center is given
 * `systemClock` wrapped): those set and not yet run or cleared at the end of the 10 s, and the
 * most at once during them.
 *
 *   pnpm --filter @ringkit/bench exec node --import tsx campaigns/idle-campaigns.ts [--quick]
 *
 * N is 1, 20 and 100 (`--quick`: 1 and 20). PostgreSQL is `TEST_DATABASE_URL` (default
 * postgres://postgres@127.0.0.1:5432/test); its schemas are dropped at the end.
 */
import pg from 'pg';
import type { CallProvider } from '@ringkit/call-client';
import { createCallCenter } from '@ringkit/dialer';
import { createPostgresStore } from '@ringkit/scheduler-core/postgres';
import { systemClock } from '@ringkit/call-client';
import { countingClock } from '@ringkit/internal/testing';
import { POSTGRES_URL, postgresReachable } from '../_server.js';
import { fmt, quick, table } from '../_stats.js';

const SIZES = quick ? [1, 20] : [1, 20, 100];
const MEASURE_MS = 10_000;

if (!(await postgresReachable(POSTGRES_URL))) {
  console.log(`PostgreSQL at ${POSTGRES_URL} cannot be reached: nothing measured`);
  process.exit(0);
}

/** Statements sent while `counting`, by kind. */
const counts = new Map<string, number>();
let counting = false;
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  if (counting) {
    const first = args[0] as string | { text?: string } | undefined;
    const text = typeof first === 'string' ? first : (first?.text ?? '');
    const kind = kindOf(text.replace(/\s+/g, ' ').trim());
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return query.apply(this, args);
} as typeof pg.Client.prototype.query;

/** A statement's kind, in a few words. */
function kindOf(text: string): string {
  if (text.includes('_claim(')) return 'campaign claim';
  if (text.includes('batch_index')) return 'campaign pages, batched';
  if (/FROM \S+\.campaigns WHERE id = ANY/.test(text)) return 'campaign rows, batched';
  if (/FROM \S+\.campaigns WHERE id = \$1/.test(text)) return 'campaign row';
  if (text.startsWith('SELECT page.*')) return 'campaign page by status';
  if (/WHERE campaign_id = \$1 AND position > \$2/.test(text)) return 'campaign page';
  if (/WHERE id = ANY/.test(text)) return 'calls by id, batched';
  if (/WHERE id = \$1/.test(text)) return 'call by id';
  return text.slice(0, 40);
}

async function measure(n: number, paused: boolean) {
  const schema = `bench_idle_${process.pid}_${n}_${paused ? 'p' : 'r'}`;
  const store = createPostgresStore({ connectionString: POSTGRES_URL }, { schema });
  await store.ready();
  let placed = 0;
  const provider: CallProvider = {
    name: 'idle-bench',
    capabilities: { polling: false, webhooks: true },
    async placeCall() {
      return { id: `c${placed++}`, status: 'initiated', providerStatus: 'queued', raw: {} };
    },
  };
  const { clock, stats } = countingClock(systemClock);
  const center = createCallCenter({
    store,
    provider,
    clock,
    callerId: '+14155550100',
    scheduler: { workerId: 'w' },
    campaigns: { workerId: 'w' },
  });
  await center.start();
  for (let k = 0; k < n; k += 1) {
    const numbers = Array.from(
      { length: 20 },
      (_, i) => `+1415${200 + k}${String(i).padStart(4, '0')}`,
    );
    await center.campaigns!.create(`c${k}`, numbers, { concurrency: 2 });
    if (paused) await center.campaigns!.pause(`c${k}`);
  }
  while (placed < 2 * n) await new Promise((resolve) => setTimeout(resolve, 50));
  await new Promise((resolve) => setTimeout(resolve, 2000));
  counts.clear();
  counting = true;
  stats.maxLive = stats.live();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, MEASURE_MS));
  counting = false;
  const seconds = (performance.now() - started) / 1000;
  const timers = { now: stats.live(), most: stats.maxLive };
  await center.stop();
  await store.close();
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const top = [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([kind, count]) => `${kind} ${fmt(count / seconds, 1)}`)
    .join('; ');
  return {
    campaigns: n,
    state: paused ? 'paused' : 'calls in flight',
    'statements/s': fmt(total / seconds, 1),
    'per campaign': fmt(total / seconds / n, 2),
    'clock timers (most)': `${timers.now} (${timers.most})`,
    'most sent (per s)': top,
  };
}

const rows = [];
for (const n of SIZES) {
  rows.push(await measure(n, false));
  rows.push(await measure(n, true));
}
table(rows);
