/**
 * @ringkit/call-client: what following many calls by polling costs. N calls (2,000 by default)
 * stay in flight against the polling simulator, which runs in a process of its own (as a
 * provider is); each is followed with `watchCall` on the real clock, and a call that ends is
 * replaced by a new one, so N are always in flight. After a warm-up the script counts, over a
 * window of wall time:
 *
 * - GETs per second sent by the watches, and the most in flight at once;
 * - clock timers: how many were armed per second and the most armed at one moment (through a
 *   wrapping `Clock`);
 * - this process's CPU (`process.cpuUsage()`, user + system) as a share of one core, and per GET;
 * - the lag between a status change in the simulator and the watch reporting it (p50/p99/max),
 *   the price of polling a quiet call less often.
 *
 *   pnpm --filter @ringkit/bench exec tsx providers/polling.ts [--calls N] [--seconds S] [--warmup S]
 *     [--interval MS] [--step MIN,MAX] [--watch-options JSON]
 *
 * `--watch-options` is passed to every `watchCall` as is (e.g. '{"maxIdleIntervalMs":1000}' for a
 * fixed rate). Wall-clock figures are noisy on a shared machine; CPU per GET is the steadier one.
 */
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  createMockCallApiClient,
  isTerminal,
  systemClock,
  watchCall,
  type CallProvider,
  type Clock,
  type WatchCallOptions,
} from '@ringkit/call-client';
import { summarize, table } from '../_stats.js';
import { closeChild, forkReady } from '../_child.js';

const { values: args } = parseArgs({
  options: {
    sim: { type: 'string' },
    calls: { type: 'string' },
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    interval: { type: 'string' },
    step: { type: 'string' },
    'watch-options': { type: 'string' },
  },
});

// ---- the simulator process ------------------------------------------------------------------

if (args.sim !== undefined) {
  const { startCallApiSimulator } = await import('@ringkit/simulator');
  /** `${callId} ${status}` → when the simulator moved the call there (epoch ms). */
  let changes: Array<[string, number]> = [];
  const sim = await startCallApiSimulator({
    port: 0,
    ...(JSON.parse(args.sim) as { stepMs: [number, number] }),
    flavour: 'polling',
    onEvent(event) {
      if (event.type === 'status') changes.push([`${event.callId} ${event.status}`, Date.now()]);
    },
  });
  process.on('message', (message: { type: string }) => {
    if (message.type === 'take') {
      process.send!({ type: 'changes', changes });
      changes = [];
    } else if (message.type === 'close') {
      void sim.close().then(() => process.exit(0));
    }
  });
  process.on('disconnect', () => void sim.close().then(() => process.exit(0)));
  process.send!({ type: 'ready', url: sim.url });
  await new Promise(() => undefined);
}

// ---- the client process ---------------------------------------------------------------------

const CALLS = Number(args.calls ?? 2_000);
const SECONDS = Number(args.seconds ?? 30);
const WARMUP = Number(args.warmup ?? 10);
const INTERVAL = Number(args.interval ?? 1_000);
const [STEP_MIN, STEP_MAX] = (args.step ?? '5000,40000').split(',').map(Number) as [number, number];
const extra = JSON.parse(args['watch-options'] ?? '{}') as Partial<WatchCallOptions>;

const { child, ready } = await forkReady(fileURLToPath(import.meta.url), [
  '--sim',
  JSON.stringify({ stepMs: [STEP_MIN, STEP_MAX] }),
]);

/** The status changes the simulator made, gathered from the child. */
const simulated = new Map<string, number>();
async function takeChanges() {
  const answer = once(child, 'message') as Promise<[{ changes: Array<[string, number]> }]>;
  child.send({ type: 'take' });
  const [{ changes }] = await answer;
  for (const [key, at] of changes) simulated.set(key, at);
}

// A clock that counts its timers.
let armed = 0;
let live = 0;
let maxLive = 0;
const liveHandles = new Set<unknown>();
const clock: Clock = {
  now: () => systemClock.now(),
  setTimeout(callback, ms) {
    armed += 1;
    const handle: unknown = systemClock.setTimeout(() => {
      if (liveHandles.delete(handle)) live -= 1;
      callback();
    }, ms);
    liveHandles.add(handle);
    live += 1;
    if (live > maxLive) maxLive = live;
    return handle;
  },
  clearTimeout(handle) {
    if (liveHandles.delete(handle)) live -= 1;
    systemClock.clearTimeout(handle);
  },
};

// A provider that counts its GETs.
const client = createMockCallApiClient({ baseUrl: ready.url });
let gets = 0;
let getsInFlight = 0;
let maxGetsInFlight = 0;
const provider: CallProvider = {
  name: client.name,
  capabilities: client.capabilities,
  placeCall: (request) => client.placeCall(request),
  async getCall(id, options) {
    gets += 1;
    getsInFlight += 1;
    if (getsInFlight > maxGetsInFlight) maxGetsInFlight = getsInFlight;
    try {
      return await client.getCall!(id, options);
    } finally {
      getsInFlight -= 1;
    }
  },
};

/** `${callId} ${status}` → when the watch reported it (epoch ms), inside the window only. */
const seen: Array<[string, number]> = [];
let measuring = false;
let running = true;
let ended = 0;
let errors = 0;
const controller = new AbortController();

async function keepOneInFlight(slot: number) {
  while (running) {
    let id: string;
    try {
      ({ id } = await provider.placeCall({
        to: `+1415555${String(slot % 10_000).padStart(4, '0')}`,
      }));
    } catch {
      errors += 1;
      continue;
    }
    try {
      for await (const event of watchCall(provider, id, {
        intervalMs: INTERVAL,
        since: 'initiated',
        signal: controller.signal,
        clock,
        ...extra,
      })) {
        if (measuring) seen.push([`${id} ${event.providerStatus ?? event.status}`, Date.now()]);
        if (isTerminal(event.status)) ended += 1;
      }
    } catch {
      errors += 1;
    }
  }
}

const workers = Array.from({ length: CALLS }, (_, i) => keepOneInFlight(i));
await new Promise((resolve) => setTimeout(resolve, WARMUP * 1000));
await takeChanges();
simulated.clear();

measuring = true;
const start = { gets, armed, ended, cpu: process.cpuUsage(), wall: performance.now() };
maxLive = live;
maxGetsInFlight = getsInFlight;
const elu = performance.eventLoopUtilization();
await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
const cpu = process.cpuUsage(start.cpu);
const wall = (performance.now() - start.wall) / 1000;
const loop = performance.eventLoopUtilization(elu);
measuring = false;
const window = {
  gets: gets - start.gets,
  armed: armed - start.armed,
  ended: ended - start.ended,
  maxLive,
  maxGetsInFlight,
};

running = false;
controller.abort();
await Promise.allSettled(workers);
await takeChanges();

const lags: number[] = [];
const endLags: number[] = [];
for (const [key, at] of seen) {
  const changed = simulated.get(key);
  if (changed === undefined) continue;
  lags.push(at - changed);
  if (
    key.endsWith(' completed') ||
    key.endsWith(' busy') ||
    key.endsWith(' failed') ||
    key.endsWith(' no-answer')
  ) {
    endLags.push(at - changed);
  }
}
const lag = summarize(lags);
const endLag = summarize(endLags);
const cpuMs = (cpu.user + cpu.system) / 1000;

console.log(
  `\nwatchCall: ${CALLS} calls in flight on the polling simulator (another process), ` +
    `intervalMs ${INTERVAL}, steps ${STEP_MIN}–${STEP_MAX} ms, ${WARMUP} s warm-up, ` +
    `${SECONDS} s window${args['watch-options'] ? `, options ${args['watch-options']}` : ''}\n`,
);
table([
  { figure: 'GETs/s', value: window.gets / wall },
  { figure: 'GETs in flight, most at once', value: window.maxGetsInFlight },
  { figure: 'timers armed/s', value: window.armed / wall },
  { figure: 'timers armed, most at once', value: window.maxLive },
  { figure: 'calls ended/s', value: window.ended / wall },
  { figure: 'CPU, % of one core', value: (cpuMs / 1000 / wall) * 100 },
  { figure: 'CPU µs per GET', value: (cpuMs * 1000) / Math.max(1, window.gets) },
  { figure: 'event loop utilisation, %', value: loop.utilization * 100 },
  { figure: 'status seen after change, p50 ms', value: lag.p50 },
  { figure: 'status seen after change, p99 ms', value: lag.p99 },
  { figure: 'end seen after end, p50 ms', value: endLag.p50 },
  { figure: 'end seen after end, p99 ms', value: endLag.p99 },
  { figure: 'end seen after end, max ms', value: endLag.max },
  { figure: 'errors', value: errors },
]);

await closeChild(child);
process.exit(0);
