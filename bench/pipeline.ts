/**
 * The real pipeline, from due time to the provider: every figure here is taken over HTTP against
 * the simulator running in a process of its own (bench/_pipeline-sim.ts), with the real clients.
 *
 * 1. Placement: plain `fetch` (the floor), ky alone, and each client's `placeCall` (polling,
 *    webhook, Twilio), at concurrency 1 and 10: calls/s, latency p50/p99, CPU per call of this
 *    process, and the ratio to plain fetch of the same flavour, taken in the same run.
 * 2. The scheduler end to end (claim → mark placing → POST → record → follow by polling) on the
 *    memory, SQLite and PostgreSQL stores: 2,000 calls due at one instant, concurrency 10, three
 *    runs per store, each beside a plain-fetch floor measured just before it. Lag is the moment
 *    the simulator received the POST minus the call's due time.
 * 3. A burst of 500 calls due within one second, on each store, three runs each: lag p50/p99/max.
 * 4. PostgreSQL with 4 worker processes against 4 plain-fetch processes.
 * 5. The dialer end to end over the webhook simulator, with its webhooks received over HTTP,
 *    at 3, 10 and 100 in flight: calls/s, slot use, beside a plain fetch + webhook loop.
 *
 *   pnpm --filter @ringkit/bench exec tsx pipeline.ts [--quick] [--profile] [--only a,b]
 *
 * `--only` takes any of: placement, scheduler, burst, postgres, dialer. `--profile` writes a CPU
 * profile of this process per section to bench/profiles/ (open it in Chrome's DevTools).
 * PostgreSQL sections run when TEST_DATABASE_URL (or DATABASE_URL) is set.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createMockCallApiClient,
  createNumDialerClient,
  createWebhookToken,
  parseStatusWebhook,
  type CallProvider,
} from '@ringkit/call-client';
import { createTwilioClient } from '@ringkit/call-client/twilio';
import type { SimulatorOptions } from '@ringkit/simulator';
import { TWILIO_TEST_CREDENTIALS } from '@ringkit/simulator';
import { createDialer } from '@ringkit/dialer';
import { createScheduler, type Store } from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { createPostgresStore } from '@ringkit/scheduler-core/postgres';
import { createSqliteStore } from '@ringkit/scheduler-core/sqlite';
import ky from 'ky';
import pg from 'pg';
import { fmt, percentile, quick, table } from './_stats.js';
import { closeChild, forkReady, SIMULATOR_SCRIPT } from './_child.js';
import type { WorkerTask } from './_pipeline-worker.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const argv = process.argv.slice(2);
const profile = argv.includes('--profile');
const onlyAt = argv.indexOf('--only');
const only = onlyAt >= 0 ? new Set(argv[onlyAt + 1]!.split(',')) : null;
const runs = (section: string) => only === null || only.has(section);
const PG_URL = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
const PG_SCHEMA = `bench_pipeline_${process.pid}`;

const PLACE_CALLS = quick ? 1_000 : 3_000;
const DUE_AT_ONCE = quick ? 1_000 : 2_000;
const BURST = 500;
const BURST_RUNS = 3;
const E2E_RUNS = 3;
const PG_WORKERS = 4;
const DIALER_CALLS = quick ? 300 : 1_000;
const CONCURRENCY = 10;
const CALLER = '+14155550100';
const NO_STEPS = 3_600_000; // calls that never move: placement alone
const FOLLOWED: [number, number] = [500, 1_500]; // calls that ring, answer and end while followed

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const numberOf = (i: number) => `+1415${String(2_000_000 + i)}`;

// ---------------------------------------------------------------------------------------------
// Child processes

interface Sim {
  url: string;
  /** The calls created since the last take: numbers and receive times; the child's CPU ms. */
  take(): Promise<{ phones: string[]; at: number[]; cpu: number }>;
  close(): Promise<void>;
}

async function startSim(options: Omit<SimulatorOptions, 'port'>): Promise<Sim> {
  const { child, ready } = await forkReady(SIMULATOR_SCRIPT, [JSON.stringify(options)]);
  return {
    url: ready.url,
    async take() {
      child.send({ type: 'take' });
      for (;;) {
        const [message] = (await once(child, 'message')) as [
          { type: string; phones: string[]; at: number[]; cpu: number },
        ];
        if (message.type === 'created') return message;
      }
    },
    async close() {
      await closeChild(child);
    },
  };
}

async function startWorker(task: WorkerTask): Promise<{
  child: ChildProcess;
  next(): Promise<{ type: string; cpu?: number; gets?: number }>;
}> {
  const child = fork(join(here, '_pipeline-worker.ts'), [JSON.stringify(task)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const inbox: { type: string; cpu?: number }[] = [];
  const waiting: ((m: { type: string; cpu?: number }) => void)[] = [];
  child.on('message', (m: { type: string; cpu?: number }) => {
    const resolve = waiting.shift();
    if (resolve) resolve(m);
    else inbox.push(m);
  });
  const next = () =>
    inbox.length > 0
      ? Promise.resolve(inbox.shift()!)
      : new Promise<{ type: string; cpu?: number }>((resolve) => waiting.push(resolve));
  await next(); // ready
  return { child, next };
}

// ---------------------------------------------------------------------------------------------
// Measuring

/** CPU time of this process over a span, as ms and as % of one core. */
function cpuMeter() {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const used = process.cpuUsage(cpu);
    const ms = (used.user + used.system) / 1000;
    return { ms, percent: (100 * ms) / (performance.now() - t0) };
  };
}

/**
 * CPU time of the PostgreSQL server's processes on this machine (every process named
 * `postgres`), in ms; `null` where `/proc` cannot tell (another OS, a server elsewhere).
 */
function postgresCpuMs(): number | null {
  try {
    const tick = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    let ticks = 0;
    let found = false;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // ended meanwhile
      }
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
      // Fields after the name: state is the 3rd field of the line, utime the 14th, stime the 15th.
      const fields = stat.slice(close + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      found = true;
    }
    return found ? ticks * tick : null;
  } catch {
    return null;
  }
}

async function profiled<T>(name: string, work: () => Promise<T>): Promise<T> {
  if (!profile) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile: data } = await session.post('Profiler.stop');
    const dir = join(here, 'profiles');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `pipeline-${name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(data));
    console.log(`  profile: ${file}`);
    session.disconnect();
  }
}

interface LoopResult {
  perSecond: number;
  p50: number;
  p99: number;
  cpuPerCallUs: number;
}

/** `calls` invocations of `place`, `concurrency` at a time. */
async function loop(
  place: (i: number) => Promise<unknown>,
  calls: number,
  concurrency: number,
): Promise<LoopResult> {
  const latencies = new Float64Array(calls);
  let next = 0;
  const cpu = cpuMeter();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
        const i = next++;
        const start = performance.now();
        await place(i);
        latencies[i] = performance.now() - start;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  return {
    perSecond: calls / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    cpuPerCallUs: (cpu().ms * 1000) / calls,
  };
}

const medianBy = <T>(items: T[], key: (item: T) => number): T =>
  [...items].sort((a, b) => key(a) - key(b))[items.length >> 1]!;

/** Runs each way three times, interleaved, and keeps each one's median run by calls/s. */
async function compare(
  ways: Record<string, (i: number) => Promise<unknown>>,
  calls: number,
  concurrency: number,
) {
  const results: Record<string, LoopResult[]> = {};
  for (const place of Object.values(ways)) await loop(place, 200, concurrency); // warm-up
  for (let run = 0; run < 3; run += 1) {
    for (const [name, place] of Object.entries(ways)) {
      (results[name] ??= []).push(await loop(place, calls, concurrency));
    }
  }
  return Object.fromEntries(
    Object.entries(results).map(([name, list]) => [name, medianBy(list, (r) => r.perSecond)]),
  );
}

function lagRow(name: string, lags: number[], extra: Record<string, string | number> = {}) {
  const sorted = [...lags].sort((a, b) => a - b);
  return {
    '': name,
    'lag p50 ms': percentile(sorted, 50),
    'lag p99 ms': percentile(sorted, 99),
    'lag max ms': sorted.at(-1) ?? Number.NaN,
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------
// 1. Placement

async function placement() {
  console.log(`\n# Placement: ${PLACE_CALLS} calls per run, median of 3 interleaved runs\n`);
  const rows: Record<string, string | number>[] = [];
  const addRows = (
    flavour: string,
    concurrency: number,
    results: Record<string, LoopResult>,
    floor: string,
  ) => {
    for (const [name, r] of Object.entries(results)) {
      rows.push({
        flavour,
        way: name,
        concurrency,
        'calls/s': Math.round(r.perSecond),
        '× fetch': r.perSecond / results[floor]!.perSecond,
        'p50 ms': r.p50,
        'p99 ms': r.p99,
        'CPU µs/call': Math.round(r.cpuPerCallUs),
      });
    }
  };

  const polling = await startSim({ flavour: 'polling', stepMs: NO_STEPS });
  const client = createMockCallApiClient({ baseUrl: polling.url });
  const api = ky.create({ timeout: 10_000, retry: 0 });
  for (const concurrency of [1, CONCURRENCY]) {
    const results = await profiled(`placement-polling-c${concurrency}`, () =>
      compare(
        {
          fetch: async (i) => {
            const response = await fetch(`${polling.url}/api/call`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ phone_number: numberOf(i) }),
            });
            if (!response.ok) throw new Error(`HTTP ${response.status}`);
            return response.json();
          },
          'ky alone': (i) =>
            api.post(`${polling.url}/api/call`, { json: { phone_number: numberOf(i) } }).json(),
          placeCall: (i) => client.placeCall({ to: numberOf(i) }),
        },
        PLACE_CALLS,
        concurrency,
      ),
    );
    addRows('polling', concurrency, results, 'fetch');
  }
  await polling.close();

  const webhook = await startSim({ flavour: 'webhook', stepMs: NO_STEPS });
  const hookUrl = `http://127.0.0.1:9/hooks/${createWebhookToken()}`; // no webhook is sent
  const numDialer = createNumDialerClient({ baseUrl: webhook.url, webhookUrl: hookUrl });
  const webhookResults = await profiled('placement-webhook', () =>
    compare(
      {
        fetch: async (i) => {
          const response = await fetch(`${webhook.url}/call`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ phone: numberOf(i), webhookURL: hookUrl }),
          });
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          return response.json();
        },
        placeCall: (i) => numDialer.placeCall({ to: numberOf(i) }),
      },
      PLACE_CALLS,
      CONCURRENCY,
    ),
  );
  addRows('webhook', CONCURRENCY, webhookResults, 'fetch');
  await webhook.close();

  const { accountSid, authToken } = TWILIO_TEST_CREDENTIALS;
  const twilio = await startSim({ flavour: 'twilio', stepMs: NO_STEPS, callsPerSecond: 10_000 });
  const twilioClient = createTwilioClient({
    accountSid,
    authToken,
    from: CALLER,
    twiml: '<Response><Say>Hello</Say></Response>',
    baseUrl: twilio.url,
  });
  const callsUrl = `${twilio.url}/2010-04-01/Accounts/${accountSid}/Calls.json`;
  const authorization = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const twilioResults = await profiled('placement-twilio', () =>
    compare(
      {
        fetch: async (i) => {
          const response = await fetch(callsUrl, {
            method: 'POST',
            headers: { authorization },
            body: new URLSearchParams({
              To: numberOf(i),
              From: CALLER,
              Twiml: '<Response><Say>Hello</Say></Response>',
            }),
          });
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          return response.json();
        },
        placeCall: (i) => twilioClient.placeCall({ to: numberOf(i) }),
      },
      PLACE_CALLS,
      CONCURRENCY,
    ),
  );
  addRows('twilio', CONCURRENCY, twilioResults, 'fetch');
  await twilio.close();
  table(rows);

  const body = JSON.stringify({ id: 1001, status: 'answered' });
  const events = quick ? 200_000 : 1_000_000;
  const t0 = performance.now();
  for (let i = 0; i < events; i += 1) parseStatusWebhook(JSON.parse(body));
  console.log(
    `\nparseStatusWebhook: ${fmt(events / ((performance.now() - t0) / 1000), 0)} events/s`,
  );
}

// ---------------------------------------------------------------------------------------------
// 2–4. The scheduler

type StoreName = 'memory' | 'sqlite' | 'postgres';

async function openStore(name: StoreName): Promise<{ store: Store; dispose(): Promise<void> }> {
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
function dueTimes(count: number, start: number, spreadMs: number) {
  const due = new Map<string, number>();
  for (let i = 0; i < count; i += 1) {
    due.set(numberOf(i), start + (spreadMs === 0 ? 0 : Math.floor((i * spreadMs) / count)));
  }
  return due;
}

/** Waits until the simulator got `count` calls; their lags (receive − due) and time span. */
async function collect(sim: Sim, due: Map<string, number>, count: number, limitMs = 60_000) {
  const lags: number[] = [];
  let last = 0;
  let simCpu = 0;
  const deadline = Date.now() + limitMs;
  while (lags.length < count && Date.now() < deadline) {
    await sleep(20);
    const { phones, at, cpu } = await sim.take();
    simCpu += cpu;
    phones.forEach((phone, k) => {
      lags.push(at[k]! - due.get(phone)!);
      last = Math.max(last, at[k]!);
    });
  }
  return { lags, last, simCpu };
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
  const cpu = cpuMeter();
  const { lags, last, simCpu } = await profiled(`scheduler-${name}-${count}`, () =>
    collect(sim, due, count),
  );
  const used = cpu();
  const gets = counted.gets;
  await scheduler.stop();
  await store.close();
  await sim.close();
  await dispose();
  return { lags, perSecond: (1000 * lags.length) / (last - start), cpu: used, simCpu, gets };
}

function storesToRun(): StoreName[] {
  return PG_URL ? ['memory', 'sqlite', 'postgres'] : ['memory', 'sqlite'];
}

async function schedulerEndToEnd() {
  console.log(
    `\n# The scheduler end to end: ${DUE_AT_ONCE} calls due at one instant, concurrency ${CONCURRENCY}, followed by polling, ${E2E_RUNS} runs per store\n`,
  );
  // Each run is paired with a floor measured just before it, not taken from the placement
  // section: against a simulator started afresh whose calls move as the scheduler's do. A
  // simulator that has served thousands of calls answers up to twice as fast (its JIT is warm),
  // and the machine's pace drifts between runs, so a ratio compares two figures taken side by
  // side. The row shown is the run with the median ratio; the range is every run's.
  const rows = [];
  for (const name of storesToRun()) {
    const runs = [];
    for (let run = 0; run < E2E_RUNS; run += 1) {
      const floor = await measureFetchFloor();
      const r = await schedulerRun(name, DUE_AT_ONCE, 0);
      runs.push({ ...r, floor, ratio: r.perSecond / floor });
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
        'GETs/call': (r.gets / r.lags.length).toFixed(2),
        placed: r.lags.length,
      }),
    );
  }
  table(rows);
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
  return r.perSecond;
}

async function burst() {
  console.log(`\n# A burst: ${BURST} calls due within one second, ${BURST_RUNS} runs per store\n`);
  const rows = [];
  for (const name of storesToRun()) {
    for (let run = 1; run <= BURST_RUNS; run += 1) {
      const r = await schedulerRun(name, BURST, 1_000);
      rows.push(lagRow(`${name} #${run}`, r.lags, { placed: r.lags.length }));
    }
  }
  table(rows);
}

async function postgresWorkers() {
  const calls = DUE_AT_ONCE * 2;
  console.log(
    `\n# PostgreSQL, ${PG_WORKERS} worker processes: ${calls} calls due at one instant, concurrency ${CONCURRENCY} each, beside ${PG_WORKERS} plain-fetch processes\n`,
  );
  // The floor: the same POSTs from as many processes.
  const floorSim = await startSim({ flavour: 'polling', stepMs: NO_STEPS });
  const loops = await Promise.all(
    Array.from({ length: PG_WORKERS }, (_, w) =>
      startWorker({
        mode: 'fetch',
        url: floorSim.url,
        calls: calls / PG_WORKERS,
        concurrency: CONCURRENCY,
        offset: w * calls,
      }),
    ),
  );
  const t0 = performance.now();
  for (const w of loops) w.child.send({ type: 'go' });
  await Promise.all(loops.map((w) => w.next()));
  const fetchPerSecond = calls / ((performance.now() - t0) / 1000);
  for (const w of loops) w.child.kill();
  await floorSim.close();

  const sim = await startSim({ flavour: 'polling', stepMs: FOLLOWED });
  const { store, dispose } = await openStore('postgres');
  const workers = await Promise.all(
    Array.from({ length: PG_WORKERS }, () =>
      startWorker({
        mode: 'scheduler',
        url: sim.url,
        connectionString: PG_URL!,
        schema: PG_SCHEMA,
        concurrency: CONCURRENCY,
      }),
    ),
  );
  const scheduling = createScheduler({
    store,
    provider: createMockCallApiClient({ baseUrl: sim.url }),
    callerId: CALLER,
  });
  const start = Date.now() + 2_000;
  const due = dueTimes(calls, start, 0);
  await scheduling.scheduleMany([...due].map(([to, at]) => ({ to, at: new Date(at) })));
  await sleep(start - Date.now());
  const serverBefore = postgresCpuMs();
  const { lags, last, simCpu } = await collect(sim, due, calls);
  const serverAfter = postgresCpuMs();
  for (const w of workers) w.child.send({ type: 'stop' });
  const done = await Promise.all(workers.map((w) => w.next()));
  const cpu = done.map((m) => m.cpu ?? 0);
  const gets = done.reduce((sum, m) => sum + (m.gets ?? 0), 0);
  await store.close();
  await sim.close();
  await dispose();
  const perSecond = (1000 * lags.length) / (last - start);
  const span = Date.now() - start;
  const server =
    serverBefore === null || serverAfter === null
      ? 'n/a'
      : Math.round((100 * (serverAfter - serverBefore)) / span);
  const blank = { 'lag p50 ms': '', 'lag p99 ms': '', 'lag max ms': '' };
  table([
    {
      '': `${PG_WORKERS} fetch processes`,
      ...blank,
      'calls/s': Math.round(fetchPerSecond),
      '× fetch': 1,
      'worker CPU %': '',
      'PostgreSQL CPU %': '',
      'simulator CPU %': '',
      'GETs/call': 0,
      placed: calls,
    },
    lagRow(`${PG_WORKERS} scheduler workers`, lags, {
      'calls/s': Math.round(perSecond),
      '× fetch': perSecond / fetchPerSecond,
      'worker CPU %': Math.round((100 * cpu.reduce((a, b) => a + b, 0)) / (last - start)),
      'PostgreSQL CPU %': server,
      'simulator CPU %': Math.round((100 * simCpu) / span),
      'GETs/call': (gets / lags.length).toFixed(2),
      placed: lags.length,
    }),
  ]);
  console.log(
    `(CPU % of one core, over the ${(span / 1000).toFixed(1)} s from the due time until the last call was seen; this machine has ${availableParallelism()} cores)`,
  );
}

// ---------------------------------------------------------------------------------------------
// 5. The dialer

/** A local webhook receiver; `route` gets every parsed status event. */
async function webhookServer(route: (event: ReturnType<typeof parseStatusWebhook>) => void) {
  const token = createWebhookToken();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      route(parseStatusWebhook(JSON.parse(Buffer.concat(chunks).toString())));
      res.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hooks/${token}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function dialerRun(concurrency: number) {
  const sim = await startSim({ flavour: 'webhook', stepMs: [20, 60] });
  let handle: (event: ReturnType<typeof parseStatusWebhook>) => void = () => {};
  const hooks = await webhookServer((event) => handle(event));
  const provider: CallProvider = createNumDialerClient({
    baseUrl: sim.url,
    webhookUrl: hooks.url,
  });
  const numbers = Array.from({ length: DIALER_CALLS }, (_, i) => numberOf(i));
  const dialer = createDialer({ provider, numbers, concurrency });
  handle = (event) => dialer.handleStatus(event);
  // Each entry's span from its first POST to its end. Slot use is counted while numbers were
  // left to dial (first POST to last POST): after that, slots empty because the list is done.
  const startedAt = new Map<number, number>();
  const spans: [number, number][] = [];
  dialer.on('dialing', (e) => {
    if (!startedAt.has(e.index)) startedAt.set(e.index, performance.now());
  });
  dialer.on('finished', (entry) => {
    const began = startedAt.get(entry.index);
    if (began === undefined) return;
    startedAt.delete(entry.index);
    spans.push([began, performance.now()]);
  });
  const drained = new Promise((resolve) => dialer.on('drained', resolve));
  const cpu = cpuMeter();
  dialer.start();
  await drained;
  const used = cpu();
  await hooks.close();
  await sim.close();
  const first = Math.min(...spans.map(([a]) => a));
  const lastStart = Math.max(...spans.map(([a]) => a));
  const lastEnd = Math.max(...spans.map(([, b]) => b));
  const busy = spans.reduce((sum, [a, b]) => sum + Math.max(0, Math.min(b, lastStart) - a), 0);
  const wall = lastEnd - first;
  return {
    perSecond: (1000 * DIALER_CALLS) / wall,
    slotUse: busy / (concurrency * (lastStart - first)),
    cpu: used.percent,
  };
}

/** The floor: plain fetch POSTs, each slot waiting for its call's final webhook. */
async function webhookLoopRun(concurrency: number) {
  const sim = await startSim({ flavour: 'webhook', stepMs: [20, 60] });
  const waiting = new Map<number, () => void>();
  const hooks = await webhookServer((event) => {
    if (['completed', 'busy', 'no-answer', 'failed'].includes(event.status)) {
      waiting.get(Number(event.callId))?.();
    }
  });
  const r = await loop(
    async (i) => {
      const response = await fetch(`${sim.url}/call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone: numberOf(i), webhookURL: hooks.url }),
      });
      const { id } = (await response.json()) as { id: number };
      await new Promise<void>((resolve) => waiting.set(id, resolve));
    },
    DIALER_CALLS,
    concurrency,
  );
  await hooks.close();
  await sim.close();
  return r.perSecond;
}

async function dialerEndToEnd() {
  console.log(
    `\n# The dialer end to end: ${DIALER_CALLS} numbers, webhook simulator (steps of 20–60 ms), webhooks over HTTP\n`,
  );
  const rows = [];
  for (const concurrency of [3, CONCURRENCY, 100]) {
    const floor = await webhookLoopRun(concurrency);
    const r = await profiled(`dialer-c${concurrency}`, () => dialerRun(concurrency));
    rows.push({
      'in flight': concurrency,
      'dialer calls/s': Math.round(r.perSecond),
      'fetch loop calls/s': Math.round(floor),
      '× loop': r.perSecond / floor,
      'slot use %': (100 * r.slotUse).toFixed(3),
      'CPU %': Math.round(r.cpu),
    });
  }
  table(rows);
}

// ---------------------------------------------------------------------------------------------

console.log(
  `ringkit pipeline bench, Node ${process.version}${quick ? ', --quick' : ''}${PG_URL ? '' : ' (no TEST_DATABASE_URL: PostgreSQL skipped)'}`,
);
if (runs('placement')) await placement();
if (runs('scheduler')) await schedulerEndToEnd();
if (runs('burst')) await burst();
if (runs('postgres') && PG_URL) await postgresWorkers();
if (runs('dialer')) await dialerEndToEnd();
