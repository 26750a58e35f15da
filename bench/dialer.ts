/**
 * @ringkit/dialer against p-queue + one deferred promise per call, on the same in-process fake
 * provider, then end to end over HTTP. Run: pnpm --filter @ringkit/dialer build && pnpm --filter
 * @ringkit/bench exec tsx dialer.ts (`--quick`: 2,000 numbers, fewer runs; `--http`: only the
 * HTTP section).
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
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  createNumDialerClient,
  createWebhookHandler,
  createWebhookToken,
  isTerminal,
  type CallProvider,
  type CallStatus,
  type CallStatusEvent,
  type ProviderCall,
} from '@ringkit/call-client';
import { createDialer, type Dialer } from '@ringkit/dialer';
import PQueue from 'p-queue';
import { closeChild, forkReady, SIMULATOR_SCRIPT } from './_child.js';

const QUICK = process.argv.includes('--quick');
const HTTP_ONLY = process.argv.includes('--http');
const TOTAL = QUICK ? 2_000 : 10_000;
const CONCURRENCY = 3;
const ZERO_RUNS = QUICK ? 3 : 5;
const RANDOM_RUNS = QUICK ? 1 : 2;

// `node --expose-gc` (as run-all does) gives `gc`; under plain tsx, turn it on here.
if (typeof globalThis.gc !== 'function') setFlagsFromString('--expose-gc');
const gc = (globalThis.gc ?? runInNewContext('gc')) as () => void;

type Mode = 'zero' | 'random';
type Handler = (event: CallStatusEvent) => void;

function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const AT = new Date(0);
const event = (callId: string, status: CallStatus): CallStatusEvent => ({
  callId,
  status,
  providerStatus: status,
  at: AT,
});

/** A provider whose calls ring, answer and complete after 0 ms (setImmediate) or 0–5 ms. */
function benchProvider(mode: Mode, total: number, seed = 1) {
  const random = mulberry32(seed);
  let handler: Handler = () => {};
  let placed = 0;
  let inFlight = 0;
  let firstAt = -1;
  let lastAt = 0;
  let lastPlacedAt = 0;
  let area = 0;
  // Preallocated, so that the harness allocates nothing between a terminal event and the refill.
  const freedAt = new Float64Array(total);
  let freedCount = 0;
  let freedHead = 0;
  const latencies: number[] = [];
  const track = (now: number) => {
    if (placed < total) area += inFlight * (now - lastAt);
    lastAt = now;
  };
  const provider: CallProvider = {
    name: 'bench',
    capabilities: { polling: false, webhooks: true },
    placeCall() {
      const now = performance.now();
      if (firstAt < 0) firstAt = lastAt = now;
      track(now);
      if (freedHead < freedCount) latencies.push(now - (freedAt[freedHead++] as number));
      placed += 1;
      inFlight += 1;
      if (placed === total) lastPlacedAt = now;
      const id = String(placed);
      const finish = () => {
        handler(event(id, 'ringing'));
        handler(event(id, 'answered'));
        const completed = event(id, 'completed');
        const at = performance.now();
        track(at);
        inFlight -= 1;
        if (placed < total) freedAt[freedCount++] = at;
        handler(completed);
      };
      if (mode === 'zero') setImmediate(finish);
      else setTimeout(finish, random() * 5);
      const call: ProviderCall = {
        id,
        status: 'initiated',
        providerStatus: 'initiated',
        raw: null,
      };
      return Promise.resolve(call);
    },
  };
  return {
    provider,
    setHandler: (next: Handler) => (handler = next),
    slotUse: () => area / (CONCURRENCY * (lastPlacedAt - firstAt)),
    latencies: () => latencies,
  };
}

type Bench = ReturnType<typeof benchProvider>;

function prepareDialer(bench: Bench, numbers: string[], listeners = false) {
  const dialer = createDialer({ provider: bench.provider, numbers, concurrency: CONCURRENCY });
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

function preparePQueue(bench: Bench, numbers: string[]) {
  return async () => {
    const queue = new PQueue({ concurrency: CONCURRENCY });
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
  const run = prepare(benchProvider('zero', numbers.length), numbers);
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
  const bench = benchProvider('zero', numbers.length);
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
  createDialer({ provider: benchProvider('zero', TOTAL).provider, numbers });
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
    const bench = benchProvider('random', TOTAL, 42);
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

if (!HTTP_ONLY) await main();
await httpSection();
