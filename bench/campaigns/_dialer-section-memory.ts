/**
 * The in-process section of `dialer.ts`: `@ringkit/dialer` against p-queue + a deferred promise
 * per call on the same fake provider: slot use, CPU per call, refill latency, memory per entry.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createDialer } from '@ringkit/dialer';
import { prepareBare, prepareDialer, preparePQueue, type Prepare } from './_dialer-drivers.js';
import { benchProvider } from './_dialer-provider.js';
import { bytes, median, pct, printTable, ratio, refillOf } from './_dialer-report.js';
import { CONCURRENCY, RANDOM_RUNS, TOTAL, ZERO_RUNS } from './_dialer-settings.js';

// `node --expose-gc` (as run-all does) gives `gc`; under plain tsx, turn it on here.
if (typeof globalThis.gc !== 'function') setFlagsFromString('--expose-gc');
const gc = (globalThis.gc ?? runInNewContext('gc')) as () => void;

/** CPU per call of `prepare`'s dialer over zero-duration calls, in µs. */
export async function cpuPerCall(prepare: Prepare, numbers: string[]): Promise<number> {
  const run = prepare(
    benchProvider('zero', numbers.length, 1, { concurrency: CONCURRENCY }),
    numbers,
  );
  const before = process.cpuUsage();
  await run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / numbers.length;
}

async function settledHeap(): Promise<number> {
  for (let i = 0; i < 4; i += 1) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/** Holds a run's result while the heap is measured. */
const retained: unknown[] = [];

async function heapPerEntry(prepare: Prepare, numbers: string[]): Promise<number> {
  const bench = benchProvider('zero', numbers.length, 1, { concurrency: CONCURRENCY });
  const before = await settledHeap();
  retained.push(await prepare(bench, numbers)());
  const grown = (await settledHeap()) - before;
  retained.length = 0;
  return grown / numbers.length;
}

interface RandomRun {
  slotUse: number;
  p50: number;
  p99: number;
  wall: number;
}

function meanOf(runs: RandomRun[]): RandomRun {
  const mean = (pick: (run: RandomRun) => number) =>
    runs.reduce((sum, run) => sum + pick(run), 0) / runs.length;
  return {
    slotUse: mean((run) => run.slotUse),
    p50: mean((run) => run.p50),
    p99: mean((run) => run.p99),
    wall: mean((run) => run.wall),
  };
}

export async function inProcessSection(): Promise<void> {
  const started = performance.now();
  const numbers = Array.from({ length: TOTAL }, (_, i) => `+1301804${String(i).padStart(4, '0')}`);

  const t0 = performance.now();
  createDialer({
    provider: benchProvider('zero', TOTAL, 1, { concurrency: CONCURRENCY }).provider,
    numbers,
  });
  const createUs = ((performance.now() - t0) * 1000) / TOTAL;

  const withListeners: Prepare = (bench, list) => prepareDialer(bench, list, true);
  const cpu = {
    dialer: [] as number[],
    listeners: [] as number[],
    pqueue: [] as number[],
    bare: [] as number[],
  };
  for (let run = 0; run <= ZERO_RUNS; run += 1) {
    const d = await cpuPerCall(prepareDialer, numbers);
    const l = await cpuPerCall(withListeners, numbers);
    const p = await cpuPerCall(preparePQueue, numbers);
    const b = await cpuPerCall(prepareBare, numbers);
    if (run === 0) continue; // warm-up
    cpu.dialer.push(d);
    cpu.listeners.push(l);
    cpu.pqueue.push(p);
    cpu.bare.push(b);
  }
  const bare = median(cpu.bare);

  const random = async (prepare: Prepare): Promise<RandomRun> => {
    const bench = benchProvider('random', TOTAL, 42, { concurrency: CONCURRENCY });
    const begin = performance.now();
    await prepare(bench, numbers)();
    return { ...refillOf(bench), wall: (performance.now() - begin) / 1000 };
  };
  const heapRuns = async (prepare: Prepare) => {
    const sizes: number[] = [];
    for (let i = 0; i < 3; i += 1) sizes.push(await heapPerEntry(prepare, numbers));
    return median(sizes);
  };
  const memDialer = await heapRuns(prepareDialer);
  const memPQueue = await heapRuns(preparePQueue);
  // Interleaved runs; the table shows their mean (the machine may be shared).
  const runs = { dialer: [] as RandomRun[], pqueue: [] as RandomRun[] };
  for (let i = 0; i < RANDOM_RUNS; i += 1) {
    runs.dialer.push(await random(prepareDialer));
    runs.pqueue.push(await random(preparePQueue));
  }
  const floor = await random(prepareBare);
  const dr = meanOf(runs.dialer);
  const pr = meanOf(runs.pqueue);

  const us = (v: number) => `${v.toFixed(2)} µs`;
  type Row = [string, string, string, string, string];
  const row = (label: string, show: (v: number) => string, d: number, p?: number, goal = '') =>
    [
      label,
      show(d),
      p === undefined ? '' : show(p),
      p === undefined ? '' : ratio(d, p),
      goal,
    ] as Row;
  const cpuD = median(cpu.dialer);
  const cpuP = median(cpu.pqueue);
  const seconds = (v: number) => `${v.toFixed(2)} s`;
  const rows: Row[] = [
    row('slot use while numbers remain', pct, dr.slotUse, pr.slotUse, '≥ 99.9 %'),
    row('CPU per call, gross (zero-duration calls)', us, cpuD, cpuP),
    row('CPU per call, overhead over bare driver', us, cpuD - bare, cpuP - bare, '≤ 20 µs'),
    row(
      '  same, with status+progress listeners',
      us,
      median(cpu.listeners) - bare,
      undefined,
      '≤ 20 µs',
    ),
    row('refill latency p50 (terminal event → placeCall)', us, dr.p50, pr.p50),
    row('refill latency p99', us, dr.p99, pr.p99, '≤ 1000 µs'),
    row('memory per entry after a run', bytes, memDialer, memPQueue),
    row('wall time, 0–5 ms calls', seconds, dr.wall, pr.wall),
  ];
  const head: Row = ['metric', '@ringkit/dialer', 'p-queue + deferred', 'ratio', 'goal'];
  console.log(
    `\n@ringkit/dialer vs p-queue: ${TOTAL.toLocaleString('en')} numbers, concurrency ${CONCURRENCY}, Node ${process.version}`,
  );
  printTable([head, ...rows]);
  const spread = (list: { slotUse: number }[]) => list.map((run) => pct(run.slotUse)).join(', ');
  console.log(`\nslot use per run: dialer ${spread(runs.dialer)}; p-queue ${spread(runs.pqueue)}`);
  console.log(
    `bare driver, same 0–5 ms calls (this machine's floor): slot use ${pct(floor.slotUse)}, refill p50 ${us(floor.p50)}, p99 ${us(floor.p99)}`,
  );
  console.log(
    `bare driver, zero-duration calls (fake provider + event loop only): ${us(bare)} per call, median of ${ZERO_RUNS} runs`,
  );
  console.log(
    `createDialer (validate + normalise ${TOTAL.toLocaleString('en')} numbers to E.164): ${us(createUs)} per number, once per list`,
  );
  console.log(
    `ratio = dialer / p-queue (lower is better, except slot use); ${((performance.now() - started) / 1000).toFixed(1)} s in all`,
  );
}
