/**
 * SignalWire (the Compatibility "LaML" API), beside the official `@signalwire/compatibility-api`
 * and plain `fetch`:
 *
 * 1. Status callbacks checked per second: `verifySignalWireSignature` beside the official
 *    `RestClient.validateRequest`, on the same signed callbacks (a call's four, in turn),
 *    alternated over several rounds (median round), with the CPU spent per check, and the
 *    HMAC-SHA1 of the URL and parameters alone (`node:crypto`) as a floor. Requests changed after
 *    signing, signed with another key or unsigned must be refused by both.
 * 2. `placeCall` of `createSignalWireClient`, bare and with call options, beside plain `fetch`
 *    sending the same form POST (`/api/laml/2010-04-01/Accounts/{project}/Calls.json`, the same
 *    Basic auth), against the SignalWire flavour of the simulator in a process of its own, at
 *    concurrency 1 and 10, as `telnyx.ts` does.
 *
 *   pnpm --filter @ringkit/bench exec tsx providers/signalwire.ts [--quick] [--only verify|place]
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import {
  computeSignalWireSignature,
  createSignalWireClient,
  verifySignalWireSignature,
} from '@ringkit/call-client/signalwire';
import { SIGNALWIRE_TEST_CREDENTIALS } from '@ringkit/simulator';
import { compareRunners, plainFetch, run, startSimulator } from './_placement.js';
import { quick, summarize, table } from '../_stats.js';

/** The official package's validator, from its CommonJS build (as its own README loads it). */
const { validateRequest } = createRequire(import.meta.url)('@signalwire/compatibility-api')
  .RestClient as {
  validateRequest(
    signingKey: string,
    signature: string,
    url: string,
    params: Record<string, string>,
  ): boolean;
};

const { values: args } = parseArgs({
  options: { quick: { type: 'boolean' }, only: { type: 'string' } },
});
const only = args.only;
const ROUNDS = quick ? 3 : 5;
const TO = '+14155552671';
const FROM = '+15005550006';
const { projectId, apiToken, signingKey } = SIGNALWIRE_TEST_CREDENTIALS;

// 1. Signatures.
if (only === undefined || only === 'verify') {
  const CHECKS = quick ? 20_000 : 50_000;
  const url = 'https://app.example/webhooks/signalwire?campaign=spring&token=c2lnbmFsd2lyZQ';
  const callSid = randomUUID();
  /** A call's status callbacks as SignalWire posts them (`answered` where Twilio says in-progress). */
  const callback = (status: string, sequence: number): Record<string, string> => ({
    AccountSid: projectId,
    ApiVersion: '2010-04-01',
    CallSid: callSid,
    CallStatus: status,
    CallbackSource: 'call-progress-events',
    Direction: 'outbound-api',
    From: FROM,
    SequenceNumber: String(sequence),
    Timestamp: 'Sun, 29 Nov 2026 21:00:0' + sequence + ' +0000',
    To: TO,
    ...(status === 'completed' && { CallDuration: '42', Duration: '1' }),
  });
  const requests = ['initiated', 'ringing', 'answered', 'completed'].map((status, i) => {
    const params = callback(status, i);
    return { params, signature: computeSignalWireSignature(signingKey, url, params) };
  });
  for (const { params, signature } of requests)
    if (!validateRequest(signingKey, signature, url, params))
      throw new Error('the official validateRequest refused a callback signed for it');

  const forged = [
    {
      request: 'CallStatus changed after signing',
      params: { ...requests[3]!.params, CallStatus: 'busy' },
      signature: requests[3]!.signature,
    },
    {
      request: 'signed with another key',
      params: requests[3]!.params,
      signature: computeSignalWireSignature(`${signingKey}x`, url, requests[3]!.params),
    },
    { request: 'no signature', params: requests[3]!.params, signature: '' },
  ];
  const verdicts = forged.map(({ request, params, signature }) => {
    if (verifySignalWireSignature({ signingKey, url, params, signature }))
      throw new Error(`verifySignalWireSignature accepted a forged request: ${request}`);
    if (validateRequest(signingKey, signature, url, params))
      throw new Error(`validateRequest accepted a forged request: ${request}`);
    return { request, verifySignalWireSignature: 'refused', validateRequest: 'refused' };
  });

  const OURS = 'verifySignalWireSignature';
  const PEER = 'RestClient.validateRequest';
  const key = Buffer.from(signingKey, 'utf8');
  const runners: Record<string, () => void> = {
    [OURS]: () => {
      for (let i = 0; i < CHECKS; i += 1) {
        const { params, signature } = requests[i % 4]!;
        if (!verifySignalWireSignature({ signingKey, url, params, signature }))
          throw new Error(`${OURS} refused a genuine request`);
      }
    },
    [PEER]: () => {
      for (let i = 0; i < CHECKS; i += 1) {
        const { params, signature } = requests[i % 4]!;
        if (!validateRequest(signingKey, signature, url, params))
          throw new Error(`${PEER} refused a genuine request`);
      }
    },
    // The HMAC of one spelling of the URL and the sorted parameters, compared: what both build on.
    'node:crypto HMAC-SHA1 alone (floor)': () => {
      for (let i = 0; i < CHECKS; i += 1) {
        const { params, signature } = requests[i % 4]!;
        let data = url;
        for (const name of Object.keys(params).sort()) data += name + params[name];
        const expected = Buffer.from(createHmac('sha1', key).update(data).digest('base64'));
        const given = Buffer.from(signature);
        if (expected.length !== given.length || !timingSafeEqual(expected, given))
          throw new Error('the HMAC did not match');
      }
    },
  };
  for (const check of Object.values(runners)) check();
  const perSecond = new Map<string, number[]>();
  const cpuPerCheck = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round += 1) {
    const names = Object.keys(runners);
    if (round % 2 === 1) names.reverse();
    for (const name of names) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      runners[name]!();
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      perSecond.set(name, [...(perSecond.get(name) ?? []), CHECKS / seconds]);
      cpuPerCheck.set(name, [...(cpuPerCheck.get(name) ?? []), (used.user + used.system) / CHECKS]);
    }
  }
  const med = (values: Map<string, number[]>, name: string) => summarize(values.get(name)!).p50;
  console.log(
    `SignalWire status callbacks checked per second, a call's four callbacks in turn ` +
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
  const sim = await startSimulator('signalwire');
  const options = { spaceUrl: sim.url, projectId, apiToken, from: FROM };
  const client = createSignalWireClient(options);
  const withOptions = {
    say: 'Your appointment with Dr. Ruiz is tomorrow at 9:30 & lasts 20 minutes.',
    machineDetection: 'detect-beep',
    ringTimeoutS: 25,
    timeLimitS: 600,
  } as const;
  const callsUrl = `${sim.url}/api/laml/2010-04-01/Accounts/${projectId}/Calls.json`;
  const headers = {
    'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
    authorization: `Basic ${Buffer.from(`${projectId}:${apiToken}`).toString('base64')}`,
  };
  const form = new URLSearchParams({
    To: TO,
    From: FROM,
    Twiml: '<Response><Say>Hello. This is an automated call.</Say></Response>',
  }).toString();

  // The fetch side sends what the client sends: one placement of the client, seen on the wire.
  let sent: Request | undefined;
  await createSignalWireClient({
    ...options,
    fetch: (input, init) => {
      sent = new Request(input, init);
      return fetch(sent.clone());
    },
  }).placeCall({ to: TO });
  if (sent === undefined) throw new Error('the client sent nothing');
  const sameForm =
    sent.url === callsUrl &&
    sent.method === 'POST' &&
    sent.headers.get('authorization') === headers.authorization &&
    (await sent.text()) === form;
  if (!sameForm) throw new Error(`plain fetch would not send what the client sends (${sent.url})`);

  const runners = {
    'plain fetch': plainFetch(callsUrl, headers, form),
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
    `\nSignalWire (createSignalWireClient): placeCall against plain fetch (the same form POST, ` +
      `the same Basic auth), simulator in another process, ${CALLS} calls a run, median of ` +
      `${ROUNDS} rounds (goal: calls/s ratio ≥ 0.85)\n`,
  );
  console.log(`Options: ${JSON.stringify(withOptions)}\n`);
  table(rows);
}
