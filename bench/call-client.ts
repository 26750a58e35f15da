/**
 * @ringkit/call-client: placeCall round trip against the simulator on loopback, side by side
 * with the same requests made with plain fetch; and parseStatusWebhook throughput.
 *
 *   pnpm --filter @ringkit/bench exec tsx call-client.ts [--quick]
 */
import { createMockCallApiClient, parseStatusWebhook } from '@ringkit/call-client';
import { startCallApiSimulator } from '@ringkit/call-client/testing';
import ky from 'ky';
import { quick, summarize, table } from './_stats.js';

const CALLS = quick ? 2_000 : 10_000;
const WARMUP = 500;

type Place = () => Promise<unknown>;

async function run(place: Place, calls: number, concurrency: number) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
        next += 1;
        const t0 = performance.now();
        await place();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { ...summarize(latencies), perSecond: calls / seconds };
}

const sim = await startCallApiSimulator({ flavour: 'polling', port: 0, stepMs: 60_000 });
const client = createMockCallApiClient({ baseUrl: sim.url });
const url = `${sim.url}/api/call`;
const viaClient: Place = () => client.placeCall({ to: '+14155552671' });
const viaFetch: Place = async () => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone_number: '+14155552671' }),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
};

// ky alone, with the same retry/timeout settings, to show where the overhead lies.
const kyApi = ky.create({
  timeout: 10_000,
  totalTimeout: 60_000,
  retry: { limit: 3, methods: ['post'] },
});
const viaKy: Place = () => kyApi.post(url, { json: { phone_number: '+14155552671' } }).json();

await run(viaClient, WARMUP, 8);
await run(viaKy, WARMUP, 8);
await run(viaFetch, WARMUP, 8);

const rows: Array<Record<string, string | number>> = [];
for (const concurrency of [1, 32]) {
  // Alternate the order so neither side always runs on a warmer server.
  const fetchFirst = await run(viaFetch, CALLS / 2, concurrency);
  const clientRun = await run(viaClient, CALLS, concurrency);
  const kyRun = await run(viaKy, CALLS, concurrency);
  const fetchSecond = await run(viaFetch, CALLS / 2, concurrency);
  const plain = {
    p50: (fetchFirst.p50 + fetchSecond.p50) / 2,
    p99: (fetchFirst.p99 + fetchSecond.p99) / 2,
    perSecond: (fetchFirst.perSecond + fetchSecond.perSecond) / 2,
  };
  rows.push(
    {
      concurrency,
      runner: 'ringkit placeCall',
      'p50 ms': clientRun.p50,
      'p99 ms': clientRun.p99,
      'calls/s': clientRun.perSecond,
    },
    {
      concurrency,
      runner: 'ky alone',
      'p50 ms': kyRun.p50,
      'p99 ms': kyRun.p99,
      'calls/s': kyRun.perSecond,
    },
    {
      concurrency,
      runner: 'plain fetch',
      'p50 ms': plain.p50,
      'p99 ms': plain.p99,
      'calls/s': plain.perSecond,
    },
    {
      concurrency,
      runner: 'ratio (ringkit / fetch)',
      'p50 ms': clientRun.p50 / plain.p50,
      'p99 ms': clientRun.p99 / plain.p99,
      'calls/s': plain.perSecond / clientRun.perSecond,
    },
  );
}
await sim.close();

console.log(
  `\nplaceCall round trip on loopback, ${CALLS} calls per runner (goal: ratio ≤ 1.15×)\n`,
);
table(rows);

const bodies = [
  { id: 2345, status: 'ringing' },
  { id: '2346', status: 'answered' },
  { id: 2347, status: 'completed', extra: 'x' },
  { id: 2348, status: 'no-answer' },
];
const EVENTS = quick ? 200_000 : 1_000_000;
for (let i = 0; i < 50_000; i += 1) parseStatusWebhook(bodies[i % 4]);
const t0 = performance.now();
for (let i = 0; i < EVENTS; i += 1) parseStatusWebhook(bodies[i % 4]);
const seconds = (performance.now() - t0) / 1000;
const textBody = JSON.stringify(bodies[0]);
const t1 = performance.now();
for (let i = 0; i < EVENTS; i += 1) parseStatusWebhook(textBody);
const textSeconds = (performance.now() - t1) / 1000;

console.log(`\nparseStatusWebhook, ${EVENTS} events (goal ≥ 500k events/s)\n`);
table([
  { input: 'parsed object', 'events/s': EVENTS / seconds, 'µs/event': (seconds * 1e6) / EVENTS },
  {
    input: 'JSON text',
    'events/s': EVENTS / textSeconds,
    'µs/event': (textSeconds * 1e6) / EVENTS,
  },
]);
