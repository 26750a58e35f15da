/**
 * Everything at once on one PostgreSQL: 20 campaigns of 1,000 numbers and a burst of 2,000
 * scheduled calls (`--quick`: 20 of 100 and 200), worked by two worker processes
 * (`_mixed-worker.ts`, each a `createCallCenter`), every source sharing one budget of
 * `callsPerSecond` (500; `--rate`) by weight: the scheduled calls 4, each campaign 1. Each
 * request reaches this process, which answers it with an id and ends the call 20–60 ms later
 * by a webhook to either worker. Prints calls/s, the most requests in any 1 s window against
 * `callsPerSecond`, and each source's share of the requests while every source had calls
 * waiting, against its weight.
 *
 * Each campaign's `concurrency` is 50 (`--concurrency`): a call claimed under the budget holds
 * its place while it waits for its send slot (up to a second ahead), so at 10 the campaigns'
 * own caps, not the budget, bound them (about 15 calls a second each where their weight gives
 * 17), and the budget rightly gives what they leave to the scheduled calls. The shares measure
 * the budget only where every source wants more than its part.
 *
 *   pnpm --filter @ringkit/bench exec node --import tsx campaigns/mixed.ts [--quick] [--rate 500] [--concurrency 50]
 *
 * PostgreSQL is `TEST_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/test); its schema
 * is dropped at the end.
 */
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { forkReady } from '../_child.js';
import type { MixedWorkerTask, ToMixedWorker } from './_mixed-worker.js';
import { POSTGRES_URL, postgresReachable } from '../_server.js';
import { fmt, quick, table } from '../_stats.js';

const WORKER = fileURLToPath(new URL('./_mixed-worker.ts', import.meta.url));
const CAMPAIGNS = 20;
const PER_CAMPAIGN = quick ? 100 : 1_000;
const SCHEDULED = quick ? 200 : 2_000;
const rateArg = process.argv.indexOf('--rate');
const RATE = rateArg > 0 ? Number(process.argv[rateArg + 1]) : 500;
const capArg = process.argv.indexOf('--concurrency');
const CONCURRENCY = capArg > 0 ? Number(process.argv[capArg + 1]) : 50;
const SCHEDULER_WEIGHT = 4;
const WORKERS = 2;

if (!(await postgresReachable(POSTGRES_URL))) {
  console.log(`PostgreSQL at ${POSTGRES_URL} cannot be reached: nothing measured`);
  process.exit(0);
}

/** Campaign `k`'s `i`-th number (+1 415 2kk iiii), and the scheduled calls' (+1 301 804 iiii). */
const campaignNumber = (k: number, i: number) => `+1415${200 + k}${String(i).padStart(4, '0')}`;
const scheduledNumber = (i: number) => `+1301804${String(i).padStart(4, '0')}`;
/** The source a number belongs to: `scheduled`, or `c<k>`. */
const sourceOf = (to: string) =>
  to.startsWith('+1301804') ? 'scheduled' : `c${Number(to.slice(5, 8)) - 200}`;

const schema = `bench_mixed_${process.pid}`;
const arrivals: { at: number; source: string }[] = [];
const errors: string[] = [];
let calls = 0;
/** Calls whose ending webhook is not sent yet. */
let ending = 0;
const total = CAMPAIGNS * PER_CAMPAIGN + SCHEDULED;

const workers: ChildProcess[] = [];
try {
  for (let w = 0; w < WORKERS; w += 1) {
    const task: MixedWorkerTask = {
      url: POSTGRES_URL,
      schema,
      workerId: `w${w}`,
      callsPerSecond: RATE,
      schedulerWeight: SCHEDULER_WEIGHT,
      concurrency: CONCURRENCY,
    };
    // One at a time: the first migrates the schema.
    const { child } = await forkReady(WORKER, [JSON.stringify(task)]);
    workers.push(child);
  }
  const done = new Promise<void>((resolve) => {
    for (const child of workers) {
      child.on(
        'message',
        (message: { type: string; n?: number; to?: string; message?: string }) => {
          if (message.type === 'error') errors.push(message.message!);
          if (message.type !== 'place') return;
          arrivals.push({ at: performance.now(), source: sourceOf(message.to!) });
          const id = `m-${calls++}`;
          child.send({ type: 'placed', n: message.n!, id } satisfies ToMixedWorker);
          ending += 1;
          setTimeout(
            () => {
              ending -= 1;
              const to = workers[Math.floor(Math.random() * workers.length)]!;
              to.send({ type: 'status', callId: id, status: 'completed' } satisfies ToMixedWorker);
            },
            20 + Math.random() * 40,
          );
          if (arrivals.length === total) resolve();
        },
      );
    }
  });
  const set = new Promise<void>((resolve) =>
    workers[0]!.on('message', (m: { type: string }) => m.type === 'set' && resolve()),
  );
  for (const child of workers) child.send({ type: 'start' } satisfies ToMixedWorker);
  workers[0]!.send({
    type: 'setup',
    campaigns: Array.from({ length: CAMPAIGNS }, (_, k) => ({
      name: `mixed-${k}`,
      numbers: Array.from({ length: PER_CAMPAIGN }, (_, i) => campaignNumber(k, i)),
    })),
    scheduled: Array.from({ length: SCHEDULED }, (_, i) => scheduledNumber(i)),
    afterMs: 500,
  } satisfies ToMixedWorker);
  await set;
  await done;
  // Every call ends before the workers close: a status sent to a closed worker is an error.
  while (ending > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  await new Promise((resolve) => setTimeout(resolve, 500));
} finally {
  for (const child of workers) child.send({ type: 'close' } satisfies ToMixedWorker);
  await Promise.all(workers.map((child) => new Promise((resolve) => child.once('exit', resolve))));
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}

arrivals.sort((a, b) => a.at - b.at);
const first = arrivals[0]!.at;
const last = arrivals[arrivals.length - 1]!.at;
let most = 0;
for (let i = 0, j = 0; i < arrivals.length; i += 1) {
  while (arrivals[i]!.at - arrivals[j]!.at >= 1000) j += 1;
  most = Math.max(most, i - j + 1);
}
// Every source waiting: from the last source's first request to the first source's last one.
const bySource = new Map<string, number[]>();
for (const a of arrivals) bySource.set(a.source, [...(bySource.get(a.source) ?? []), a.at]);
const from = Math.max(...[...bySource.values()].map((ts) => ts[0]!));
const until = Math.min(...[...bySource.values()].map((ts) => ts[ts.length - 1]!));
const inWindow = arrivals.filter((a) => a.at >= from && a.at <= until);
const weightOf = (source: string) => (source === 'scheduled' ? SCHEDULER_WEIGHT : 1);
const totalWeight = SCHEDULER_WEIGHT + CAMPAIGNS;
const shareRows = [...bySource.keys()]
  .sort((a, b) =>
    a === 'scheduled' ? -1 : b === 'scheduled' ? 1 : a.localeCompare(b, 'en', { numeric: true }),
  )
  .map((source) => {
    const n = inWindow.filter((a) => a.source === source).length;
    return {
      source,
      'requests, all sources waiting': String(n),
      share: `${fmt((100 * n) / inWindow.length, 1)} %`,
      weight: `${fmt((100 * weightOf(source)) / totalWeight, 1)} %`,
    };
  });
const campaignShares = shareRows
  .filter((r) => r.source !== 'scheduled')
  .map((r) => parseFloat(r.share));

console.log(
  `\n${CAMPAIGNS} campaigns of ${PER_CAMPAIGN.toLocaleString('en')} numbers and ${SCHEDULED.toLocaleString('en')} scheduled calls, ${WORKERS} workers on PostgreSQL, callsPerSecond ${RATE} shared by weight, each campaign's concurrency ${CONCURRENCY}\n`,
);
table([
  {
    requests: arrivals.length.toLocaleString('en'),
    seconds: fmt((last - first) / 1000, 1),
    'calls/s': Math.round(arrivals.length / ((last - first) / 1000)).toLocaleString('en'),
    'most in any 1 s': String(most),
    callsPerSecond: String(RATE),
    'all waiting for': `${fmt((until - from) / 1000, 1)} s`,
    'errors reported': String(errors.length),
  },
]);
console.log('\nShares while every source had calls waiting\n');
table([
  shareRows[0]!,
  {
    source: `campaigns (${CAMPAIGNS})`,
    'requests, all sources waiting': '',
    share: `${fmt(Math.min(...campaignShares), 1)}–${fmt(Math.max(...campaignShares), 1)} % each`,
    weight: `${fmt(100 / totalWeight, 1)} % each`,
  },
]);
console.log('\nEach source: its first and last request, from the first request of all\n');
table(
  [...bySource.entries()].map(([source, ts]) => ({
    source,
    requests: String(ts.length),
    first: `${fmt((ts[0]! - first) / 1000, 1)} s`,
    last: `${fmt((ts[ts.length - 1]! - first) / 1000, 1)} s`,
  })),
);
if (errors.length > 0) console.log(`\nFirst error: ${errors[0]}`);
