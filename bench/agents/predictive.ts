/**
 * Pacing a campaign with agents, on simulated shifts (`simulateShift` of `@ringkit/simulator`, a
 * discrete-event simulation: hours in seconds): abandon rate, agents' occupancy, calls per
 * agent-hour and people's wait for an agent, for `progressive`, fixed ratios of lines per ready
 * agent from 1.0 to 4.0, and `predictive` (`createLinePacer` of `@ringkit/scheduler-core`). 20 agents,
 * 20,000 numbers, people answering 20 % and machines 15 %, talk lognormal with a mean of 120 s,
 * wrap-up 10 s, 2 s to reach an agent; then a shift whose people answering fall from 30 % to 10 %
 * halfway. Each shift's best fixed ratio that stays at or under 3 % is found in hindsight (no dialer
 * knows it ahead) and shown beside `predictive`.
 *
 *   pnpm --filter @ringkit/bench exec tsx agents/predictive.ts [--quick] [--seed 1]
 *
 * `--quick`: 5,000 numbers and ratios by 0.5.
 */
import { createLinePacer, type LinePacingMode } from '@ringkit/scheduler-core';
import { simulateShift, type ShiftFigures, type ShiftOptions } from '@ringkit/simulator';
import { quick, table } from '../_stats.js';

const argv = process.argv.slice(2);
const seedAt = argv.indexOf('--seed');
const SEED = seedAt >= 0 ? Number(argv[seedAt + 1]) : 1;
const NUMBERS = quick ? 5000 : 20_000;
const STEP = quick ? 0.5 : 0.25;
const CAP = 0.03;

const ratios: number[] = [];
for (let r = 1; r <= 4 + 1e-9; r += STEP) ratios.push(Math.round(r * 100) / 100);

const shifts: [string, ShiftOptions][] = [
  ['people answering 20 %', { agents: 20, numbers: NUMBERS, humanRate: 0.2, machineRate: 0.15 }],
  [
    'people answering 30 %, then 10 % halfway',
    {
      agents: 20,
      numbers: NUMBERS,
      humanRate: (dialed) => (dialed < NUMBERS / 2 ? 0.3 : 0.1),
      machineRate: 0.15,
    },
  ],
];

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
const quantile = (sorted: number[], q: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** A shift's figures; the wait is a connected person's, from answer to agent. */
function row(pacing: string, f: ShiftFigures) {
  const waits = [...f.waits].sort((a, b) => a - b);
  const waited = waits.filter((w) => w > 0).length;
  return {
    pacing,
    abandoned: pct(f.abandonRate),
    'of people': `${f.abandoned} / ${f.humans}`,
    occupancy: pct(f.occupancy),
    'calls / agent-hour': f.callsPerAgentHour.toFixed(1),
    'waited at all': `${((waited / Math.max(1, waits.length)) * 100).toFixed(1)} %`,
    'wait p99': `${(quantile(waits, 0.99) / 1000).toFixed(2)} s`,
    'wait max': `${((waits.at(-1) ?? 0) / 1000).toFixed(2)} s`,
    'hours dialing': (f.dialingMs / 3_600_000).toFixed(2),
  };
}

console.log(`# pacing on simulated shifts: 20 agents, ${NUMBERS} numbers, seed ${SEED}`);
for (const [title, shift] of shifts) {
  const run = (mode: LinePacingMode) =>
    simulateShift({ ...shift, seed: SEED }, createLinePacer({ mode }));
  const rows: ReturnType<typeof row>[] = [];
  const progressive = run('progressive');
  rows.push(row('progressive', progressive));
  let best: { ratio: number; figures: ShiftFigures } | null = null;
  for (const ratio of ratios) {
    const figures = run({ ratio });
    rows.push(row(`ratio ${ratio.toFixed(2)}`, figures));
    if (figures.abandonRate <= CAP && (!best || figures.occupancy > best.figures.occupancy)) {
      best = { ratio, figures };
    }
  }
  const predictive = run('predictive');
  rows.push(row('predictive', predictive));
  console.log(`\n## ${title}\n`);
  table(rows);
  const bestText = best
    ? `ratio ${best.ratio.toFixed(2)}, occupancy ${pct(best.figures.occupancy)}`
    : 'none stays at or under 3 %';
  console.log(
    `best fixed ratio at or under 3 % (in hindsight): ${bestText}; predictive ${pct(predictive.occupancy)} ` +
      `(${best ? (predictive.occupancy / best.figures.occupancy).toFixed(2) : '-'}×), ` +
      `${(predictive.occupancy / progressive.occupancy).toFixed(2)}× progressive's`,
  );
}
