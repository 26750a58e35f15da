/**
 * How long the server stops answering while its heaviest requests run. A probe sends
 * `GET /healthz` every 10 ms to the built demo (a process of its own, on `ringkit-sim`) and its
 * waits are printed beside each kind of request's own time:
 * - idle: the probe alone, first, as this run's baseline;
 * - three campaigns of 10,000 numbers created at once, as JSON, then as CSV;
 * - their results downloaded at once (`results.csv`), and their first 1,000 entries read.
 *
 * On SQLite, then on PostgreSQL (skipped when it does not answer). `--quick`: 2,000 numbers.
 * `--store sqlite|postgres`: that store only.
 */
import { quick, summarize, table } from '../_stats.js';
import {
  POSTGRES_URL,
  postgresReachable,
  startDemo,
  startProbe,
  startSimulator,
  type StoreName,
} from '../_server.js';

const NUMBERS = quick ? 2_000 : 10_000;
const LISTS = 3;
const storeArg = process.argv.indexOf('--store');
const only = storeArg > 0 ? (process.argv[storeArg + 1] as StoreName) : undefined;

/** `count` distinct valid US numbers, the `list`-th set. */
const numbers = (list: number, count: number) =>
  Array.from({ length: count }, (_, i) => `+1415${String(2_000_000 + list * 100_000 + i)}`);

const rows: Array<Record<string, string | number>> = [];

async function measure(store: StoreName) {
  const sim = await startSimulator(['--step-ms', '200-1000', '--seed', '1']);
  const demo = await startDemo(store, sim);
  const probe = startProbe(demo.url);
  const row = (work: string, times: number[], from: number) => {
    const wait = summarize(probe.since(from));
    const own = summarize(times);
    rows.push({
      store,
      work,
      'request p50 ms': own.count ? own.p50 : '—',
      'request max ms': own.count ? own.max : '—',
      probes: wait.count,
      'healthz p50 ms': wait.p50,
      'healthz p99 ms': wait.p99,
      'healthz max ms': wait.max,
    });
  };
  /** Runs the requests at once; each one's time in ms (a non-2xx fails the run). */
  const atOnce = async (work: string, requests: Array<() => Promise<Response>>) => {
    const from = performance.now();
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
    row(work, times, from);
  };
  try {
    const idleFrom = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    row('idle (baseline)', [], idleFrom);

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
    await demo.stop();
    await sim.stop();
  }
}

const stores: StoreName[] = only ? [only] : ['sqlite', 'postgres'];
for (const store of stores) {
  if (store === 'postgres' && !(await postgresReachable(POSTGRES_URL))) {
    console.log('PostgreSQL does not answer (TEST_DATABASE_URL): its rows are skipped.');
    continue;
  }
  await measure(store);
}
console.log(
  `GET /healthz every 10 ms against the built demo while each work runs (and 1 s after), ${NUMBERS.toLocaleString('en-US')} numbers per list:\n`,
);
table(rows);
