/**
 * How long the server stops answering while its heaviest requests run, as a client outside sees
 * it. A probe process of its own sends `GET /healthz` every 10 ms, each on a new connection, and
 * its waits are printed beside each kind of request's own time (and beside the same-process
 * probe's, the bench's own kept-alive fetch, which a busy bench delays and which skips the
 * connection's accept):
 * - idle: the probes alone, first, as this run's baseline;
 * - three campaigns of 10,000 numbers created at once, as JSON, then as CSV;
 * - their results downloaded at once (`results.csv`), and their first 1,000 entries read.
 *
 * Each on two setups: `server`, the built server alone (its simulator a process of its own, its
 * log at `warn`), and `pnpm demo`, the demo as that command runs it (both practice simulators in
 * the server's process, the default log). On SQLite, then on PostgreSQL (skipped when it does
 * not answer). `--quick`: 2,000 numbers. `--store sqlite|postgres`, `--setup server|'pnpm demo'`:
 * that one only.
 */
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { closeChild, forkReady } from '../_child.js';
import { quick, summarize, table } from '../_stats.js';
import {
  POSTGRES_URL,
  postgresReachable,
  startDemo,
  startProbe,
  startShippedDemo,
  startSimulator,
  type StoreName,
} from '../_server.js';

const NUMBERS = quick ? 2_000 : 10_000;
const LISTS = 3;
const storeArg = process.argv.indexOf('--store');
const only = storeArg > 0 ? (process.argv[storeArg + 1] as StoreName) : undefined;
const setupArg = process.argv.indexOf('--setup');
const setups: Setup[] =
  setupArg > 0 ? [process.argv[setupArg + 1] as Setup] : ['server', 'pnpm demo'];
const PROBE = fileURLToPath(new URL('./_probe.ts', import.meta.url));

/** `count` distinct valid US numbers, the `list`-th set. */
const numbers = (list: number, count: number) =>
  Array.from({ length: count }, (_, i) => `+1415${String(2_000_000 + list * 100_000 + i)}`);

const rows: Array<Record<string, string | number>> = [];

/** How the demo runs: the server alone (its simulator a process of its own), or as `pnpm demo`. */
type Setup = 'server' | 'pnpm demo';

const round = (ms: number) => Math.round(ms * 10) / 10;

async function measure(store: StoreName, setup: Setup) {
  const sim =
    setup === 'server' ? await startSimulator(['--step-ms', '200-1000', '--seed', '1']) : null;
  const demo = sim ? await startDemo(store, sim) : await startShippedDemo(store);
  const probe = startProbe(demo.url);
  const outside = await forkReady<{ ready: true }>(PROBE, [demo.url]);
  /** The outside probe's waits from `epoch` on. */
  const outsideSince = async (epoch: number) => {
    outside.child.send({ type: 'since', from: epoch });
    const [answer] = (await once(outside.child, 'message')) as [{ waits: number[] }];
    return answer.waits;
  };
  const row = async (work: string, times: number[], from: number, epoch: number) => {
    const inside = summarize(probe.since(from));
    const wait = summarize(await outsideSince(epoch));
    const own = summarize(times);
    rows.push({
      store,
      setup,
      work,
      'request p50 ms': own.count ? own.p50 : '—',
      'request max ms': own.count ? own.max : '—',
      'same-process probe p99 / max ms': `${round(inside.p99)} / ${round(inside.max)}`,
      'outside probes': wait.count,
      'outside p50 ms': wait.p50,
      'outside p99 ms': wait.p99,
      'outside max ms': wait.max,
    });
  };
  /** Runs the requests at once; each one's time in ms (a non-2xx fails the run). */
  const atOnce = async (work: string, requests: Array<() => Promise<Response>>) => {
    const from = performance.now();
    const epoch = Date.now();
    const times = await Promise.all(
      requests.map(async (send) => {
        const started = performance.now();
        const res = await send();
        const body = await res.arrayBuffer();
        if (!res.ok) {
          throw new Error(`${work}: ${res.status} ${Buffer.from(body).toString().slice(0, 300)}`);
        }
        return performance.now() - started;
      }),
    );
    // The probes of the moments after: work a request left behind still stalls the server.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await row(work, times, from, epoch);
  };
  try {
    const idleFrom = performance.now();
    const idleEpoch = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await row('idle (baseline)', [], idleFrom, idleEpoch);

    const names = Array.from({ length: LISTS }, (_, i) => `json-${i}`);
    await atOnce(
      `${LISTS} × ${NUMBERS.toLocaleString('en-US')} numbers, JSON`,
      names.map(
        (name, i) => () =>
          fetch(`${demo.url}/api/campaigns`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ name, numbers: numbers(i, NUMBERS), concurrency: 10 }),
          }),
      ),
    );
    await atOnce(
      `${LISTS} × ${NUMBERS.toLocaleString('en-US')} numbers, CSV`,
      Array.from(
        { length: LISTS },
        (_, i) => () =>
          fetch(`${demo.url}/api/campaigns?name=csv-${i}&concurrency=10`, {
            method: 'POST',
            headers: { 'content-type': 'text/csv' },
            body: `phone\n${numbers(LISTS + i, NUMBERS).join('\n')}\n`,
          }),
      ),
    );
    await atOnce(
      `${LISTS} results.csv downloads`,
      names.map((name) => () => fetch(`${demo.url}/api/campaigns/${name}/results.csv`)),
    );
    await atOnce(
      `${LISTS} × 1,000 entries read`,
      names.map((name) => () => fetch(`${demo.url}/api/campaigns/${name}?limit=1000`)),
    );
  } finally {
    await probe.stop();
    await closeChild(outside.child);
    await demo.stop();
    await sim?.stop();
  }
}

const stores: StoreName[] = only ? [only] : ['sqlite', 'postgres'];
for (const store of stores) {
  if (store === 'postgres' && !(await postgresReachable(POSTGRES_URL))) {
    console.log('PostgreSQL does not answer (TEST_DATABASE_URL): its rows are skipped.');
    continue;
  }
  for (const setup of setups) await measure(store, setup);
}
console.log(
  `GET /healthz every 10 ms against the built demo while each work runs (and 1 s after), ${NUMBERS.toLocaleString('en-US')} numbers per list.\n` +
    "Outside: a process of its own, a new connection per probe (the figure a client sees); same-process: the bench's own fetch, one kept-alive connection.\n" +
    'server: dist/server.js, its simulator a process of its own, LOG_LEVEL=warn; pnpm demo: dist/demo.js as `pnpm demo` runs it (its simulators in its process, the default log).\n',
);
table(rows);
