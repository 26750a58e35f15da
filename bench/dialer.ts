/**
 * @ringkit/dialer against p-queue + one deferred promise per call, on the same in-process fake
 * provider (`_dialer-provider.ts`), then durable campaigns beside them, then end to end over
 * HTTP. Run: pnpm -r --filter './packages/*' build && pnpm --filter @ringkit/bench exec tsx
 * dialer.ts (`--quick`: 2,000 numbers in process, 500 for the durable rows, fewer runs; `--http`:
 * only the HTTP section; `--durable`: only the durable rows). DATABASE_URL (or
 * TEST_DATABASE_URL) picks the PostgreSQL server (default
 * postgres://postgres@127.0.0.1:5432/test); one that cannot be reached is left out.
 *
 * In process:
 * - slot use: time-weighted calls in flight / concurrency, from the first POST to the last one
 *   (while numbers remain), seen from the provider; calls last 0–5 ms (setTimeout).
 * - CPU per call: process.cpuUsage over a run of zero-duration calls (status events delivered on
 *   setImmediate), divided by the calls; "overhead" subtracts a bare driver doing nothing but
 *   placing the next call, so what is left is the bookkeeping.
 * - refill latency: from the terminal status event handed to the handler to the next placeCall.
 * - memory per entry: heap growth after a full run (gc before and after) / entries.
 *
 * Durable campaigns (`_dialer-durable.ts`): `createDialer({ store, campaign })` on
 * `createMemoryStore()`, on a SQLite file and on PostgreSQL with 3 worker processes on one campaign
 * (`_dialer-worker.ts`; the fake provider stays in this process and the workers reach it over
 * IPC), beside the in-memory dialer and p-queue at the same concurrency (10, campaign-wide) on
 * the same calls of 0–5 ms: slot use and refill latency as above, from the provider's side;
 * calls per second from the first placeCall to the last terminal status; start() to the first
 * placeCall; the rows the store holds afterwards. Slot use ≥ 99.9 % is the goal of the memory
 * path; the durable rows are shown as a ratio to it.
 *
 * End to end over HTTP: `createNumDialerClient` against the webhook simulator in a child process
 * (bench/_pipeline-sim.ts); the simulator POSTs its webhooks to a local HTTP server here, which
 * hands them to `createWebhookHandler` and so to `dialer.handleStatus`. Both ends of a slot are
 * taken in this process, on the wire: a call is in flight from the moment its `POST /call` leaves
 * (undici's `undici:client:sendHeaders` diagnostics channel) to the moment its terminal webhook
 * arrives (the HTTP server's `request` event). Slot use is calls in flight integrated over time /
 * (concurrency × time from the first POST to the last); the refill gap is the time from a
 * terminal webhook arriving to the next POST leaving; CPU % is this process's CPU time over the
 * run's wall time (one core = 100 %).
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { availableParallelism, loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  createNumDialerClient,
  createWebhookHandler,
  createWebhookToken,
  isTerminal,
  type CallProvider,
} from '@ringkit/call-client';
import { createDialer, type Dialer } from '@ringkit/dialer';
import PQueue from 'p-queue';
import { closeChild, forkReady, SIMULATOR_SCRIPT } from './_child.js';
import {
  campaignInProcess,
  campaignPostgres,
  dropSchemas,
  postgresReachable,
  reachableWithin,
  type CampaignRun,
  type DurableKind,
} from './_dialer-durable.js';
import { benchProvider, type Bench, type Handler } from './_dialer-provider.js';

const QUICK = process.argv.includes('--quick');
const HTTP_ONLY = process.argv.includes('--http');
const DURABLE_ONLY = process.argv.includes('--durable');
const TOTAL = QUICK ? 2_000 : 10_000;
const CONCURRENCY = 3;
/** The durable rows: their list, their campaign-wide concurrency, PostgreSQL's workers. */
const DURABLE_TOTAL = QUICK ? 500 : 2_000;
const DURABLE_CONCURRENCY = 10;
const WORKERS = 3;
const PG_URL =
  process.env.DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';
const ZERO_RUNS = QUICK ? 3 : 5;
const RANDOM_RUNS = QUICK ? 1 : 2;

// `node --expose-gc` (as run-all does) gives `gc`; under plain tsx, turn it on here.
if (typeof globalThis.gc !== 'function') setFlagsFromString('--expose-gc');
const gc = (globalThis.gc ?? runInNewContext('gc')) as () => void;

function prepareDialer(
  bench: Bench,
  numbers: string[],
  listeners = false,
  concurrency = CONCURRENCY,
) {
  const dialer = createDialer({ provider: bench.provider, numbers, concurrency });
  bench.setHandler((e) => void dialer.handleStatus(e));
  if (listeners) {
    dialer.on('status', () => {});
    dialer.on('progress', () => {});
  }
  return () =>
    new Promise<Dialer>((resolve) => {
      dialer.on('drained', () => resolve(dialer));
      dialer.start();
    });
}

const RANK: Record<string, number> = { initiated: 1, ringing: 2, answered: 3, completed: 4 };

function preparePQueue(bench: Bench, numbers: string[], concurrency = CONCURRENCY) {
  return async () => {
    const queue = new PQueue({ concurrency });
    const records = numbers.map((phone) => ({ phone, status: 'idle', callId: '' }));
    const waiting = new Map<string, { record: (typeof records)[number]; resolve: () => void }>();
    bench.setHandler((e) => {
      const wait = waiting.get(e.callId);
      if (!wait || (RANK[e.status] ?? 0) <= (RANK[wait.record.status] ?? 0)) return;
      wait.record.status = e.status;
      if (e.status === 'completed') {
        waiting.delete(e.callId);
        wait.resolve();
      }
    });
    for (const record of records) {
      void queue.add(async () => {
        record.status = 'dialing';
        const call = await bench.provider.placeCall({ to: record.phone });
        record.callId = call.id;
        record.status = call.status;
        await new Promise<void>((resolve) => waiting.set(call.id, { record, resolve }));
      });
    }
    await queue.onIdle();
    return records;
  };
}

function prepareBare(bench: Bench, numbers: string[]) {
  return () =>
    new Promise<void>((resolve) => {
      let next = 0;
      let done = 0;
      bench.setHandler((e) => {
        if (e.status !== 'completed') return;
        done += 1;
        if (next < numbers.length) void bench.provider.placeCall({ to: numbers[next++] as string });
        else if (done === numbers.length) resolve();
      });
      while (next < CONCURRENCY) void bench.provider.placeCall({ to: numbers[next++] as string });
    });
}

type Prepare = (bench: Bench, numbers: string[]) => () => Promise<unknown>;

async function cpuPerCall(prepare: Prepare, numbers: string[]): Promise<number> {
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

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? NaN;
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

async function main() {
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
    const latencies = bench.latencies().map((ms) => ms * 1000);
    return {
      slotUse: bench.slotUse(),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      wall: (performance.now() - begin) / 1000,
    };
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
  const widths = head.map((_, i) => Math.max(...[head, ...rows].map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(
    `\n@ringkit/dialer vs p-queue: ${TOTAL.toLocaleString('en')} numbers, concurrency ${CONCURRENCY}, Node ${process.version}`,
  );
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
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

function pct(value: number) {
  return `${(value * 100).toFixed(3)} %`;
}
function ratio(a: number, b: number) {
  return b > 0 && Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '–';
}
function bytes(value: number) {
  return `${Math.round(value)} B`;
}

// ---------------------------------------------------------------------------------------------
// Durable campaigns

/** Runs `prepare` on calls of 0–5 ms at `concurrency`, events dated as the durable rows get them. */
async function memoryRun(
  prepare: (bench: Bench, numbers: string[]) => () => Promise<unknown>,
  numbers: string[],
  concurrency: number,
  seed: number,
) {
  const bench = benchProvider('random', numbers.length, seed, { concurrency, dated: true });
  await prepare(bench, numbers)();
  const latencies = bench.latencies().map((ms) => ms * 1000);
  return {
    slotUse: bench.slotUse(),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    perSecond: bench.perSecond(),
  };
}

type DurableColumn = 'dialer' | 'pqueue' | DurableKind;

/** PostgreSQL runs that failed and were run again, with why (a shared server may restart). */
const pgRetries: string[] = [];

/**
 * The PostgreSQL column's run, again from the start (a fresh schema and workers) when it fails,
 * up to three times; `null` when every try failed.
 */
async function postgresRun(numbers: string[], concurrency: number, seed: number) {
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await campaignPostgres(PG_URL, numbers, concurrency, WORKERS, seed);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      pgRetries.push(reason);
      console.error(
        `dialer: the PostgreSQL run failed (${reason}); ${attempt < 3 ? 'again' : 'left out'}`,
      );
      await dropSchemas(PG_URL).catch(() => {});
      await reachableWithin(PG_URL, 120_000);
    }
  }
  return null;
}

async function durableSection() {
  const started = performance.now();
  const total = DURABLE_TOTAL;
  const numbers = Array.from({ length: total }, (_, i) => `+1301804${String(i).padStart(4, '0')}`);
  const c = DURABLE_CONCURRENCY;
  const postgres = await postgresReachable(PG_URL);
  let columns: DurableColumn[] = ['dialer', 'pqueue', 'memory', 'sqlite'];
  if (postgres) columns.push('postgres');
  const label: Record<DurableColumn, string> = {
    dialer: '@ringkit/dialer (memory path)',
    pqueue: 'p-queue + deferred',
    memory: 'durable, createMemoryStore()',
    sqlite: 'durable, SQLite file',
    postgres: `durable, PostgreSQL, ${WORKERS} workers`,
  };
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\ndialer: ${signal}, removing the bench's PostgreSQL schemas`);
    void dropSchemas(PG_URL).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // Warm-up (JIT, the stores' statements), not shown.
  const warm = numbers.slice(0, 200);
  await memoryRun((bench, list) => prepareDialer(bench, list, false, c), warm, c, 7);
  await campaignInProcess('memory', warm, c, 7);
  await campaignInProcess('sqlite', warm, c, 7);
  const runs = new Map<
    DurableColumn,
    (Awaited<ReturnType<typeof memoryRun>> & Partial<CampaignRun>)[]
  >(columns.map((column) => [column, []]));
  // Interleaved runs, the same calls (seed) in every column of a run.
  for (let i = 0; i < RANDOM_RUNS; i += 1) {
    const seed = 42 + i;
    for (const column of columns) {
      const run =
        column === 'dialer'
          ? await memoryRun((bench, list) => prepareDialer(bench, list, false, c), numbers, c, seed)
          : column === 'pqueue'
            ? await memoryRun((bench, list) => preparePQueue(bench, list, c), numbers, c, seed)
            : column === 'postgres'
              ? await postgresRun(numbers, c, seed)
              : await campaignInProcess(column, numbers, c, seed);
      if (run) runs.get(column)!.push(run);
    }
  }
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  // A column none of whose runs finished (PostgreSQL failing three times) is left out.
  columns = columns.filter((column) => runs.get(column)!.length > 0);

  const mean = (column: DurableColumn, pick: (run: CampaignRun) => number | undefined) => {
    const list = runs.get(column)!.map((run) => pick(run as CampaignRun) ?? NaN);
    return list.reduce((sum, v) => sum + v, 0) / list.length;
  };
  const last = (column: DurableColumn) => runs.get(column)!.at(-1) as CampaignRun;
  const durable = (column: DurableColumn) => column !== 'dialer' && column !== 'pqueue';
  const base = mean('dialer', (run) => run.slotUse);
  const us = (v: number) => `${v.toFixed(0)} µs`;
  const cell = (
    column: DurableColumn,
    show: (column: DurableColumn) => string,
    onlyDurable = false,
  ) => (onlyDurable && !durable(column) ? '–' : show(column));
  const table: string[][] = [
    ['metric', ...columns.map((column) => label[column]), 'goal'],
    [
      'slot use while numbers remain',
      ...columns.map((column) => pct(mean(column, (run) => run.slotUse))),
      '≥ 99.9 % (memory path)',
    ],
    [
      '  × the memory path',
      ...columns.map((column) =>
        ratio(
          mean(column, (run) => run.slotUse),
          base,
        ),
      ),
      '',
    ],
    [
      'calls per second',
      ...columns.map((column) => mean(column, (run) => run.perSecond).toFixed(0)),
      '',
    ],
    [
      'refill latency p50 (terminal status → placeCall)',
      ...columns.map((column) => us(mean(column, (run) => run.p50))),
      '',
    ],
    ['refill latency p99', ...columns.map((column) => us(mean(column, (run) => run.p99))), ''],
    [
      'start() to the first placeCall',
      ...columns.map((column) =>
        cell(column, (col) => `${mean(col, (run) => run.firstCallMs).toFixed(0)} ms`, true),
      ),
      '',
    ],
    [
      'rows held after the run: entries + call records',
      ...columns.map((column) =>
        cell(
          column,
          (col) => {
            const run = last(col);
            const entries = Object.values(run.entries).reduce((sum, n) => sum + n, 0);
            return `${entries.toLocaleString('en')} + ${run.records.toLocaleString('en')}`;
          },
          true,
        ),
      ),
      '',
    ],
    [
      '  on disk (file + WAL; tables + indexes)',
      ...columns.map((column) => {
        const bytesOnDisk = durable(column) ? last(column).bytes : null;
        return bytesOnDisk === null ? '–' : `${(bytesOnDisk / 1024 / 1024).toFixed(1)} MiB`;
      }),
      '',
    ],
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    `| ${row.map((text, i) => text.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(
    `\nDurable campaigns beside the memory path: ${total.toLocaleString('en')} numbers, concurrency ${c} (campaign-wide), calls of 0–5 ms, mean of ${RANDOM_RUNS} run(s), Node ${process.version}, load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`,
  );
  console.log(line(table[0]!));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of table.slice(1)) console.log(line(row));
  const spread = (column: DurableColumn) =>
    runs
      .get(column)!
      .map((run) => pct(run.slotUse))
      .join(', ');
  console.log(`\nslot use per run: ${columns.map((col) => `${col} ${spread(col)}`).join('; ')}`);
  for (const column of columns.filter(durable)) {
    const run = last(column);
    const states = Object.entries(run.entries)
      .map(([status, n]) => `${n} ${status}`)
      .join(', ');
    console.log(`${label[column]}: entries ${states}; ${run.errors.length} error events`);
    for (const error of run.errors.slice(0, 5)) console.log(`  ${error}`);
  }
  if (pgRetries.length > 0) {
    console.log(
      `PostgreSQL runs failed and run again from the start: ${pgRetries.length} (${pgRetries.join('; ')})`,
    );
  }
  if (columns.includes('postgres')) {
    const diverted = mean('postgres', (run) => run.diverted);
    console.log(
      `PostgreSQL: ${WORKERS} worker processes on one schema and campaign; each placeCall is an IPC round trip to the provider in this process (inside its refill latency); a call's webhooks go to a worker drawn at random, or to the placing worker while its answer is not stored yet (${((100 * diverted) / total).toFixed(1)} % of calls); the workers' CPU ${us(mean('postgres', (run) => run.workerCpuUs))} per call, together`,
    );
  } else if (!postgres) {
    console.log(`PostgreSQL at ${PG_URL} could not be reached: its column is left out.`);
  }
  // A slot alternates a call (2.5 ms on average here) and the time it stands empty: from the
  // slot use, empty = call × (1 / use − 1) per call. The same empty time beside calls of 30 s
  // (arithmetic, not measured) tells what the durable rows would reach with real calls.
  const implied = columns.filter(durable).map((column) => {
    const use = mean(column, (run) => run.slotUse);
    const emptyMs = 2.5 * (1 / use - 1);
    return `${column} ${emptyMs.toFixed(2)} ms → ${(3_000_000 / (30_000 + emptyMs)).toFixed(4)} %`;
  });
  console.log(
    `a store round trip sits between a call's end and the next claim (the terminal status written, claimCampaign, the placement's mark written, then placeCall), so with calls of 0–5 ms the durable rows cannot reach the memory path's slot use. A slot's empty time per call, 2.5 ms × (1 / slot use − 1), and the slot use that empty time would leave beside 30 s calls (arithmetic): ${implied.join('; ')}`,
  );
  console.log(`${((performance.now() - started) / 1000).toFixed(1)} s in all`);
}

// ---------------------------------------------------------------------------------------------
// End to end over HTTP

/** The webhook simulator in a process of its own, as a provider is. */
async function startSimulator(stepMs: [number, number], seed: number) {
  const { child, ready } = await forkReady(SIMULATOR_SCRIPT, [
    JSON.stringify({ flavour: 'webhook', stepMs, seed }),
  ]);
  return {
    url: ready.url,
    async close() {
      await closeChild(child);
    },
  };
}

interface HttpRun {
  slotUse: number;
  /** Refill gaps, µs. */
  p50: number;
  p99: number;
  max: number;
  perSecond: number;
  cpuPercent: number;
  cpuPerCallUs: number;
  /** The refill gap's p50 by phase, µs: receiver, dialer, client before fetch, fetch to wire. */
  phases: [number, number, number, number];
}

/** Moments (performance.now) the `POST /call` requests of this process left, as undici sends them. */
function watchPosts(into: number[]) {
  const onSend = (message: unknown) => {
    const request = (message as { request?: { method?: string; path?: string } }).request;
    if (request?.method === 'POST' && request.path === '/call') into.push(performance.now());
  };
  subscribe('undici:client:sendHeaders', onSend);
  return () => unsubscribe('undici:client:sendHeaders', onSend);
}

async function httpRun(
  concurrency: number,
  calls: number,
  stepMs: [number, number],
  seed: number,
): Promise<HttpRun> {
  const sim = await startSimulator(stepMs, seed);
  const token = createWebhookToken();
  const posts: number[] = [];
  /** Arrival of each call's first terminal webhook, and when it reached `handleStatus`. */
  const ends: number[] = [];
  const handled: number[] = [];
  /** When `placeCall` was invoked, and when the client handed the request to `fetch`. */
  const placed: number[] = [];
  const fetched: number[] = [];
  const endedIds = new Set<string>();
  /** The webhooks' way to the dialer, once there is one. */
  let route: Handler = () => {};
  let arrivedAt = 0;
  const handler = createWebhookHandler({
    token,
    onEvent(event) {
      const id = String(event.callId);
      if (isTerminal(event.status) && !endedIds.has(id)) {
        endedIds.add(id);
        ends.push(arrivedAt);
        handled.push(performance.now());
      }
      route(event);
    },
    onError: (error) => console.error('webhook refused:', error),
  });
  const prefix = '/hooks/';
  const server = createServer((req, res) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '';
      arrivedAt = at;
      void handler({
        token: path.startsWith(prefix) ? path.slice(prefix.length) : undefined,
        body: Buffer.concat(chunks),
      }).then((answer) => {
        if (answer.body) res.writeHead(answer.status, { 'content-type': 'application/json' });
        else res.writeHead(answer.status);
        res.end(answer.body ? JSON.stringify(answer.body) : undefined);
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const client = createNumDialerClient({
    fetch: (input, init) => {
      fetched.push(performance.now());
      return fetch(input, init);
    },
    baseUrl: sim.url,
    webhookUrl: `http://127.0.0.1:${port}${prefix}${token}`,
  });
  const provider: CallProvider = {
    ...client,
    placeCall(request) {
      placed.push(performance.now());
      return client.placeCall(request);
    },
  };
  const numbers = Array.from({ length: calls }, (_, i) => `+1415${String(2_000_000 + i)}`);
  const d = createDialer({ provider, numbers, concurrency });
  route = (event) => d.handleStatus(event);
  const drained = new Promise<void>((resolve) => d.on('drained', () => resolve()));
  const stopWatching = watchPosts(posts);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  d.start();
  await drained;
  const wall = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  stopWatching();
  server.closeAllConnections();
  server.close();
  await sim.close();
  const failed = d.snapshot().entries.filter((entry) => entry.status !== 'completed').length;
  if (posts.length !== calls || ends.length !== calls || fetched.length !== calls || failed > 0) {
    throw new Error(`${posts.length} POSTs, ${ends.length} ends, ${failed} not completed`);
  }
  // Slot use while numbers remain: calls in flight integrated from the first POST to the last.
  const first = posts[0]!;
  const last = posts[calls - 1]!;
  let area = 0;
  let inFlight = 0;
  let at = first;
  for (let p = 0, e = 0; p < calls;) {
    const nextEnd = e < calls ? ends[e]! : Infinity;
    const now = Math.min(posts[p]!, nextEnd);
    area += inFlight * (now - at);
    at = now;
    if (posts[p]! <= nextEnd) {
      inFlight += 1;
      p += 1;
    } else {
      inFlight -= 1;
      e += 1;
    }
  }
  // Each call that ends while numbers remain frees the slot the next POST takes.
  const gaps: number[] = [];
  const phases: [number[], number[], number[], number[]] = [[], [], [], []];
  for (let i = 0; i + concurrency < calls; i += 1) {
    const j = i + concurrency;
    gaps.push((posts[j]! - ends[i]!) * 1000);
    phases[0].push((handled[i]! - ends[i]!) * 1000);
    phases[1].push((placed[j]! - handled[i]!) * 1000);
    phases[2].push((fetched[j]! - placed[j]!) * 1000);
    phases[3].push((posts[j]! - fetched[j]!) * 1000);
  }
  const cpuUs = used.user + used.system;
  return {
    slotUse: area / (concurrency * (last - first)),
    p50: percentile(gaps, 50),
    p99: percentile(gaps, 99),
    max: Math.max(...gaps),
    perSecond: (1000 * calls) / (ends[calls - 1]! - first),
    cpuPercent: (100 * cpuUs) / 1000 / wall,
    cpuPerCallUs: cpuUs / calls,
    phases: phases.map((list) => percentile(list, 50)) as HttpRun['phases'],
  };
}

async function httpSection() {
  const setups: { concurrency: number; calls: number; stepMs: [number, number] }[] = [
    { concurrency: 3, calls: QUICK ? 300 : 1_000, stepMs: [10, 30] },
    { concurrency: 100, calls: QUICK ? 2_000 : 6_000, stepMs: [100, 300] },
  ];
  const us = (v: number) => `${v.toFixed(0)} µs`;
  const split: string[] = [];
  const rows: string[][] = [
    [
      'in flight',
      'calls',
      'webhook steps',
      'slot use',
      'refill gap p50',
      'p99',
      'max',
      'calls/s',
      'CPU %',
      'CPU per call',
    ],
  ];
  // Warm-up: JIT, connections.
  await httpRun(3, 100, [1, 3], 7);
  for (const { concurrency, calls, stepMs } of setups) {
    const r = await httpRun(concurrency, calls, stepMs, 42);
    rows.push([
      String(concurrency),
      calls.toLocaleString('en'),
      `${stepMs[0]}–${stepMs[1]} ms ×3`,
      pct(r.slotUse),
      us(r.p50),
      us(r.p99),
      us(r.max),
      r.perSecond.toFixed(0),
      r.cpuPercent.toFixed(1),
      us(r.cpuPerCallUs),
    ]);
    const [receiver, dialerPart, clientPart, wire] = r.phases.map(us);
    split.push(
      `  ${concurrency} in flight: webhook in → handleStatus ${receiver}, handleStatus → placeCall ${dialerPart}, placeCall → fetch ${clientPart}, fetch → POST on the wire ${wire}`,
    );
  }
  console.log(
    `\n@ringkit/dialer end to end over HTTP: createNumDialerClient → webhook simulator (child process) → webhooks to a local server, Node ${process.version}`,
  );
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(rows[0]!));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows.slice(1)) console.log(line(row));
  console.log(
    'slot use goal ≥ 99.900 %; refill gap = terminal webhook arriving → next POST /call leaving (this process, on the wire)',
  );
  console.log('refill gap p50 by phase (the dialer is the second):');
  for (const line of split) console.log(line);
}

if (!HTTP_ONLY && !DURABLE_ONLY) await main();
if (!HTTP_ONLY) await durableSection();
if (!DURABLE_ONLY) await httpSection();
