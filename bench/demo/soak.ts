/**
 * A soak: N minutes of mixed load on the built demo, a process of its own, on a chosen store,
 * against `ringkit-sim` playing every outcome of the practice APIs the demo dials by default
 * (busy, no-answer, failed; early, duplicate and late webhooks) through its options (machine
 * detection is Twilio's and Telnyx's, not theirs):
 * - scheduled calls, 4 a second, due 3–30 s ahead; 5 % cancelled and 5 % rescheduled, many of
 *   them within 2 s of their due time (a few after their placement);
 * - three campaigns of 2,000 numbers at concurrency 10, 20 and 30, each paused for 10 s every
 *   30 s, and a new one started in place of each that ends;
 * - 20 clients of `/api/events`, reading every event.
 * Every 10 s it prints the server's RSS, its heap in use after a forced GC (through the
 * inspector), its open file descriptors, its event-loop lag p99 (prom-client's) and the POST
 * latency p50/p99 of those 10 s. At the end, once every call has ended, it prints the
 * exactly-once tallies, counted at the simulator (each number is used once): placed, doubled,
 * lost, dialled twice, and rows still not ended.
 *
 *   pnpm --filter @ringkit/bench exec tsx demo/soak.ts [--minutes 10] [--store sqlite|postgres]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  POSTGRES_URL,
  postgresReachable,
  startDemo,
  startSimulator,
  type StoreName,
} from '../_server.js';
import { summarize, table } from '../_stats.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    store: { type: 'string', default: 'sqlite' },
  },
});
const MINUTES = Number(args.minutes);
const STORE = args.store as StoreName;
if (!(MINUTES > 0) || !['sqlite', 'postgres'].includes(STORE)) {
  throw new Error('--minutes must be above 0 and --store sqlite or postgres');
}
if (STORE === 'postgres' && !(await postgresReachable(POSTGRES_URL))) {
  throw new Error('PostgreSQL does not answer (TEST_DATABASE_URL)');
}

const OUTCOMES = [
  ['--busy-rate', '0.1'],
  ['--no-answer-rate', '0.1'],
  ['--failed-rate', '0.05'],
  ['--early-webhook-rate', '0.05'],
  ['--duplicate-webhook-rate', '0.05'],
  ['--late-webhook-rate', '0.05'],
  ['--step-ms', '200-1500'],
].flat();

const sim = await startSimulator(OUTCOMES, { quiet: false });
/** Calls created at the simulator, by number (digits only): each number is used once. */
const created = new Map<string, number>();
sim.child.stdout!.on('data', (chunk: Buffer) => {
  for (const match of chunk.toString().matchAll(/ #\S+ \+?(\d+) created$/gm)) {
    created.set(match[1]!, (created.get(match[1]!) ?? 0) + 1);
  }
});
const demo = await startDemo(STORE, sim, { SSE_MAX_PER_CLIENT: '50' }, ['--inspect=127.0.0.1:0']);
const inspector = await connectInspector(demo.output());
const pid = demo.child.pid!;

const post = async (path: string, body?: unknown, method = 'POST') => {
  const started = performance.now();
  const res = await fetch(`${demo.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (method === 'POST') postTimes.push(performance.now() - started);
  if (res.status >= 500) fivexx += 1;
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
};
let postTimes: number[] = [];
let fivexx = 0;
const digits = (phone: string) => phone.replace(/\D/g, '');

// Scheduled calls: each its own number.
interface Scheduled {
  id: string;
  phone: string;
  dueAt: number;
  canceled: boolean;
}
const scheduled: Scheduled[] = [];
let nextNumber = 0;
const number = (area: string) => `+1${area}${String(2_000_000 + (nextNumber++ % 8_000_000))}`;
async function scheduleOne() {
  const phone = number('646');
  const dueAt = Date.now() + 3_000 + Math.random() * 27_000;
  const res = await post('/api/scheduled-calls', {
    phone_number: phone,
    scheduled_time: new Date(dueAt).toISOString(),
  });
  if (res.status !== 201) throw new Error(`schedule: ${res.status} ${JSON.stringify(res.json)}`);
  scheduled.push({ id: String(res.json.id), phone, dueAt, canceled: false });
}
/** A call near its due time: within 2 s of it, on either side. */
const nearDue = () => {
  const now = Date.now();
  const near = scheduled.filter((s) => !s.canceled && Math.abs(s.dueAt - now) < 2_000);
  return near[Math.floor(Math.random() * near.length)];
};
let cancels = 0;
let reschedules = 0;
async function cancelOne() {
  const call = nearDue();
  if (!call) return;
  const res = await post(`/api/scheduled-calls/${call.id}`, undefined, 'DELETE');
  if (res.status === 200) {
    call.canceled = true;
    cancels += 1;
  }
}
async function rescheduleOne() {
  const call = nearDue();
  if (!call) return;
  const dueAt = Date.now() + 5_000 + Math.random() * 15_000;
  const res = await post(
    `/api/scheduled-calls/${call.id}`,
    { scheduled_time: new Date(dueAt).toISOString() },
    'PATCH',
  );
  if (res.status === 200) {
    call.dueAt = dueAt;
    reschedules += 1;
  }
}

// Campaigns: three at a time, each replaced when it ends.
const campaignNumbers: string[] = [];
const campaigns: Array<{ name: string; concurrency: number }> = [];
let campaignCount = 0;
async function startCampaign(slot: number) {
  const concurrency = [10, 20, 30][slot]!;
  const name = `soak-${campaignCount++}`;
  const numbers = Array.from({ length: 2_000 }, () => number('312'));
  const res = await post('/api/campaigns', { name, numbers, concurrency });
  if (res.status !== 201) throw new Error(`campaign: ${res.status} ${JSON.stringify(res.json)}`);
  campaignNumbers.push(...numbers);
  campaigns.push({ name, concurrency });
  return name;
}
const slots = await Promise.all([0, 1, 2].map((slot) => startCampaign(slot)));
const stateOf = async (name: string) =>
  String((await post(`/api/campaigns/${name}?limit=1`, undefined, 'GET')).json.state);

// SSE clients.
const sse = new AbortController();
let sseEvents = 0;
for (let i = 0; i < 20; i += 1) {
  void (async () => {
    const res = await fetch(`${demo.url}/api/events`, { signal: sse.signal });
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      sseEvents += (
        Buffer.from(value)
          .toString()
          .match(/^event:/gm) ?? []
      ).length;
    }
  })().catch(() => {});
}

const fds = () => readdirSync(`/proc/${pid}/fd`).length;
const rss = () =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
/** The sum of a metric's lines in `/metrics` (every label set); `NaN` when it has none. */
async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${demo.url}/metrics`)).text();
  const values = [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))];
  return values.length === 0 ? NaN : values.reduce((sum, m) => sum + Number(m[1]), 0);
}

const samples: Array<Record<string, string | number>> = [];
const startedAt = Date.now();
const endAt = startedAt + MINUTES * 60_000;
const fdsAtStart = fds();
let tick = 0;
console.log(`soak on ${STORE}, ${MINUTES} min, server pid ${pid}; a line every 10 s:\n`);
while (Date.now() < endAt) {
  for (let i = 0; i < 40; i += 1) {
    await scheduleOne();
    if (Math.random() < 0.05) await cancelOne();
    if (Math.random() < 0.05) await rescheduleOne();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  tick += 1;
  // Every 30 s: pause a campaign for 10 s; replace those that ended.
  if (tick % 3 === 0) {
    for (const [slot, name] of slots.entries()) {
      const state = await stateOf(name);
      if (state === 'done') slots[slot] = await startCampaign(slot);
    }
    const paused = slots[tick % slots.length]!;
    if ((await post(`/api/campaigns/${paused}/pause`)).status === 200) {
      setTimeout(() => void post(`/api/campaigns/${paused}/resume`).catch(() => {}), 10_000);
    }
  }
  const heap = await inspector.heapAfterGc();
  const posts = summarize(postTimes);
  postTimes = [];
  const row = {
    s: Math.round((Date.now() - startedAt) / 1000),
    'RSS MiB': rss(),
    'heap after GC MiB': heap / 2 ** 20,
    fds: fds(),
    'loop lag p99 ms': (await metric('nodejs_eventloop_lag_p99_seconds')) * 1000,
    'POST p50 ms': posts.p50,
    'POST p99 ms': posts.p99,
    'calls created': [...created.values()].reduce((a, b) => a + b, 0),
  };
  samples.push(row);
  console.log(
    Object.entries(row)
      .map(
        ([k, v]) =>
          `${k} ${typeof v === 'number' ? v.toFixed(k === 's' || k === 'fds' || k === 'calls created' ? 0 : 1) : v}`,
      )
      .join(' · '),
  );
}

// The end: stop the campaigns, let every due call come and end, then count.
for (const { name } of campaigns) await post(`/api/campaigns/${name}/stop`).catch(() => {});
const lastDue = Math.max(...scheduled.map((s) => s.dueAt));
const settleUntil = Math.max(lastDue, Date.now()) + 60_000;
for (;;) {
  const live = await metric('ringkit_calls_in_flight');
  const waiting = ['scheduled', 'queued', 'initiated', 'ringing', 'answered'];
  let open = 0;
  for (const status of waiting)
    open += (await metric(`ringkit_scheduled_calls\\{status="${status}"\\}`)) || 0;
  if ((open === 0 && !(live > 0) && Date.now() > lastDue + 5_000) || Date.now() > settleUntil)
    break;
  await new Promise((resolve) => setTimeout(resolve, 2_000));
}
await new Promise((resolve) => setTimeout(resolve, 3_000));

const count = (phone: string) => created.get(digits(phone)) ?? 0;
const kept = scheduled.filter((s) => !s.canceled);
let nonTerminal = 0;
for (const status of ['scheduled', 'queued', 'initiated', 'ringing', 'answered']) {
  nonTerminal += (await metric(`ringkit_scheduled_calls\\{status="${status}"\\}`)) || 0;
}
let campaignOpen = 0;
for (const { name } of campaigns) {
  const res = await fetch(`${demo.url}/api/campaigns/${name}/results.csv`);
  for (const line of (await res.text()).trim().split('\r\n').slice(1)) {
    const status = line.split(',')[2]!;
    if (!['completed', 'busy', 'no-answer', 'failed', 'canceled'].includes(status))
      campaignOpen += 1;
  }
}
console.log(`\nexactly once, counted at the simulator (${STORE}, ${MINUTES} min):\n`);
table([
  {
    'scheduled calls': scheduled.length,
    cancelled: cancels,
    rescheduled: reschedules,
    placed: kept.filter((s) => count(s.phone) === 1).length,
    doubled: scheduled.filter((s) => count(s.phone) > 1).length,
    lost: kept.filter((s) => count(s.phone) === 0).length,
    'campaign numbers': campaignNumbers.length,
    'dialled twice': campaignNumbers.filter((p) => count(p) > 1).length,
    'not ended': nonTerminal + campaignOpen,
    '5xx': fivexx,
    'SSE events read': sseEvents,
    'fds start → end': `${fdsAtStart} → ${fds()}`,
  },
]);
const first = samples[0];
const last = samples.at(-1);
if (first && last) {
  console.log(
    `\nheap after GC ${Number(first['heap after GC MiB']).toFixed(1)} → ${Number(last['heap after GC MiB']).toFixed(1)} MiB, RSS ${Number(first['RSS MiB']).toFixed(0)} → ${Number(last['RSS MiB']).toFixed(0)} MiB; the server's error lines: ${(demo.output().match(/"level":50/g) ?? []).length}`,
  );
}
sse.abort();
inspector.close();
await demo.stop();
await sim.stop();
process.exit(0);

/**
 * The server's inspector (it was started with `--inspect=127.0.0.1:0`): a GC forced there, then
 * its heap in use.
 */
async function connectInspector(output: string) {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
  if (!url) throw new Error(`no inspector URL in the server's output: ${output.slice(0, 500)}`);
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', reject, { once: true });
  });
  let id = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) waiting.get(message.id)?.(message.result);
  });
  const call = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve) => {
      id += 1;
      waiting.set(id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  return {
    async heapAfterGc(): Promise<number> {
      await call('HeapProfiler.collectGarbage');
      const result = (await call('Runtime.getHeapUsage')) as { usedSize: number };
      return result.usedSize;
    },
    close: () => socket.close(),
  };
}
