/**
 * The durable section of `dialer.ts`: `createDialer({ store, campaign })` on the memory store,
 * SQLite and PostgreSQL (worker processes) beside the in-memory dialer and p-queue.
 */
import { availableParallelism, loadavg } from 'node:os';
import { prepareDialer, preparePQueue } from './_dialer-drivers.js';
import {
  campaignInProcess,
  campaignPostgres,
  dropSchemas,
  postgresReachable,
  reachableWithin,
  type CampaignRun,
  type DurableKind,
  type HarnessSystem,
} from './_dialer-durable.js';
import { campaignFloor } from './_dialer-floor.js';
import { benchProvider, type Bench } from './_dialer-provider.js';
import { pct, printTable, ratio, refillOf } from './_dialer-report.js';
import {
  DURABLE_CONCURRENCY,
  DURABLE_TOTAL,
  PG_URL,
  POOL_SIZE,
  RANDOM_RUNS,
  WORKERS,
} from './_dialer-settings.js';

/** Runs `prepare` on calls of 0–5 ms at `concurrency`, events dated as the durable rows get them. */
async function memoryRun(
  prepare: (bench: Bench, numbers: string[]) => () => Promise<unknown>,
  numbers: string[],
  concurrency: number,
  seed: number,
) {
  const bench = benchProvider('random', numbers.length, seed, { concurrency, dated: true });
  await prepare(bench, numbers)();
  return { ...refillOf(bench), perSecond: bench.perSecond() };
}

/** `postgres1`: PostgreSQL with one worker process (`postgres`: `WORKERS` of them). */
type DurableColumn = 'dialer' | 'pqueue' | DurableKind | 'postgres1';

/** The goals of a slot's empty time between calls, ms. */
const GOAL_EMPTY_MS: Partial<Record<DurableColumn, number>> = {
  sqlite: 3,
  postgres: 10,
  postgres1: 10,
};
/** The goals of the workers' CPU per call on PostgreSQL, together, µs. */
const GOAL_CPU_US = { postgres: 1500, postgres1: 1000 } as const;
/** The worker processes of each PostgreSQL column. */
const WORKERS_OF = { postgres: WORKERS, postgres1: 1 } as const;

/**
 * A slot alternates a call (2.5 ms on average here) and the time it stands empty: from the slot
 * use, empty = call × (1 / use − 1) per call, ms. The same empty time beside calls of 30 s
 * (arithmetic, not measured) tells what the durable rows would reach with real calls.
 */
const emptyOf = (slotUse: number) => 2.5 * (1 / slotUse - 1);

/** PostgreSQL runs that failed and were run again, with why (a shared server may restart). */
const pgRetries: string[] = [];

/**
 * The PostgreSQL column's run, again from the start (a fresh schema and workers) when it fails,
 * up to three times; `null` when every try failed.
 */
async function postgresRun(
  numbers: string[],
  concurrency: number,
  seed: number,
  workers: number,
  system: HarnessSystem = 'ringkit',
) {
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await campaignPostgres(PG_URL, numbers, concurrency, workers, seed, system);
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

export async function durableSection(): Promise<void> {
  const started = performance.now();
  const total = DURABLE_TOTAL;
  const numbers = Array.from({ length: total }, (_, i) => `+1301804${String(i).padStart(4, '0')}`);
  const c = DURABLE_CONCURRENCY;
  const postgres = await postgresReachable(PG_URL);
  let columns: DurableColumn[] = ['dialer', 'pqueue', 'memory', 'sqlite'];
  if (postgres) columns.push('postgres1', 'postgres');
  const label: Record<DurableColumn, string> = {
    dialer: '@ringkit/dialer (memory path)',
    pqueue: 'p-queue + deferred',
    memory: 'durable, createMemoryStore()',
    sqlite: 'durable, SQLite file',
    postgres: `durable, PostgreSQL, ${WORKERS} workers`,
    postgres1: 'durable, PostgreSQL, 1 worker',
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
  /**
   * The floor through the same harness (`_dialer-bare-worker.ts`), run just before each
   * PostgreSQL column's run, with the same calls (seed) and as many workers.
   */
  const harnessFloors = new Map<DurableColumn, CampaignRun[]>();
  // Interleaved runs, the same calls (seed) in every column of a run.
  for (let i = 0; i < RANDOM_RUNS; i += 1) {
    const seed = 42 + i;
    for (const column of columns) {
      if (column === 'postgres' || column === 'postgres1') {
        const floor = await postgresRun(numbers, c, seed, WORKERS_OF[column], 'floor');
        if (floor) harnessFloors.set(column, [...(harnessFloors.get(column) ?? []), floor]);
      }
      const run =
        column === 'dialer'
          ? await memoryRun((bench, list) => prepareDialer(bench, list, false, c), numbers, c, seed)
          : column === 'pqueue'
            ? await memoryRun((bench, list) => preparePQueue(bench, list, c), numbers, c, seed)
            : column === 'postgres' || column === 'postgres1'
              ? await postgresRun(numbers, c, seed, WORKERS_OF[column])
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
  console.log(
    `\nDurable campaigns beside the memory path: ${total.toLocaleString('en')} numbers, concurrency ${c} (campaign-wide), calls of 0–5 ms, mean of ${RANDOM_RUNS} run(s), Node ${process.version}, load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`,
  );
  printTable(table);
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
  for (const column of (['postgres1', 'postgres'] as const).filter((c) => columns.includes(c))) {
    const workers = WORKERS_OF[column];
    const diverted = mean(column, (run) => run.diverted);
    const cpu = mean(column, (run) => run.workerCpuUs);
    /** Of the CPU per call, µs, the part the `start()`s took before their first `placeCall`. */
    const startUsOf = (run: CampaignRun) =>
      ((run.startCpuMs ?? []).reduce((a, b) => a + b, 0) * 1000) / total;
    /** Each worker's CPU from `start()` to its first `placeCall`, ms, over `runs`. */
    const startMsOf = (runs: CampaignRun[]) => {
      const each = runs.flatMap((run) => run.startCpuMs ?? []);
      return each.reduce((a, b) => a + b, 0) / each.length;
    };
    /** The server's CPU per call of `runs`, as text ('n/a' where it could not be read). */
    const serverOf = (runs: CampaignRun[]) => {
      const known = runs.map((run) => run.serverCpuUs).filter((v): v is number => v != null);
      return known.length === runs.length && known.length > 0
        ? us(known.reduce((a, b) => a + b, 0) / known.length)
        : 'n/a';
    };
    const routed =
      workers === 1
        ? 'one worker process: every webhook goes to it'
        : `${workers} worker processes on one schema and campaign: a call's webhooks go to a worker drawn at random, or to the placing worker while its answer is not stored yet (${((100 * diverted) / total).toFixed(1)} % of calls)`;
    console.log(
      `PostgreSQL, ${routed}; each placeCall is an IPC round trip to the provider in this process (inside its refill latency); the workers' CPU ${us(cpu)} per call, together (goal ≤ ${GOAL_CPU_US[column].toLocaleString('en')} µs; ${us(mean(column, startUsOf))} of it their start()s to their first placeCall, ${startMsOf(runs.get(column)! as CampaignRun[]).toFixed(1)} ms of CPU per worker, paid once), the PostgreSQL server's ${serverOf(runs.get(column)! as CampaignRun[])} per call, and ${mean(column, (run) => run.statementsPerCall).toFixed(2)} statements per call; ${mean(column, (run) => run.connects).toFixed(1)} connections opened during a run (each worker's pool of ${POOL_SIZE} opened before it)`,
    );
    const claims = last(column).claimsMs ?? [];
    const at = (p: number) => claims[Math.min(claims.length - 1, Math.floor(p * claims.length))];
    console.log(
      `  claims on the refill path (the last run): ${(claims.length / total).toFixed(2)} claimCampaign per call, ${at(0.5)?.toFixed(1)} ms at p50 and ${at(0.9)?.toFixed(1)} ms at p90 from the workers' side (the campaign row's lock, the claim and the next wake, in one round trip)`,
    );
    // The floor through the same harness: bare pg statements behind the same provider, IPC and
    // webhooks, its figures taken where ringkit's are.
    const floors = harnessFloors.get(column) ?? [];
    if (floors.length > 0) {
      const of = (pick: (run: CampaignRun) => number) =>
        floors.reduce((sum, run) => sum + pick(run), 0) / floors.length;
      const floorEmpty = of((run) => emptyOf(run.slotUse));
      const ringkitEmpty = mean(column, (run) => emptyOf(run.slotUse));
      const floorCpu = of((run) => run.workerCpuUs ?? NaN);
      console.log(
        `  floor through the same harness (bare pg in ${workers} worker process${workers === 1 ? '' : 'es'}, the same provider, IPC and webhooks, ${of((run) => run.statementsPerCall ?? NaN).toFixed(2)} statements per call: claim with its mark, answer with its record, end with its record; _dialer-bare-worker.ts): a slot's empty time ${floorEmpty.toFixed(2)} ms, ringkit's ${ringkitEmpty.toFixed(2)} ms (${(ringkitEmpty / floorEmpty).toFixed(2)}×); the workers' CPU ${us(floorCpu)} per call (${us(of(startUsOf))} of it their starts, ${startMsOf(floors).toFixed(1)} ms per worker), ringkit's ${(cpu / floorCpu).toFixed(2)}× that; the server's ${serverOf(floors)} per call; ${of((run) => run.perSecond).toFixed(0)} calls/s, refill p50 ${us(of((run) => run.p50))}; ${of((run) => run.connects ?? NaN).toFixed(1)} connections opened during a run; ${floors.map((run) => `${run.entries['completed'] ?? 0} completed`).join(', ')}`,
      );
    }
    // The floor, in the same run: the four statements a call cannot do without, from bare
    // clients, as many calls, places and processes.
    const floor = await campaignFloor(PG_URL, total, c, workers);
    console.log(
      `  floor (bare pg, ${workers} process${workers === 1 ? '' : 'es'}, ${c} places, ${floor.statementsPerCall.toFixed(2)} statements per call: claim with its mark, answer with its record, end with its record; the claim under the campaign-wide cap, in one round trip, committed durably; no provider, calls of 0–5 ms): the workers' CPU ${us(floor.cpuUs)} per call, together; ringkit's ${(cpu / floor.cpuUs).toFixed(2)}× that; a place empty between calls ${floor.emptyP50Ms.toFixed(2)} ms at p50, ${floor.emptyMeanMs.toFixed(2)} ms on average (the end's write, the claim with its mark; ringkit's below)`,
    );
  }
  if (!postgres) {
    console.log(`PostgreSQL at ${PG_URL} could not be reached: its column is left out.`);
  }
  const implied = columns.filter(durable).map((column) => {
    const emptyMs = mean(column, (run) => emptyOf(run.slotUse));
    const goal = GOAL_EMPTY_MS[column];
    return `${column} ${emptyMs.toFixed(2)} ms${goal === undefined ? '' : ` (goal ≤ ${goal} ms)`} → ${(3_000_000 / (30_000 + emptyMs)).toFixed(4)} %`;
  });
  console.log(
    `a store round trip sits between a call's end and the next claim (the terminal status written, then claimCampaign, which marks what it claims, then placeCall), so with calls of 0–5 ms the durable rows cannot reach the memory path's slot use. A slot's empty time per call, 2.5 ms × (1 / slot use − 1), and the slot use that empty time would leave beside 30 s calls (arithmetic): ${implied.join('; ')}`,
  );
  console.log(`${((performance.now() - started) / 1000).toFixed(1)} s in all`);
}
