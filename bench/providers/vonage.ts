/**
 * Vonage (the Voice API), beside the official `@vonage/jwt` and plain `fetch`:
 *
 * 1. Event webhooks checked per second: `verifyVonageSignature` beside `@vonage/jwt`'s
 *    `verifySignature` (alone, and followed by the `payload_hash` comparison a receiver must add:
 *    the official verifier does not read it), on the same signed events (a call's four, in turn),
 *    alternated over several rounds (median round), with the CPU spent per check, and the
 *    HMAC-SHA256 of the token alone (`node:crypto`) as a floor. Forged webhooks (a body changed
 *    after signing, another secret, `alg: none`, changed claims) are tried on both once.
 * 2. `placeCall` of `createVonageClient` beside plain `fetch` sending the same JSON
 *    `POST /v1/calls` with an RS256 JWT, against the Vonage flavour of the simulator in a process
 *    of its own, at concurrency 1 and 10, as `telnyx.ts` does. Each side signs its own tokens:
 *    the client one every 14 minutes (its tokens live 15), set on each request; plain `fetch`
 *    one with `@vonage/jwt`'s `tokenGenerate` when it starts and every minute after, as a careful
 *    caller would; so neither signs one per call.
 * 3. `parseVonageEvent` events/s.
 *
 *   pnpm --filter @ringkit/bench exec tsx providers/vonage.ts [--quick] [--only verify|place|parse]
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  createVonageClient,
  parseVonageEvent,
  verifyVonageSignature,
} from '@ringkit/call-client/vonage';
import { signVonageWebhook, VONAGE_TEST_CREDENTIALS } from '@ringkit/simulator';
import { tokenGenerate, verifySignature } from '@vonage/jwt';
import { compareRunners, run, startSimulator, type Place } from './_placement.js';
import { quick, summarize, table } from '../_stats.js';

const { values: args } = parseArgs({
  options: { quick: { type: 'boolean' }, only: { type: 'string' } },
});
const only = args.only;
const ROUNDS = quick ? 3 : 5;
const TO = '+14155552671';
const FROM = '+14155550100';
const { applicationId, privateKey, signatureSecret } = VONAGE_TEST_CREDENTIALS;

/** A call's event as Vonage posts it to the event URL. */
const callUuid = randomUUID();
const conversationUuid = `CON-${randomUUID()}`;
const event = (status: string, extra: Record<string, unknown> = {}) => ({
  from: FROM.slice(1),
  to: TO.slice(1),
  uuid: callUuid,
  conversation_uuid: conversationUuid,
  status,
  direction: 'outbound',
  timestamp: '2026-11-29T21:00:42.123Z',
  ...extra,
});
const events = [
  event('started'),
  event('ringing'),
  event('answered', { start_time: null, rate: null, network: null }),
  event('completed', {
    duration: '42',
    rate: '0.01400000',
    price: '0.01400000',
    network: '310260',
    start_time: '2026-11-29T21:00:00.000Z',
    end_time: '2026-11-29T21:00:42.000Z',
  }),
];

// 1. Signatures.
if (only === undefined || only === 'verify') {
  const CHECKS = quick ? 20_000 : 50_000;
  const bodies = events.map((e) => JSON.stringify(e));
  /** The four webhooks signed now (a check refuses an `iat` more than 300 s away). */
  const signed = () =>
    bodies.map((rawBody) => {
      const { authorization } = signVonageWebhook({ signatureSecret, rawBody });
      return { rawBody, authorization, token: authorization.slice('Bearer '.length) };
    });
  const sha256Hex = (body: string) => createHash('sha256').update(body).digest('hex');
  const claimsOf = (token: string) =>
    JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
  /** What a receiver using the official package must do: its verifier, then the body's hash. */
  const officialWithHash = (token: string, rawBody: string) => {
    if (!verifySignature(token, signatureSecret)) return false;
    const hash = Buffer.from(String(claimsOf(token)['payload_hash']));
    const actual = Buffer.from(sha256Hex(rawBody));
    return hash.length === actual.length && timingSafeEqual(hash, actual);
  };

  // Forged webhooks, once each.
  const genuine = signed()[3]!;
  const [head, claims] = genuine.token.split('.') as [string, string, string];
  const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  const changedClaims = Buffer.from(
    JSON.stringify({ ...claimsOf(genuine.token), api_key: 'someone-else' }),
  ).toString('base64url');
  const otherSecret = signVonageWebhook({
    signatureSecret: `${signatureSecret}x`,
    rawBody: genuine.rawBody,
  });
  const forged = [
    {
      request: 'body changed after signing',
      rawBody: bodies[3]!.replace('"42"', '"4200"'),
      token: genuine.token,
    },
    {
      request: 'signed with another secret',
      rawBody: genuine.rawBody,
      token: otherSecret.authorization.slice('Bearer '.length),
    },
    { request: 'alg none, no signature', rawBody: genuine.rawBody, token: `${none}.${claims}.` },
    {
      request: 'claims changed after signing',
      rawBody: genuine.rawBody,
      token: `${head}.${changedClaims}.${genuine.token.split('.')[2]!}`,
    },
  ];
  const verdict = (accepted: boolean) => (accepted ? 'ACCEPTED' : 'refused');
  const verdicts = forged.map(({ request, rawBody, token }) => {
    const ours = verifyVonageSignature({ signatureSecret, token, rawBody });
    if (ours.valid) throw new Error(`verifyVonageSignature accepted a forged webhook: ${request}`);
    if (request !== 'body changed after signing' && verifySignature(token, signatureSecret))
      throw new Error(`verifySignature accepted a forged webhook: ${request}`);
    if (officialWithHash(token, rawBody))
      throw new Error(`verifySignature + payload_hash accepted a forged webhook: ${request}`);
    return {
      request,
      verifyVonageSignature: `refused (${ours.reason})`,
      verifySignature: verdict(verifySignature(token, signatureSecret)),
      'verifySignature + payload_hash': 'refused',
    };
  });

  const OURS = 'verifyVonageSignature';
  type Webhook = ReturnType<typeof signed>[number];
  const key = Buffer.from(signatureSecret, 'utf8');
  const runners: Record<string, (webhooks: Webhook[]) => void> = {
    [OURS]: (webhooks) => {
      for (let i = 0; i < CHECKS; i += 1) {
        const { rawBody, authorization } = webhooks[i % 4]!;
        if (!verifyVonageSignature({ signatureSecret, authorization, rawBody }).valid)
          throw new Error(`${OURS} refused a genuine webhook`);
      }
    },
    '@vonage/jwt verifySignature': (webhooks) => {
      for (let i = 0; i < CHECKS; i += 1)
        if (!verifySignature(webhooks[i % 4]!.token, signatureSecret))
          throw new Error('verifySignature refused a genuine webhook');
    },
    'verifySignature + payload_hash': (webhooks) => {
      for (let i = 0; i < CHECKS; i += 1) {
        const { token, rawBody } = webhooks[i % 4]!;
        if (!officialWithHash(token, rawBody))
          throw new Error('verifySignature + payload_hash refused a genuine webhook');
      }
    },
    // The HMAC-SHA256 of the token's first two parts, compared: what both build on.
    'node:crypto HMAC-SHA256 alone (floor)': (webhooks) => {
      for (let i = 0; i < CHECKS; i += 1) {
        const { token } = webhooks[i % 4]!;
        const dot = token.lastIndexOf('.');
        const expected = Buffer.from(
          createHmac('sha256', key).update(token.slice(0, dot)).digest('base64url'),
        );
        const given = Buffer.from(token.slice(dot + 1));
        if (expected.length !== given.length || !timingSafeEqual(expected, given))
          throw new Error('the HMAC did not match');
      }
    },
  };
  for (const check of Object.values(runners)) check(signed());
  const perSecond = new Map<string, number[]>();
  const cpuPerCheck = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round += 1) {
    const webhooks = signed();
    const names = Object.keys(runners);
    if (round % 2 === 1) names.reverse();
    for (const name of names) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      runners[name]!(webhooks);
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      perSecond.set(name, [...(perSecond.get(name) ?? []), CHECKS / seconds]);
      cpuPerCheck.set(name, [...(cpuPerCheck.get(name) ?? []), (used.user + used.system) / CHECKS]);
    }
  }
  const med = (values: Map<string, number[]>, name: string) => summarize(values.get(name)!).p50;
  console.log(
    `Vonage event webhooks checked per second, a call's four events in turn ` +
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
  console.log('\nForged webhooks, once each (verifySignature alone does not read payload_hash):\n');
  table(verdicts);
}

// 2. placeCall beside plain fetch, the simulator in another process.
if (only === undefined || only === 'place') {
  const CALLS = quick ? 1_000 : 2_000;
  const WARMUP = 1_000;
  const sim = await startSimulator('vonage');
  const options = { applicationId, privateKey, from: FROM, baseUrl: sim.url };
  const client = createVonageClient(options);
  const callsUrl = `${sim.url}/v1/calls`;
  /** The body the client sends for a bare call: the default NCCO, numbers without their `+`. */
  const body = JSON.stringify({
    to: [{ type: 'phone', number: TO.slice(1) }],
    from: { type: 'phone', number: FROM.slice(1) },
    ncco: [{ action: 'talk', text: 'Hello. This is an automated call.' }],
  });

  // The fetch side sends what the client sends: one placement of the client, seen on the wire.
  let sent: Request | undefined;
  await createVonageClient({
    ...options,
    fetch: (input, init) => {
      sent = new Request(input, init);
      return fetch(sent.clone());
    },
  }).placeCall({ to: TO });
  if (sent === undefined) throw new Error('the client sent nothing');
  const sameBody =
    sent.url === callsUrl &&
    sent.method === 'POST' &&
    /^application\/json/.test(sent.headers.get('content-type') ?? '') &&
    /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/.test(sent.headers.get('authorization') ?? '') &&
    JSON.stringify(JSON.parse(await sent.text())) === body;
  if (!sameBody) throw new Error(`plain fetch would not send what the client sends (${sent.url})`);

  /** Plain fetch with a token of `@vonage/jwt`, signed anew once it is a minute old. */
  const plainFetchWithJwt = (): Place => {
    let token = '';
    let signedAt = -Infinity;
    return async () => {
      const now = Date.now();
      if (now - signedAt >= 60_000) {
        token = tokenGenerate(applicationId, privateKey);
        signedAt = now;
      }
      const response = await fetch(callsUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.json();
    };
  };
  const runners = {
    'plain fetch': plainFetchWithJwt(),
    'ringkit placeCall': () => client.placeCall({ to: TO }),
  };
  for (const place of Object.values(runners)) await run(place, WARMUP, 8);
  const rows = await compareRunners(runners, {
    calls: CALLS,
    rounds: ROUNDS,
    concurrency: [1, 10],
  });
  await sim.close();
  console.log(
    `\nVonage (createVonageClient): placeCall against plain fetch (the same JSON POST /v1/calls, ` +
      `a JWT each side signs itself), simulator in another process, ${CALLS} calls a run, ` +
      `median of ${ROUNDS} rounds (goal: calls/s ratio ≥ 0.85)\n`,
  );
  table(rows);
}

// 3. parseVonageEvent.
if (only === undefined || only === 'parse') {
  const EVENTS = quick ? 200_000 : 1_000_000;
  const texts = events.map((e) => JSON.stringify(e));
  for (let i = 0; i < 50_000; i += 1)
    if (parseVonageEvent(events[i % 4]) === null) throw new Error('an event was not read');
  const time = (parse: (i: number) => unknown) => {
    const t0 = performance.now();
    for (let i = 0; i < EVENTS; i += 1) parse(i);
    return (performance.now() - t0) / 1000;
  };
  const seconds = time((i) => parseVonageEvent(events[i % 4]));
  const textSeconds = time((i) => parseVonageEvent(texts[i % 4]));
  console.log(`\nparseVonageEvent, ${EVENTS} events (4 kinds, in turn)\n`);
  table([
    { input: 'parsed object', 'events/s': EVENTS / seconds, 'µs/event': (seconds * 1e6) / EVENTS },
    {
      input: 'JSON text',
      'events/s': EVENTS / textSeconds,
      'µs/event': (textSeconds * 1e6) / EVENTS,
    },
  ]);
}
