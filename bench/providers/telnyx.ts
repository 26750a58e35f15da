/**
 * Telnyx, beside the official `telnyx` package and plain `fetch`:
 *
 * 1. Webhook signature checks per second: `verifyTelnyxSignature` (synchronous, `node:crypto`)
 *    beside the `telnyx` package's `TelnyxWebhook.verify` (async, WebCrypto), awaited one at a
 *    time and 32 in flight, on the same signed request, alternated over several rounds (median
 *    round), with the CPU this process spent per check (all its threads: WebCrypto verifies on
 *    libuv's pool), and `node:crypto`'s `verify` alone as a floor. A forged body and a request
 *    signed with another key must be refused by both.
 * 2. `placeCall` of `createTelnyxClient`, bare and with call options, beside plain `fetch` sending
 *    the same JSON dial (`POST /v2/calls`, `Authorization: Bearer …`), against the Telnyx flavour
 *    of the simulator in a process of its own, at concurrency 1 and 10, as `call-client.ts` does.
 * 3. `parseTelnyxWebhook` events/s.
 *
 *   pnpm --filter @ringkit/bench exec tsx providers/telnyx.ts [--quick] [--only verify|place|parse]
 */
import { generateKeyPairSync, randomUUID, verify } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  createTelnyxClient,
  parseTelnyxWebhook,
  verifyTelnyxSignature,
} from '@ringkit/call-client/telnyx';
import { signTelnyxWebhook, TELNYX_TEST_CREDENTIALS } from '@ringkit/simulator';
import { TelnyxWebhook, TelnyxWebhookVerificationError } from 'telnyx/lib/webhooks';
import { compareRunners, plainFetch, run, startSimulator } from './_placement.js';
import { quick, summarize, table } from '../_stats.js';

const { values: args } = parseArgs({
  options: { quick: { type: 'boolean' }, only: { type: 'string' } },
});
const only = args.only;
const ROUNDS = quick ? 3 : 5;
const TO = '+14155552671';
const FROM = '+14155550100';

// 1. Signatures.
if (only === undefined || only === 'verify') {
  const CHECKS = quick ? 5_000 : 20_000;
  const IN_FLIGHT = 32;
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519').privateKey;
  /** The 32 raw bytes in base64, as the Telnyx portal shows the key. */
  const PUBLIC_KEY = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').toString(
    'base64',
  );
  const event = (hangupCause: string) =>
    JSON.stringify({
      data: {
        record_type: 'event',
        event_type: 'call.hangup',
        id: '0ccc7b54-4df3-4bca-a65a-3da1ecc777f0',
        occurred_at: '2026-11-23T17:00:42.123456Z',
        payload: {
          call_control_id: 'v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg',
          call_leg_id: '2dc6fc34-f9e0-11ea-b68e-02420a0f7768',
          call_session_id: '2dc1b3c8-f9e0-11ea-bc5a-02420a0f7768',
          client_state: 'eyJyayI6MSwicCI6ImJlbmNoIn0=',
          connection_id: TELNYX_TEST_CREDENTIALS.connectionId,
          from: FROM,
          to: TO,
          hangup_cause: hangupCause,
          hangup_source: 'callee',
          sip_hangup_cause: '200',
        },
      },
      meta: { attempt: 1, delivered_to: 'https://app.example/webhooks/telnyx' },
    });
  const rawBody = event('normal_clearing');
  /** The request's headers as a receiver sees them, signed now (Telnyx allows 300 s of skew). */
  const headersOf = (key = privateKey, body = rawBody): Record<string, string> => ({
    host: 'app.example',
    'user-agent': 'telnyx-webhooks',
    accept: '*/*',
    'content-length': String(Buffer.byteLength(body)),
    ...signTelnyxWebhook({ privateKey: key, rawBody: body }),
  });
  const official = new TelnyxWebhook(PUBLIC_KEY);

  // Forged requests, once each: both must refuse them.
  const forged = [
    { request: 'body changed after signing', body: event('user_busy'), headers: headersOf() },
    { request: 'signed with another key', body: rawBody, headers: headersOf(other) },
  ];
  const verdicts = [];
  for (const { request, body, headers } of forged) {
    if (verifyTelnyxSignature({ publicKey: PUBLIC_KEY, rawBody: body, headers }))
      throw new Error(`verifyTelnyxSignature accepted a forged request: ${request}`);
    const refused = await official.verify(body, headers).then(
      () => false,
      (error: unknown) => error instanceof TelnyxWebhookVerificationError,
    );
    if (!refused) throw new Error(`TelnyxWebhook.verify accepted a forged request: ${request}`);
    verdicts.push({ request, verifyTelnyxSignature: 'refused', 'TelnyxWebhook.verify': 'refused' });
  }

  const OURS = 'verifyTelnyxSignature';
  const runners: Record<string, (headers: Record<string, string>) => Promise<void> | void> = {
    [OURS]: (headers) => {
      for (let i = 0; i < CHECKS; i += 1)
        if (!verifyTelnyxSignature({ publicKey: PUBLIC_KEY, rawBody, headers }))
          throw new Error(`${OURS} refused a genuine request`);
    },
    // The Ed25519 check alone, on the message and signature decoded once: what both build on.
    'node:crypto verify alone (floor)': (headers) => {
      const message = Buffer.from(`${headers['telnyx-timestamp']}|${rawBody}`, 'utf8');
      const signature = Buffer.from(headers['telnyx-signature-ed25519']!, 'base64');
      for (let i = 0; i < CHECKS; i += 1)
        if (!verify(null, message, publicKey, signature)) throw new Error('verify refused');
    },
    'TelnyxWebhook.verify, awaited one at a time': async (headers) => {
      for (let i = 0; i < CHECKS; i += 1) await official.verify(rawBody, headers);
    },
    [`TelnyxWebhook.verify, ${IN_FLIGHT} in flight`]: async (headers) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < CHECKS) {
            next += 1;
            await official.verify(rawBody, headers);
          }
        }),
      );
    },
  };
  // Warm-up, then the rounds, alternated (reversed every other round).
  for (const check of Object.values(runners)) await check(headersOf());
  const perSecond = new Map<string, number[]>();
  const cpuPerCheck = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round += 1) {
    const headers = headersOf();
    const names = Object.keys(runners);
    if (round % 2 === 1) names.reverse();
    for (const name of names) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      await runners[name]!(headers);
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      perSecond.set(name, [...(perSecond.get(name) ?? []), CHECKS / seconds]);
      cpuPerCheck.set(name, [...(cpuPerCheck.get(name) ?? []), (used.user + used.system) / CHECKS]);
    }
  }
  const med = (values: Map<string, number[]>, name: string) => summarize(values.get(name)!).p50;
  console.log(
    `Telnyx webhook signature checks per second, one signed call.hangup ` +
      `(median of ${ROUNDS} rounds of ${CHECKS}):\n`,
  );
  table(
    Object.keys(runners).map((name) => ({
      check: name,
      'per second': Math.round(med(perSecond, name)),
      'CPU µs/check': med(cpuPerCheck, name),
      'ours / this': med(perSecond, OURS) / med(perSecond, name),
    })),
  );
  console.log('\nForged requests, once each:\n');
  table(verdicts);
}

// 2. placeCall beside plain fetch, the simulator in another process.
if (only === undefined || only === 'place') {
  const CALLS = quick ? 1_000 : 2_000;
  const WARMUP = 1_000;
  const { apiKey, connectionId } = TELNYX_TEST_CREDENTIALS;
  const sim = await startSimulator('telnyx');
  const client = createTelnyxClient({ apiKey, connectionId, from: FROM, baseUrl: sim.url });
  const withOptions = {
    say: 'Your appointment with Dr. Ruiz is tomorrow at 9:30 & lasts 20 minutes.',
    machineDetection: 'detect-beep',
    ringTimeoutS: 25,
    timeLimitS: 600,
  } as const;
  /** The dial the client sends for a bare call: an id of its own each time, in `client_state`. */
  const dial = () => {
    const id = randomUUID();
    return JSON.stringify({
      connection_id: connectionId,
      to: TO,
      from: FROM,
      command_id: id,
      client_state: Buffer.from(JSON.stringify({ rk: 1, p: id })).toString('base64'),
    });
  };
  const runners = {
    'plain fetch': plainFetch(
      `${sim.url}/v2/calls`,
      { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      dial,
    ),
    'ringkit placeCall': () => client.placeCall({ to: TO }),
    'placeCall with options': () => client.placeCall({ to: TO, ...withOptions }),
  };
  for (const place of Object.values(runners)) await run(place, WARMUP, 8);
  const rows = await compareRunners(runners, {
    calls: CALLS,
    rounds: ROUNDS,
    concurrency: [1, 10],
    ratios: [
      { label: 'placeCall / fetch', runner: 'ringkit placeCall', to: 'plain fetch' },
      { label: 'with options / fetch', runner: 'placeCall with options', to: 'plain fetch' },
      { label: 'with options / bare', runner: 'placeCall with options', to: 'ringkit placeCall' },
    ],
  });
  await sim.close();
  console.log(
    `\nTelnyx (createTelnyxClient): placeCall against plain fetch, simulator in another ` +
      `process, ${CALLS} calls a run, median of ${ROUNDS} rounds (goal: calls/s ratio ≥ 0.85)\n`,
  );
  console.log(`Options: ${JSON.stringify(withOptions)}\n`);
  table(rows);
}

// 3. parseTelnyxWebhook.
if (only === undefined || only === 'parse') {
  const EVENTS = quick ? 200_000 : 1_000_000;
  const envelope = (event_type: string, extra: Record<string, unknown>) => ({
    data: {
      record_type: 'event',
      event_type,
      id: randomUUID(),
      occurred_at: '2026-11-23T17:00:42.123456Z',
      payload: {
        call_control_id: 'v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg',
        call_leg_id: '2dc6fc34-f9e0-11ea-b68e-02420a0f7768',
        call_session_id: '2dc1b3c8-f9e0-11ea-bc5a-02420a0f7768',
        client_state: 'eyJyayI6MSwicCI6ImJlbmNoIn0=',
        connection_id: TELNYX_TEST_CREDENTIALS.connectionId,
        from: FROM,
        to: TO,
        ...extra,
      },
    },
    meta: { attempt: 1, delivered_to: 'https://app.example/webhooks/telnyx' },
  });
  const bodies = [
    envelope('call.initiated', { direction: 'outgoing', state: 'bridging' }),
    envelope('call.answered', {}),
    envelope('call.machine.detection.ended', { result: 'human' }),
    envelope('call.hangup', { hangup_cause: 'normal_clearing', hangup_source: 'callee' }),
  ];
  const texts = bodies.map((body) => JSON.stringify(body));
  for (let i = 0; i < 50_000; i += 1)
    if (parseTelnyxWebhook(bodies[i % 4]) === null) throw new Error('an event was not read');
  const time = (parse: (i: number) => unknown) => {
    const t0 = performance.now();
    for (let i = 0; i < EVENTS; i += 1) parse(i);
    return (performance.now() - t0) / 1000;
  };
  const seconds = time((i) => parseTelnyxWebhook(bodies[i % 4]));
  const textSeconds = time((i) => parseTelnyxWebhook(texts[i % 4]));
  console.log(`\nparseTelnyxWebhook, ${EVENTS} events (4 kinds, in turn)\n`);
  table([
    { input: 'parsed object', 'events/s': EVENTS / seconds, 'µs/event': (seconds * 1e6) / EVENTS },
    {
      input: 'JSON text',
      'events/s': EVENTS / textSeconds,
      'µs/event': (textSeconds * 1e6) / EVENTS,
    },
  ]);
}
