/**
 * The in-memory dialer of this checkout against the one of another build, alternated in one
 * sitting on the same in-process fake provider (`_dialer-provider.ts`): slot use while numbers
 * remain, CPU per call over the bare driver, refill latency, wall time. Made to compare a change
 * of the dialer's engine with what came before it.
 *
 * Run: pnpm -r --filter './packages/*' build, then build the other revision apart
 * (`git worktree add /tmp/before <rev>`, then `pnpm install --offline` and the same build there)
 * and pnpm --filter @ringkit/bench exec tsx campaigns/dialer-before-after.ts
 * /tmp/before/packages/dialer/dist/index.js (`--quick`: 2,000 numbers, fewer runs).
 */
import { pathToFileURL } from 'node:url';
import { createDialer as createAfter, type Dialer, type DialerOptions } from '@ringkit/dialer';
import { prepareBare, prepareDialer, type Prepare } from './_dialer-drivers.js';
import { cpuPerCall } from './_dialer-section-memory.js';
import { benchProvider } from './_dialer-provider.js';
import { median, pct, printTable, ratio, refillOf } from './_dialer-report.js';
import { CONCURRENCY, QUICK, TOTAL } from './_dialer-settings.js';

type CreateDialer = (options: DialerOptions) => Dialer;

const path = process.argv.slice(2).find((arg) => !arg.startsWith('--'));
if (!path) {
  console.error('usage: dialer-before-after.ts <path to the other build of @ringkit/dialer>');
  process.exit(2);
}
const before = (await import(pathToFileURL(path).href)) as { createDialer: CreateDialer };

const RUNS = QUICK ? 3 : 5;

const prepareWith =
  (create: CreateDialer): Prepare =>
  (bench, numbers) =>
    prepareDialer(bench, numbers, false, CONCURRENCY, create);

async function randomRun(prepare: Prepare, numbers: string[]) {
  const bench = benchProvider('random', numbers.length, 42, { concurrency: CONCURRENCY });
  const begin = performance.now();
  await prepare(bench, numbers)();
  return { ...refillOf(bench), wall: (performance.now() - begin) / 1000 };
}

const numbers = Array.from({ length: TOTAL }, (_, i) => `+1301804${String(i).padStart(4, '0')}`);
const drivers = { after: prepareWith(createAfter), before: prepareWith(before.createDialer) };
const cpu = { after: [] as number[], before: [] as number[], bare: [] as number[] };
const random = {
  after: [] as ReturnType<typeof refillOf>[],
  before: [] as ReturnType<typeof refillOf>[],
};
const wall = { after: [] as number[], before: [] as number[] };
for (let run = 0; run <= RUNS; run += 1) {
  // Alternated, the order swapped each run: the machine may be shared.
  const order = run % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const);
  for (const which of order) {
    const used = await cpuPerCall(drivers[which], numbers);
    const slots = await randomRun(drivers[which], numbers);
    if (run === 0) continue; // warm-up
    cpu[which].push(used);
    random[which].push(slots);
    wall[which].push(slots.wall);
  }
  const bare = await cpuPerCall(prepareBare, numbers);
  if (run > 0) cpu.bare.push(bare);
}

const bare = median(cpu.bare);
const us = (v: number) => `${v.toFixed(2)} µs`;
const mid = (
  list: ReturnType<typeof refillOf>[],
  pick: (r: ReturnType<typeof refillOf>) => number,
) => median(list.map(pick));
const rows: string[][] = [
  ['metric', 'before', 'after', 'after / before'],
  [
    'slot use while numbers remain (0–5 ms calls)',
    pct(mid(random.before, (r) => r.slotUse)),
    pct(mid(random.after, (r) => r.slotUse)),
    ratio(
      mid(random.after, (r) => r.slotUse),
      mid(random.before, (r) => r.slotUse),
    ),
  ],
  [
    'CPU per call over the bare driver (zero-duration calls)',
    us(median(cpu.before) - bare),
    us(median(cpu.after) - bare),
    ratio(median(cpu.after) - bare, median(cpu.before) - bare),
  ],
  [
    'refill latency p50',
    us(mid(random.before, (r) => r.p50)),
    us(mid(random.after, (r) => r.p50)),
    ratio(
      mid(random.after, (r) => r.p50),
      mid(random.before, (r) => r.p50),
    ),
  ],
  [
    'refill latency p99',
    us(mid(random.before, (r) => r.p99)),
    us(mid(random.after, (r) => r.p99)),
    ratio(
      mid(random.after, (r) => r.p99),
      mid(random.before, (r) => r.p99),
    ),
  ],
  [
    'wall time (0–5 ms calls)',
    `${median(wall.before).toFixed(2)} s`,
    `${median(wall.after).toFixed(2)} s`,
    ratio(median(wall.after), median(wall.before)),
  ],
];
console.log(
  `\nthe in-memory dialer, before (${path}) and after (this checkout): ${TOTAL.toLocaleString('en')} numbers, concurrency ${CONCURRENCY}, ${RUNS} runs each after a warm-up, alternated, Node ${process.version}`,
);
printTable(rows);
console.log(
  `slot use per run: before ${random.before.map((r) => pct(r.slotUse)).join(', ')}; after ${random.after.map((r) => pct(r.slotUse)).join(', ')}`,
);
console.log(`bare driver, zero-duration calls: ${us(bare)} per call (the floor subtracted above)`);
