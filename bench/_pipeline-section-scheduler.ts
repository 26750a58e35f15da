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
} from './_pipeline-settings.js';
import { pauseMeter, table } from './_stats.js';

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
 * Waits until the simulator got `count` calls; their lags (receive − due) and time span, and the
 * status changes the calls made meanwhile.
 */
export async function collect(sim: Sim, due: Map<string, number>, count: number, limitMs = 60_000) {
  const lags: number[] = [];
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
      last = Math.max(last, at[k]!);
    });
  }
  return { lags, last, simCpu, changes };
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

async function schedulerRun(name: StoreName, count: number, spreadMs: number) {
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
  const due = dueTimes(count, start, spreadMs);
  await scheduler.scheduleMany([...due].map(([to, at]) => ({ to, at: new Date(at) })));
  await scheduler.start();
  await sleep(start - Date.now());
  const statements = await statementCounter();
  const cpu = cpuMeter();
  const pauses = pauseMeter();
  const { lags, last, simCpu } = await profiled(`scheduler-${name}-${count}`, () =>
    collect(sim, due, count),
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
  console.log(`\n# A burst: ${BURST} calls due within one second, ${BURST_RUNS} runs per store\n`);
  const rows = [];
  for (const name of storesToRun()) {
    for (let run = 1; run <= BURST_RUNS; run += 1) {
      const r = await schedulerRun(name, BURST, 1_000);
      rows.push(
        lagRow(`${name} #${run}`, r.lags, {
          'longest stall ms': r.stallMs.toFixed(1),
          'longest GC ms': r.gcMs.toFixed(1),
          placed: r.lags.length,
        }),
      );
    }
  }
  table(rows);
}
