/**
 * Twilio, spoken as twilio-node speaks it:
 *
 * 1. Status callbacks checked per second: `verifyTwilioSignature` beside twilio-node's own
 *    `validateRequest` (a form callback) and `validateRequestWithBody` (a JSON body with
 *    `bodySHA256`), on the same requests, alternated over several rounds (median round).
 * 2. What a 503 costs: create requests per `placeCall` while the Twilio simulator answers half of
 *    them `503` (the client sends each once: Twilio does not document that a 503 created nothing),
 *    beside the practice client against its simulator at the same rate (retried: its simulator
 *    guarantees nothing was created).
 * 3. What a call's options cost: `placeCall` with a message, machine detection, a ring timeout and
 *    an `extra` parameter beside a bare `placeCall`, against the Twilio simulator in this process.
 *
 *   pnpm --filter @ringkit/bench exec tsx providers/twilio.ts [--quick]
 */
import { createHash } from 'node:crypto';
import { createMockCallApiClient, isHttpError, type CallProvider } from '@ringkit/call-client';
import {
  startCallApiSimulator,
  TWILIO_TEST_CREDENTIALS,
  type SimulatorEvent,
} from '@ringkit/simulator';
import {
  computeTwilioSignature,
  createTwilioClient,
  verifyTwilioSignature,
} from '@ringkit/call-client/twilio';
import twilio from 'twilio';
import { quick, summarize, table } from '../_stats.js';

const { authToken } = TWILIO_TEST_CREDENTIALS;
const ROUNDS = quick ? 3 : 5;
const CHECKS = quick ? 20_000 : 50_000;

// 1. Signatures.
const url = 'https://App.Example:443/webhooks/twilio?source=ringkit&tag=a b';
const params = {
  CallSid: 'CA0123456789abcdef0123456789abcdef',
  AccountSid: TWILIO_TEST_CREDENTIALS.accountSid,
  CallStatus: 'completed',
  CallDuration: '42',
  From: '+15005550006',
  To: '+14155552671',
  Direction: 'outbound-api',
  AnsweredBy: 'machine_end_beep',
  SequenceNumber: '3',
  Timestamp: 'Mon, 23 Nov 2026 17:00:00 +0000',
};
const formSignature = computeTwilioSignature(authToken, url, params);
const body = JSON.stringify({ CallSid: params.CallSid, CallStatus: 'completed' });
const bodyUrl = `https://app.example/webhooks/twilio?bodySHA256=${createHash('sha256').update(body).digest('hex')}`;
const bodySignature = computeTwilioSignature(authToken, bodyUrl, {});

const runners: Record<string, () => boolean> = {
  'form: verifyTwilioSignature': () =>
    verifyTwilioSignature({ authToken, url, params, signature: formSignature }),
  'form: twilio.validateRequest': () =>
    twilio.validateRequest(authToken, formSignature, url, params),
  'JSON body: verifyTwilioSignature': () =>
    verifyTwilioSignature({ authToken, url: bodyUrl, body, signature: bodySignature }),
  'JSON body: twilio.validateRequestWithBody': () =>
    twilio.validateRequestWithBody(authToken, bodySignature, bodyUrl, body),
};
const perSecond = new Map<string, number[]>();
for (let round = 0; round < ROUNDS; round += 1) {
  for (const [name, check] of Object.entries(runners)) {
    const started = performance.now();
    for (let i = 0; i < CHECKS; i += 1)
      if (!check()) throw new Error(`${name} refused a genuine request`);
    const seconds = (performance.now() - started) / 1000;
    perSecond.set(name, [...(perSecond.get(name) ?? []), CHECKS / seconds]);
  }
}
const median = (name: string) => summarize(perSecond.get(name)!).p50;
console.log(`Signature checks per second (median of ${ROUNDS} rounds of ${CHECKS}):\n`);
table(
  Object.keys(runners).map((name) => {
    const peer = name.startsWith('form')
      ? 'form: twilio.validateRequest'
      : 'JSON body: twilio.validateRequestWithBody';
    return {
      check: name,
      'per second': Math.round(median(name)),
      'ratio to twilio-node': median(name) / median(peer),
    };
  }),
);

// 2. Create requests per placement while half are answered 503.
const PLACEMENTS = quick ? 100 : 300;
async function createsPer(flavour: 'twilio' | 'polling') {
  let requests = 0;
  const sim = await startCallApiSimulator({
    flavour,
    port: 0,
    errorRate: 0.5,
    seed: 11,
    stepMs: 60_000,
    onEvent(event: SimulatorEvent) {
      const create =
        event.type === 'rejected' && event.method === 'POST' && event.httpStatus === 503;
      if (event.type === 'created' || create) requests += 1;
    },
  });
  const provider: CallProvider =
    flavour === 'twilio'
      ? createTwilioClient({
          ...TWILIO_TEST_CREDENTIALS,
          from: '+15005550006',
          baseUrl: sim.url,
          retry: { limit: 5, baseDelayMs: 0 },
          reconcile: { attempts: 1, delayMs: 0, skewMs: 0 },
        })
      : createMockCallApiClient({ baseUrl: sim.url, retry: { limit: 5, baseDelayMs: 0 } });
  let placed = 0;
  let unknown = 0;
  for (let i = 0; i < PLACEMENTS; i += 1) {
    await provider.placeCall({ to: '+14155552671' }).then(
      () => (placed += 1),
      (error: unknown) => {
        if (!isHttpError(error) || error.status !== 503) throw error;
        unknown += 1;
      },
    );
  }
  const calls = sim.calls().length;
  await sim.close();
  return {
    client:
      flavour === 'twilio' ? 'Twilio (503 ambiguous)' : 'practice API (503 = nothing created)',
    placements: PLACEMENTS,
    'create requests': requests,
    'per placement': requests / PLACEMENTS,
    'calls created': calls,
    placed,
    'outcome unknown': unknown,
  };
}
console.log(`\n${PLACEMENTS} placements, half the create requests answered 503:\n`);
table([await createsPer('twilio'), await createsPer('polling')]);

// 3. placeCall with and without options.
const CALLS = quick ? 1_000 : 3_000;
const sim = await startCallApiSimulator({ flavour: 'twilio', port: 0, stepMs: 600_000 });
const client = createTwilioClient({
  ...TWILIO_TEST_CREDENTIALS,
  from: '+15005550006',
  baseUrl: sim.url,
});
const withOptions = {
  say: 'Your appointment with Dr. Ruiz is tomorrow at 9:30 & lasts 20 minutes.',
  machineDetection: 'detect',
  ringTimeoutS: 25,
  extra: { CallReason: 'Appointment reminder' },
} as const;
const latencies: Record<string, number[]> = { bare: [], 'with options': [] };
for (let round = 0; round < ROUNDS; round += 1) {
  for (const kind of Object.keys(latencies)) {
    for (let i = 0; i < CALLS / ROUNDS; i += 1) {
      const started = performance.now();
      await client.placeCall(
        kind === 'bare' ? { to: '+14155552671' } : { to: '+14155552671', ...withOptions },
      );
      latencies[kind]!.push((performance.now() - started) * 1000);
    }
  }
}
await sim.close();
console.log(
  `\nplaceCall against the Twilio simulator in this process, ${CALLS} calls each, alternated:\n`,
);
table(
  Object.entries(latencies).map(([kind, samples]) => {
    const s = summarize(samples);
    return { placeCall: kind, 'p50 µs': Math.round(s.p50), 'p99 µs': Math.round(s.p99) };
  }),
);
