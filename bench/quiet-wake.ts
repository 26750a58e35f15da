/**
 * A scheduler on PostgreSQL whose calls come after quiet spells: each call due 12 s after the
 * last, longer than `pg`'s idle timeout (10 s), so a pool that keeps no connection has closed
 * them all by the next wake. Two schedulers in the same run, each on a store of its own (its own
 * schema), their calls 6 s apart: one with the store's own pool (it keeps one connection,
 * `min: 1`), one whose pool keeps none (`min: 0`, the pool's default before). Prints each
 * call's lag from its due time to its `placeCall`, the connections each pool opened, and the
 * medians' ratio.
 *
 *   pnpm --filter @ringkit/bench exec tsx quiet-wake.ts [--quick]
 *
 * Six calls each (`--quick`: three), about 80 s (45 s). PostgreSQL is `TEST_DATABASE_URL`
 * (default postgres://postgres@127.0.0.1:5432/test); the schemas are removed at the end.
 */
import type { CallProvider } from '@ringkit/call-client';
import { createScheduler } from '@ringkit/scheduler-core';
import { createPostgresStore } from '@ringkit/scheduler-core/postgres';
import { postgresReachable } from './_server.js';
import { fmt, percentile, quick, table } from './_stats.js';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CALLS = quick ? 3 : 6;
/** Between two calls of one scheduler: more than `pg`'s idle timeout of 10 s. */
const GAP_MS = 12_000;

if (!(await postgresReachable(PG_URL))) {
  console.log(`PostgreSQL is not reachable at ${PG_URL}: nothing to measure.`);
  process.exit(0);
}

const start = Date.now() + 3_000;
const sides = [
  { name: "the store's pool (min: 1)", pool: {}, offset: 0 },
  { name: 'a pool keeping none (min: 0)', pool: { min: 0 }, offset: GAP_MS / 2 },
].map((side) => {
  const schema = `rk_bench_quiet_${process.pid}_${side.offset}`;
  const store = createPostgresStore(
    { connectionString: PG_URL, max: 10, ...side.pool },
    { schema },
  );
  let connects = 0;
  store.pool.on('connect', () => connects++);
  const dueOf = new Map<string, number>();
  const lags: number[] = [];
  const provider: CallProvider = {
    name: 'bench',
    capabilities: { polling: false, webhooks: false },
    async placeCall({ to }) {
      lags.push(Date.now() - dueOf.get(to)!);
      return { id: `q-${to}`, status: 'completed', providerStatus: 'completed', raw: null };
    },
  };
  const scheduler = createScheduler({ store, provider, callerId: '+14155550100' });
  return { ...side, schema, store, scheduler, dueOf, lags, connects: () => connects };
});

for (const side of sides) {
  await side.scheduler.start();
  for (let i = 0; i < CALLS; i++) {
    const due = start + side.offset + i * GAP_MS;
    const to = `+1415555${String(2000 + i).padStart(4, '0')}`;
    side.dueOf.set(to, due);
    await side.scheduler.schedule({ to, at: new Date(due) });
  }
}
const connectsBefore = sides.map((side) => side.connects());
const end = start + GAP_MS / 2 + (CALLS - 1) * GAP_MS + 2_000;
await new Promise((resolve) => setTimeout(resolve, end - Date.now()));

const base = sides[0]!.lags.slice(1).sort((a, b) => a - b);
const rows = sides.map((side, i) => {
  // The first call follows the schedule()s, with the pool still open: the later ones each
  // follow a quiet spell.
  const later = side.lags.slice(1).sort((a, b) => a - b);
  return {
    pool: side.name,
    'first call lag ms': fmt(side.lags[0] ?? Number.NaN, 0),
    'later calls lag ms': side.lags
      .slice(1)
      .map((lag) => fmt(lag, 0))
      .join(' / '),
    'connections opened': side.connects() - connectsBefore[i]!,
    'median ÷ kept': fmt(percentile(later, 50) / percentile(base, 50)),
  };
});
for (const side of sides) {
  await side.scheduler.stop();
  await side.store.pool.query(`DROP SCHEMA "${side.schema}" CASCADE`);
  await side.store.close();
}
console.log(
  `A call every ${GAP_MS / 1000} s, ${CALLS} per scheduler; lag from its due time to placeCall:`,
);
table(rows);
