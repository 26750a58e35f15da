/**
 * A scheduler on PostgreSQL whose calls come in spells after quiet ones: a spell of five calls
 * 10 ms apart every 12 s, longer than `pg`'s idle timeout (10 s), so a pool closes every
 * connection above its `min` between two spells. Three schedulers in the same run, each on a
 * store of its own (its own schema), their spells 4 s apart: one with the store's own pool (two
 * connections, opened at `ready()` and kept, `min: 2`), one whose pool keeps one (`min: 1`, the
 * store's pool before) and one whose pool keeps none (`min: 0`, `pg`'s default). Prints each
 * call's lag from its due time to its `placeCall`, by its place in the spell, the connections
 * each pool opened while the calls were placed, and the medians' ratios.
 *
 *   pnpm --filter @ringkit/bench exec tsx scheduler/quiet-wake.ts [--quick]
 *
 * Six spells each (`--quick`: three), about 80 s (45 s). PostgreSQL is `TEST_DATABASE_URL`
 * (default postgres://postgres@127.0.0.1:5432/test); the schemas are removed at the end.
 */
import type { CallProvider } from '@ringkit/call-client';
import { createScheduler } from '@ringkit/scheduler-core';
import { createPostgresStore } from '@ringkit/scheduler-core/postgres';
import { postgresReachable } from '../_server.js';
import { fmt, percentile, quick, table } from '../_stats.js';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SPELLS = quick ? 3 : 6;
/** Calls per spell, and the time between two of them. */
const SPELL = 5;
const PACE_MS = 10;
/** Between two spells of one scheduler: more than `pg`'s idle timeout of 10 s. */
const GAP_MS = 12_000;

if (!(await postgresReachable(PG_URL))) {
  console.log(`PostgreSQL is not reachable at ${PG_URL}: nothing to measure.`);
  process.exit(0);
}

const start = Date.now() + 3_000;
const sides = [
  { name: "the store's pool (min: 2, opened at ready)", pool: {}, offset: 0 },
  { name: 'a pool keeping one (min: 1)', pool: { min: 1 }, offset: GAP_MS / 3 },
  { name: 'a pool keeping none (min: 0)', pool: { min: 0 }, offset: (2 * GAP_MS) / 3 },
].map((side) => {
  const schema = `rk_bench_quiet_${process.pid}_${side.offset}`;
  const store = createPostgresStore(
    { connectionString: PG_URL, max: 10, ...side.pool },
    { schema },
  );
  let connects = 0;
  store.pool.on('connect', () => connects++);
  const dueOf = new Map<string, { due: number; spell: number; place: number }>();
  /** Lags by spell, then by place in the spell. */
  const lags: number[][] = Array.from({ length: SPELLS }, () => []);
  const provider: CallProvider = {
    name: 'bench',
    capabilities: { polling: false, webhooks: false },
    async placeCall({ to }) {
      const { due, spell, place } = dueOf.get(to)!;
      lags[spell]![place] = Date.now() - due;
      return { id: `q-${to}`, status: 'completed', providerStatus: 'completed', raw: null };
    },
  };
  const scheduler = createScheduler({ store, provider, callerId: '+14155550100' });
  return { ...side, schema, store, scheduler, dueOf, lags, connects: () => connects };
});

for (const side of sides) {
  await side.scheduler.start();
  const inputs = [];
  for (let spell = 0; spell < SPELLS; spell++) {
    for (let place = 0; place < SPELL; place++) {
      const due = start + side.offset + spell * GAP_MS + place * PACE_MS;
      const to = `+1415555${String(2000 + spell * SPELL + place).padStart(4, '0')}`;
      side.dueOf.set(to, { due, spell, place });
      inputs.push({ to, at: new Date(due) });
    }
  }
  await side.scheduler.scheduleMany(inputs);
}
const connectsBefore = sides.map((side) => side.connects());
const end = start + (2 * GAP_MS) / 3 + (SPELLS - 1) * GAP_MS + 2_000;
await new Promise((resolve) => setTimeout(resolve, end - Date.now()));

/** The lags of the spells after the first, which each follow a quiet spell. */
const later = (side: (typeof sides)[number]) => side.lags.slice(1).flat();
const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
const base = median(later(sides[0]!));
const rows = sides.map((side, i) => ({
  pool: side.name,
  'first spell lag ms': side.lags[0]!.map((lag) => fmt(lag, 0)).join(' / '),
  'later spells, lag ms by place: max (p50)': Array.from({ length: SPELL }, (_, place) => {
    const at = side.lags.slice(1).map((spell) => spell[place]!);
    return `${fmt(Math.max(...at), 0)} (${fmt(median(at), 0)})`;
  }).join(' / '),
  'connections opened': side.connects() - connectsBefore[i]!,
  'median ÷ kept two': fmt(median(later(side)) / base),
}));
for (const side of sides) {
  await side.scheduler.stop();
  await side.store.pool.query(`DROP SCHEMA "${side.schema}" CASCADE`);
  await side.store.close();
}
console.log(
  `A spell of ${SPELL} calls ${PACE_MS} ms apart every ${GAP_MS / 1000} s, ${SPELLS} spells per ` +
    'scheduler; lag from its due time to placeCall:',
);
table(rows);
