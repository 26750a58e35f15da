/**
 * @ringkit/call-client: what one `placeCall` costs next to the same request made with plain
 * `fetch`, for each client (polling, webhook, Twilio), each against the simulator of its flavour
 * in a process of its own (as a provider is); and parseStatusWebhook throughput.
 *
 * For every client and concurrency (1 and 10) the runners alternate (fetch, placeCall, fetch, …)
 * over several rounds; each row gives the median round: calls per second, latency, and the CPU
 * time this process spent per call (`process.cpuUsage()`, user + system, all its threads), which
 * holds still while other work shares the machine, unlike calls per second.
 *
 *   pnpm --filter @ringkit/bench exec tsx providers/call-client.ts [--quick] [--only polling|webhook|twilio|parse]
 *     [--calls N] [--rounds N]
 *
 * The polling client runs a third time traced: an OpenTelemetry SDK records its spans (batched,
 * then dropped), to show what a span per placement costs. The untraced runs have the API installed
 * and no SDK registered (its no-op spans).
 *
 * For a CPU profile of the client alone: `node --cpu-prof --import tsx providers/call-client.ts --only polling`
 * (the simulator is another process, so it is not in the profile).
 */
import { parseArgs } from 'node:util';
import {
  createMockCallApiClient,
  createNumDialerClient,
  parseStatusWebhook,
  type CallProvider,
} from '@ringkit/call-client';
import { TWILIO_TEST_CREDENTIALS } from '@ringkit/simulator';
import { createTwilioClient } from '@ringkit/call-client/twilio';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import ky from 'ky';
import { quick, table } from '../_stats.js';
import { compareRunners, plainFetch, run, startSimulator, type Place } from './_placement.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    only: { type: 'string' },
    calls: { type: 'string' },
    rounds: { type: 'string' },
  },
});
const CALLS = Number(args.calls ?? (quick ? 1_000 : 2_000));
const ROUNDS = Number(args.rounds ?? (quick ? 3 : 5));
const WARMUP = 1_000;
const CONCURRENCY = [1, 10];
const TO = '+14155552671';
const only = args.only;

/** A tracer whose spans are recorded and batched like an application's, then dropped. */
const tracerProvider = new TracerProvider({
  spanProcessors: [
    new BatchSpanProcessor({
      exporter: {
        export: (_spans, done) => done({ code: 0 }),
        shutdown: () => Promise.resolve(),
      },
    }),
  ],
});
const tracer = tracerProvider.getTracer('bench');

interface Subject {
  name: string;
  flavour: 'polling' | 'webhook' | 'twilio';
  runners: (url: string) => Record<string, Place>;
}

const webhookUrl = 'http://127.0.0.1:9/webhooks/dialer/bench-token-bench-token-bench';
const { accountSid, authToken } = TWILIO_TEST_CREDENTIALS;
const FROM = '+15005550006';

const subjects: Subject[] = [
  {
    name: 'polling (createMockCallApiClient)',
    flavour: 'polling',
    runners(url) {
      const client: CallProvider = createMockCallApiClient({ baseUrl: url });
      const traced: CallProvider = createMockCallApiClient({ baseUrl: url, tracer });
      // ky alone, with the client's retry and timeout settings, to show ky's own share.
      const kyApi = ky.create({
        timeout: 10_000,
        totalTimeout: 60_000,
        retry: { limit: 3, methods: ['post'] },
      });
      return {
        'plain fetch': plainFetch(
          `${url}/api/call`,
          { 'content-type': 'application/json' },
          JSON.stringify({ phone_number: TO }),
        ),
        'ringkit placeCall': () => client.placeCall({ to: TO }),
        'placeCall, traced': () => traced.placeCall({ to: TO }),
        'ky alone': () => kyApi.post(`${url}/api/call`, { json: { phone_number: TO } }).json(),
      };
    },
  },
  {
    name: 'webhook (createNumDialerClient)',
    flavour: 'webhook',
    runners(url) {
      const client = createNumDialerClient({ baseUrl: url, webhookUrl });
      return {
        'plain fetch': plainFetch(
          `${url}/call`,
          { 'content-type': 'application/json' },
          JSON.stringify({ phone: TO.slice(1), webhookURL: webhookUrl }),
        ),
        'ringkit placeCall': () => client.placeCall({ to: TO }),
      };
    },
  },
  {
    name: 'Twilio (createTwilioClient)',
    flavour: 'twilio',
    runners(url) {
      const client = createTwilioClient({ accountSid, authToken, from: FROM, baseUrl: url });
      const form = new URLSearchParams({
        To: TO,
        From: FROM,
        Twiml: '<Response><Say>Hello. This is an automated call.</Say></Response>',
      });
      return {
        'plain fetch': plainFetch(
          `${url}/2010-04-01/Accounts/${accountSid}/Calls.json`,
          {
            'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
            authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
          },
          form.toString(),
        ),
        'ringkit placeCall': () => client.placeCall({ to: TO }),
      };
    },
  },
];

for (const subject of subjects) {
  if (only !== undefined && only !== subject.flavour) continue;
  const sim = await startSimulator(subject.flavour);
  const runners = subject.runners(sim.url);
  for (const place of Object.values(runners)) await run(place, WARMUP, 8);

  const rows = await compareRunners(runners, {
    calls: CALLS,
    rounds: ROUNDS,
    concurrency: CONCURRENCY,
  });
  await sim.close();
  console.log(
    `\n${subject.name}: placeCall against plain fetch, simulator in another process, ` +
      `${CALLS} calls a run, median of ${ROUNDS} rounds (goal: calls/s ratio ≥ 0.85)\n`,
  );
  table(rows);
}

if (only === undefined || only === 'parse') {
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
}
