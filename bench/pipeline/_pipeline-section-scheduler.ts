/**
 * Sections 2 and 3 of `pipeline.ts`: the scheduler end to end on each store beside a plain-fetch
 * floor, and a burst; with the stores, due times and the collection of lags they share with
 * section 4.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMockCallApiClient } from '@ringkit/call-client';
import { createScheduler, type Store } from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { createPostgresStore } from '@ringkit/scheduler-core/postgres';
import { createSqliteStore } from '@ringkit/scheduler-core/sqlite';
import pg from 'pg';
import { startSim, type Sim } from './_pipeline-children.js';
import { pgSchedulerFloor } from './_pipeline-floor.js';
import {
  cpuMeter,
  lagRow,
  loadOver,
  loop,
  medianBy,
  profiled,
  statementCounter,
} from './_pipeline-measure.js';
import {
  BURST,
  BURST_RUNS,
  CALLER,
  CONCURRENCY,
  DUE_AT_ONCE,
  E2E_RUNS,
  FOLLOWED,
  numberOf,
  PG_SCHEMA,
  PG_URL,
  sleep,
  warmUp,
} from './_pipeline-settings.js';
import { pauseMeter, percentile, table } from '../_stats.js';

type StoreName = 'memory' | 'sqlite' | 'postgres';

export async function openStore(
  name: StoreName,
): Promise<{ store: Store; dispose(): Promise<void> }> {
  if (name === 'memory') return { store: createMemoryStore(), dispose: async () => {} };
  if (name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'ringkit-pipeline-'));
    const store = createSqliteStore({ path: join(dir, 'calls.db') });
    return { store, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = PG_SCHEMA;
  await dropSchema(schema);
  const store = createPostgresStore({ connectionString: PG_URL! }, { schema });
  await store.ready();
  return { store, dispose: () => dropSchema(schema) };
}

async function dropSchema(schema: string) {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}

/** Due times for `count` calls from `start`, spread over `spreadMs` (0: all at one instant). */
export function dueTimes(count: number, start: number, spreadMs: number) {
  const due = new Map<string, number>();
  for (let i = 0; i < count; i += 1) {
    due.set(numberOf(i), start + (spreadMs === 0 ? 0 : Math.floor((i * spreadMs) / count)));
  }
  return due;
}

/**
 * Waits until the simulator got `count` calls; their lags (receive − due), the numbers they were
 * placed to (in the same order) and their time span, and the status changes the calls made
 * meanwhile.
 */
export async function collect(sim: Sim, due: Map<string, number>, count: number, limitMs = 60_000) {
  const lags: number[] = [];
  const placed: string[] = [];
  let last = 0;
  let simCpu = 0;
  let changes = 0;
  const deadline = Date.now() + limitMs;
  while (lags.length < count && Date.now() < deadline) {
    await sleep(20);
    const { phones, at, cpu, changes: moved } = await sim.take();
    simCpu += cpu;
    changes += moved;
    phones.forEach((phone, k) => {
      lags.push(at[k]! - due.get(phone)!);
      placed.push(phone);
      last = Math.max(last, at[k]!);
    });
  }
  return { lags, last, simCpu, changes, phones: placed };
}

/** The polling client, counting the status requests (`getCall`) made through it. */
function countingGets(url: string) {
  const provider = createMockCallApiClient({ baseUrl: url });
  const getCall = provider.getCall.bind(provider);
  const counted = { provider, gets: 0 };
  provider.getCall = (...args) => {
    counted.gets += 1;
    return getCall(...args);
  };
  return counted;
}

/**
 * Runs the scheduler on a fresh simulator and store: `count` calls due from 1.5 s on, spread over
 * `spreadMs`, and as many again for each further burst, `BURST_GAP_MS` after the one before.
 * `byBurst` holds each burst's lags, in order.
 */
async function schedulerRun(name: StoreName, count: number, spreadMs: number, bursts = 1) {
  const sim = await startSim({ flavour: 'polling', stepMs: FOLLOWED });
  const { store, dispose } = await openStore(name);
  const counted = countingGets(sim.url);
  const scheduler = createScheduler({
    store,
    provider: counted.provider,
    callerId: CALLER,
    concurrency: CONCURRENCY,
  });
  const start = Date.now() + 1_500;
  const waves = burstDueTimes(count, start, spreadMs, bursts);
  const due = new Map(waves.flatMap((wave) => [...wave]));
  await scheduler.scheduleMany([...due].map(([to, at]) => ({ to, at: new Date(at) })));
  await scheduler.start();
  // The load while the later burst's calls come due.
  const load = bursts > 1 ? loadOver(start + (bursts - 1) * BURST_GAP_MS, spreadMs) : null;
  await sleep(start - Date.now());
  const statements = await statementCounter();
  const cpu = cpuMeter();
  const pauses = pauseMeter();
  const { lags, last, simCpu, phones } = await profiled(`scheduler-${name}-${count}`, () =>
    collect(sim, due, due.size),
  );
  const { stallMs, gcMs } = pauses.stop();
  const used = cpu();
  const gets = counted.gets;
  const sent = statements.count();
  statements.stop();
  await scheduler.stop();
  await store.close();
  await sim.close();
  await dispose();
  return {
    lags,
    byBurst: byWave(waves, phones, lags),
    load: load === null ? null : await load,
    perSecond: (1000 * lags.length) / (last - start),
    cpu: used,
    simCpu,
    gets,
    statements: sent,
    /** The longest event-loop stall and GC pause of this process while the calls went out. */
    stallMs,
    gcMs,
  };
}

/** The time between the due times of a run's bursts: the one before has long ended. */
const BURST_GAP_MS = 4_000;

/** Each burst's due times: `count` numbers of its own from `start + k * BURST_GAP_MS`. */
function burstDueTimes(count: number, start: number, spreadMs: number, bursts: number) {
  return Array.from({ length: bursts }, (_, k) => {
    const wave = dueTimes(count, start + k * BURST_GAP_MS, spreadMs);
    return new Map([...wave].map(([, at], i) => [numberOf(k * count + i), at] as const));
  });
}

/** The lags of each burst, in order, from the lags of all and the numbers they were placed to. */
function byWave(waves: Map<string, number>[], phones: string[], lags: number[]) {
  return waves.map((wave) => lags.filter((_, i) => wave.has(phones[i]!)));
}

/**
 * The floor of a burst: a plain loop of `fetch` on a fresh simulator that sends each request at
 * its due time, at most `CONCURRENCY` at once, and nothing else (no store, no status polling).
 * The same due times as {@link schedulerRun}'s.
 */
async function fetchBurst(count: number, spreadMs: number, bursts: number) {
  const sim = await startSim({ flavour: 'polling', stepMs: FOLLOWED });
  const start = Date.now() + 1_500;
  const waves = burstDueTimes(count, start, spreadMs, bursts);
  const due = new Map(waves.flatMap((wave) => [...wave]));
  const queue = [...due].sort((a, b) => a[1] - b[1]);
  let next = 0;
  let inFlight = 0;
  let timer: NodeJS.Timeout | undefined;
  const send = () => {
    clearTimeout(timer);
    while (inFlight < CONCURRENCY && next < queue.length && queue[next]![1] <= Date.now()) {
      const [phone] = queue[next++]!;
      inFlight += 1;
      void fetch(`${sim.url}/api/call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone_number: phone }),
      })
        .then((response) => response.json())
        .catch((error: unknown) => console.error('fetch loop:', error))
        .finally(() => {
          inFlight -= 1;
          send();
        });
    }
    if (next < queue.length && inFlight < CONCURRENCY) {
      timer = setTimeout(send, Math.max(0, queue[next]![1] - Date.now()));
    }
  };
  const load = loadOver(start + (bursts - 1) * BURST_GAP_MS, spreadMs);
  send();
  const pauses = pauseMeter();
  const { lags, phones } = await collect(sim, due, due.size);
  const { stallMs, gcMs } = pauses.stop();
  clearTimeout(timer);
  await sim.close();
  return { byBurst: byWave(waves, phones, lags), stallMs, gcMs, load: await load };
}

function storesToRun(): StoreName[] {
  return PG_URL ? ['memory', 'sqlite', 'postgres'] : ['memory', 'sqlite'];
}

export async function schedulerEndToEnd() {
  console.log(
    `\n# The scheduler end to end: ${DUE_AT_ONCE} calls due at one instant, concurrency ${CONCURRENCY}, followed by polling, ${E2E_RUNS} runs per store\n`,
  );
  // Each run is paired with a floor measured just before it, not taken from the placement
  // section: against a simulator started afresh whose calls move as the scheduler's do. A
  // simulator that has served thousands of calls answers up to twice as fast (its JIT is warm),
  // and the machine's pace drifts between runs, so a ratio compares two figures taken side by
  // side. The row shown is the run with the median ratio; the range is every run's.
  if (warmUp) {
    // One run on the memory store first, not shown: the rows then measure code the JIT has
    // compiled (a process placing calls for a while), not its first thousand calls.
    await measureFetchFloor();
    await schedulerRun('memory', DUE_AT_ONCE, 0);
    console.log('(after one unmeasured run on the memory store: --warm-up)\n');
  }
  const rows = [];
  const floors = [];
  for (const name of storesToRun()) {
    const runs = [];
    for (let run = 0; run < E2E_RUNS; run += 1) {
      const fetchLoop = await measureFetchFloor();
      const floor = fetchLoop.perSecond;
      const r = await schedulerRun(name, DUE_AT_ONCE, 0);
      const cpuUs = (1000 * r.cpu.ms) / r.lags.length;
      runs.push({ ...r, floor, ratio: r.perSecond / floor, fetchCpuUs: fetchLoop.cpuPerCallUs });
      if (name === 'postgres')
        floors.push({ fetchLoop, ours: r.perSecond, cpuUs, ...(await measurePgFloor()) });
    }
    const ratios = runs.map((r) => r.ratio).sort((a, b) => a - b);
    const r = medianBy(runs, (x) => x.ratio);
    rows.push(
      lagRow(name, r.lags, {
        'calls/s': Math.round(r.perSecond),
        'fetch calls/s': Math.round(r.floor),
        '× fetch': r.ratio,
        '× fetch, all runs': ratios.map((x) => x.toFixed(2)).join(' / '),
        'CPU %': Math.round(r.cpu.percent),
        'CPU µs/call': Math.round((1000 * r.cpu.ms) / r.lags.length),
        'fetch CPU µs/call': Math.round(r.fetchCpuUs),
        'CPU × fetch': ((1000 * r.cpu.ms) / r.lags.length / r.fetchCpuUs).toFixed(2),
        'GETs/call': (r.gets / r.lags.length).toFixed(2),
        'statements/call': (r.statements / r.lags.length).toFixed(2),
        placed: r.lags.length,
      }),
    );
  }
  table(rows);
  if (floors.length > 0) pgFloorTable(floors);
}

/**
 * The PostgreSQL runs beside the floor of bare `pg` and plain `fetch` (`_pipeline-floor.ts`),
 * measured right after each of them on a simulator of its own, and the goals.
 */
function pgFloorTable(
  floors: {
    fetchLoop: { perSecond: number; cpuPerCallUs: number };
    ours: number;
    cpuUs: number;
    perSecond: number;
    cpuUsPerCall: number;
    statementsPerCall: number;
  }[],
) {
  console.log(
    '\nPostgreSQL, 1 worker, beside a floor of bare pg and fetch (claim ahead, mark, request, answer with its record) in the same run:\n',
  );
  table(
    floors.map((f, i) => ({
      run: i + 1,
      'fetch calls/s': Math.round(f.fetchLoop.perSecond),
      'scheduler calls/s': Math.round(f.ours),
      'floor calls/s': Math.round(f.perSecond),
      'scheduler × fetch': (f.ours / f.fetchLoop.perSecond).toFixed(2),
      'floor × fetch': (f.perSecond / f.fetchLoop.perSecond).toFixed(2),
      'scheduler × floor': (f.ours / f.perSecond).toFixed(2),
      'CPU µs/call: fetch': Math.round(f.fetchLoop.cpuPerCallUs),
      scheduler: Math.round(f.cpuUs),
      floor: Math.round(f.cpuUsPerCall),
      'floor statements/call': f.statementsPerCall.toFixed(2),
    })),
  );
  console.log(
    "(goals: scheduler ≥ 0.5× fetch, its CPU per call ≤ 1.5× the fetch loop's; the floor shows what a durable mark before each request allows here)",
  );
}

async function measurePgFloor() {
  const sim = await startSim({ flavour: 'polling', stepMs: FOLLOWED });
  try {
    return await pgSchedulerFloor(PG_URL!, sim.url, DUE_AT_ONCE, CONCURRENCY);
  } finally {
    await sim.close();
  }
}

async function measureFetchFloor() {
  const sim = await startSim({ flavour: 'polling', stepMs: FOLLOWED });
  const place = async (i: number) => {
    const response = await fetch(`${sim.url}/api/call`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone_number: numberOf(i) }),
    });
    return response.json();
  };
  const r = await loop(place, DUE_AT_ONCE, CONCURRENCY);
  await sim.close();
  return r;
}

export async function burst() {
  console.log(
    `\n# Bursts: ${BURST} calls due within one second, and ${BURST} more ${BURST_GAP_MS / 1000} s later, ${BURST_RUNS} runs per store\n`,
  );
  // A run's first burst comes to a fresh simulator, through connections not yet open, and, in the
  // first run of a store, through code the JIT has not compiled yet: a process's first seconds.
  // Its later burst is the steady state of a running scheduler. The plain-fetch loop shows what
  // the same two bursts cost with no scheduler at all.
  const rows = [];
  const names: ('fetch loop' | StoreName)[] = ['fetch loop', ...storesToRun()];
  for (const name of names) {
    for (let run = 1; run <= BURST_RUNS; run += 1) {
      const r =
        name === 'fetch loop'
          ? await fetchBurst(BURST, 1_000, 2)
          : await schedulerRun(name, BURST, 1_000, 2);
      const [first, later] = r.byBurst.map((lags) => [...lags].sort((a, b) => a - b));
      rows.push({
        '': `${name} #${run}`,
        'first: p50 ms': percentile(first!, 50),
        'first: p99 ms': percentile(first!, 99),
        'later: p50 ms': percentile(later!, 50),
        'later: p99 ms': percentile(later!, 99),
        'later: max ms': later!.at(-1) ?? Number.NaN,
        'later: CPU % (this process)': Math.round(r.load!.ours),
        'later: machine busy %': r.load!.machine === null ? '–' : Math.round(r.load!.machine),
        'longest stall ms': r.stallMs.toFixed(1),
        'longest GC ms': r.gcMs.toFixed(1),
        placed: first!.length + later!.length,
      });
    }
  }
  table(rows);
  console.log(
    "(goals: p99 ≤ 20 ms on memory and SQLite, ≤ 25 ms on PostgreSQL; \"first\" is a fresh simulator's and connections' first burst, \"later\" the same process and simulator 4 s on; the load is over the later burst's second, this process's CPU as % of one core and the machine's as % of all its cores)",
  );
}
