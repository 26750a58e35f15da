import { createHash, generateKeyPairSync } from 'node:crypto';
import { isInvalidOptionsError } from '@ringkit/call-client';
import { tokenGenerate, verifySignature } from '@vonage/jwt';
import { afterEach, describe, expect, it } from 'vitest';
import { signHs256 } from './_vonage-jwt.js';
import {
  signVonageWebhook,
  startCallApiSimulator,
  VONAGE_TEST_CREDENTIALS,
  type CallApiSimulator,
  type SimulatorEvent,
  type SimulatorOptions,
} from './index.js';

const { applicationId, privateKey, signatureSecret } = VONAGE_TEST_CREDENTIALS;
const open: CallApiSimulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sim) => sim.close()));
});

const token = (
  options: Record<string, unknown> = {},
  key: string = privateKey,
  app = applicationId,
) => tokenGenerate(app, key, options);
const GOOD_BODY = {
  to: [{ type: 'phone', number: '14155552671' }],
  from: { type: 'phone', number: '15005550006' },
  ncco: [{ action: 'talk', text: 'Hello' }],
};

async function start(options: Omit<SimulatorOptions, 'flavour'> = {}) {
  const rejected: SimulatorEvent[] = [];
  const sim = await startCallApiSimulator({
    flavour: 'vonage',
    stepMs: 10,
    seed: 3,
    onEvent: (event) => {
      if (event.type === 'rejected') rejected.push(event);
    },
    ...options,
  });
  open.push(sim);
  return { sim, rejected };
}

async function send(
  sim: CallApiSimulator,
  method: string,
  path: string,
  init: { body?: unknown; raw?: string; type?: string; auth?: string | null } = {},
) {
  const headers: Record<string, string> = {};
  const auth = init.auth === undefined ? `Bearer ${token()}` : init.auth;
  if (auth !== null) headers.authorization = auth;
  const body = init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  if (body !== undefined) headers['content-type'] = init.type ?? 'application/json';
  const response = await fetch(`${sim.url}${path}`, { method, headers, body });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  };
}

describe('the Vonage flavour refuses', () => {
  const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  const now = Math.floor(Date.now() / 1000);
  const cases: Array<[string, string | null, RegExp]> = [
    ['no Authorization header', null, /no Authorization: Bearer/],
    ['Basic auth', 'Basic YTpi', /no Authorization: Bearer/],
    ['a bearer that is no JWT', 'Bearer abc', /not a JWT/],
    [
      'a JWT signed with another private key',
      `Bearer ${token({}, otherKey)}`,
      /signature does not match/,
    ],
    [
      'a JWT of another application',
      `Bearer ${token({}, privateKey, 'other-app')}`,
      /application_id is not/,
    ],
    ['an expired JWT', `Bearer ${token({ issued_at: now - 7200, ttl: -3600 })}`, /expired/],
    ['a JWT issued in the future', `Bearer ${token({ issued_at: now + 3600 })}`, /iat/],
    [
      'a JWT signed HS256 (as webhooks are)',
      `Bearer ${signHs256({ application_id: applicationId, iat: now, jti: 'x' }, signatureSecret)}`,
      /RS256, not HS256/,
    ],
  ];
  it.each(cases)(
    "%s with 401 in Vonage's error shape, and makes no call",
    async (_, auth, detail) => {
      const { sim, rejected } = await start();
      const res = await send(sim, 'POST', '/v1/calls', { body: GOOD_BODY, auth });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({
        type: 'https://developer.vonage.com/api-errors#unauthorized',
        title: 'Unauthorized',
        detail: expect.stringMatching(detail),
        instance: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      expect(sim.calls()).toEqual([]);
      expect(rejected).toMatchObject([{ httpStatus: 401, code: 'unauthorized' }]);
    },
  );

  const bodies: Array<[string, unknown, string]> = [
    ['no to', { ...GOOD_BODY, to: undefined }, 'to'],
    ['two endpoints', { ...GOOD_BODY, to: [GOOD_BODY.to[0], GOOD_BODY.to[0]] }, 'to'],
    [
      'a number that is no phone number',
      { ...GOOD_BODY, to: [{ type: 'phone', number: '12ab' }] },
      'to.0.number',
    ],
    ['a SIP endpoint', { ...GOOD_BODY, to: [{ type: 'sip', uri: 'sip:a@b' }] }, 'to.0.type'],
    ['no from', { ...GOOD_BODY, from: undefined }, 'from'],
    ['both ncco and answer_url', { ...GOOD_BODY, answer_url: ['https://example.com/a'] }, 'ncco'],
    ['neither ncco nor answer_url', { ...GOOD_BODY, ncco: undefined }, 'ncco'],
    ['a talk without text', { ...GOOD_BODY, ncco: [{ action: 'talk' }] }, 'ncco.0.text'],
    ['an unknown NCCO action', { ...GOOD_BODY, ncco: [{ action: 'dance' }] }, 'ncco.0.action'],
    [
      'an event_url that is a string',
      { ...GOOD_BODY, event_url: 'https://example.com/e' },
      'event_url',
    ],
    ['an event_url that is no URL', { ...GOOD_BODY, event_url: ['ftp://x'] }, 'event_url.0'],
    ['event_method GET', { ...GOOD_BODY, event_method: 'GET' }, 'event_method'],
    ['a ringing_timer of 0', { ...GOOD_BODY, ringing_timer: 0 }, 'ringing_timer'],
    ['a ringing_timer of 121', { ...GOOD_BODY, ringing_timer: 121 }, 'ringing_timer'],
    ['a length_timer of 1.5', { ...GOOD_BODY, length_timer: 1.5 }, 'length_timer'],
    [
      'an unknown machine_detection',
      { ...GOOD_BODY, machine_detection: 'maybe' },
      'machine_detection',
    ],
    ['a key Vonage does not have', { ...GOOD_BODY, timeout: 30 }, 'timeout'],
    ['a camel-case key', { ...GOOD_BODY, eventUrl: ['https://example.com/e'] }, 'eventUrl'],
  ];
  it.each(bodies)('a create with %s with 400 naming the field', async (_, body, field) => {
    const { sim } = await start();
    const res = await send(sim, 'POST', '/v1/calls', { body });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      type: 'https://developer.vonage.com/api-errors#bad-request',
      title: 'Bad Request',
      instance: expect.any(String),
    });
    const names = (res.body?.invalid_parameters as Array<{ name: string }>).map((p) => p.name);
    expect(names).toContain(field);
    expect(sim.calls()).toEqual([]);
  });

  it('a body that is not JSON (400), not an object (400), or not application/json (415)', async () => {
    const { sim } = await start();
    expect((await send(sim, 'POST', '/v1/calls', { raw: '{"to":' })).status).toBe(400);
    expect((await send(sim, 'POST', '/v1/calls', { raw: '[1]' })).status).toBe(400);
    const form = await send(sim, 'POST', '/v1/calls', {
      raw: 'to=1',
      type: 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    expect(form.body?.type).toBe('https://developer.vonage.com/api-errors#unsupported-media-type');
    expect(sim.calls()).toEqual([]);
  });

  it('an unknown uuid with 404 on GET and PUT, and an unknown route with 404', async () => {
    const { sim } = await start();
    const uuid = '0b4b0f1e-0000-4000-8000-000000000000';
    for (const res of [
      await send(sim, 'GET', `/v1/calls/${uuid}`),
      await send(sim, 'PUT', `/v1/calls/${uuid}`, { body: { action: 'hangup' } }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({
        type: 'https://developer.vonage.com/api-errors#not-found',
        title: 'Not Found',
        detail: expect.stringContaining(uuid),
      });
    }
    expect((await send(sim, 'GET', '/v2/calls')).status).toBe(404);
    const wrong = await send(sim, 'DELETE', `/v1/calls/${uuid}`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, PUT');
  });

  it('a modify other than hangup, and a hangup of a call that ended, with 400', async () => {
    const { sim } = await start({ outcomes: { busy: 1 } });
    const created = await send(sim, 'POST', '/v1/calls', { body: GOOD_BODY });
    expect(created.status).toBe(201);
    const uuid = String(created.body?.uuid);
    const mute = await send(sim, 'PUT', `/v1/calls/${uuid}`, { body: { action: 'mute' } });
    expect(mute.status).toBe(400);
    expect(mute.body?.invalid_parameters).toEqual([
      { name: 'action', reason: expect.stringContaining('hangup') },
    ]);
    await expect.poll(() => sim.calls()[0]?.status, { timeout: 5000, interval: 5 }).toBe('busy');
    const late = await send(sim, 'PUT', `/v1/calls/${uuid}`, { body: { action: 'hangup' } });
    expect(late.status).toBe(400);
    expect(late.body?.detail).toMatch(/already ended \(busy\)/);
  });

  const queries: Array<[string, string]> = [
    ['page_size=0', 'page_size'],
    ['page_size=101', 'page_size'],
    ['record_index=-1', 'record_index'],
    ['order=up', 'order'],
    ['status=bogus', 'status'],
    ['date_start=yesterday', 'date_start'],
    ['limit=5', 'limit'],
    ['status=busy&status=failed', 'status'],
  ];
  it.each(queries)('a list with %s with 400', async (query, field) => {
    const { sim } = await start();
    const res = await send(sim, 'GET', `/v1/calls?${query}`);
    expect(res.status).toBe(400);
    expect((res.body?.invalid_parameters as Array<{ name: string }>).map((p) => p.name)).toContain(
      field,
    );
  });

  it('a create with 503 and retry-after 0 when errorRate says so, as every flavour, and makes no call', async () => {
    const { sim } = await start({ errorRate: 1 });
    const res = await send(sim, 'POST', '/v1/calls', { body: GOOD_BODY });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('0');
    expect(res.body?.type).toBe('https://developer.vonage.com/api-errors#service-unavailable');
    expect(sim.calls()).toEqual([]);
  });
});

describe('the Vonage flavour', () => {
  it('takes the application it is given: a JWT signed with its key is accepted, one signed with the test key refused', async () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ownKey = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const publicKey = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const { sim } = await start({ vonage: { applicationId: 'app-2', publicKey } });
    const own = await send(sim, 'POST', '/v1/calls', {
      body: GOOD_BODY,
      auth: `Bearer ${token({}, ownKey, 'app-2')}`,
    });
    expect(own.status).toBe(201);
    expect((await send(sim, 'GET', '/v1/calls')).status).toBe(401);
  });

  it('refuses knobs that are not its own, and a public key that is not an RSA public key', async () => {
    for (const options of [
      { flavour: 'vonage' as const, vonage: { publicKey: privateKey } },
      { flavour: 'vonage' as const, vonage: { signatureSecret: '' } },
      { flavour: 'twilio' as const, vonage: {} },
      { flavour: 'vonage' as const, telnyx: { apiKey: 'k', connectionId: 'c' } },
    ]) {
      const error = await startCallApiSimulator(options).then(
        (sim) => sim.close(),
        (e: unknown) => e,
      );
      expect(isInvalidOptionsError(error)).toBe(true);
    }
  });
});

describe('signVonageWebhook', () => {
  it("signs a token verifySignature accepts, whose payload_hash is the body's SHA-256", () => {
    const rawBody = JSON.stringify({ status: 'ringing' });
    const { authorization } = signVonageWebhook({
      signatureSecret,
      rawBody,
      issuedAt: 1_700_000_000,
      jti: 'j-1',
    });
    const jwt = authorization.replace(/^Bearer /, '');
    expect(verifySignature(jwt, signatureSecret)).toBe(true);
    expect(verifySignature(jwt, 'another secret')).toBe(false);
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(claims).toEqual({
      iat: 1_700_000_000,
      jti: 'j-1',
      iss: 'Vonage',
      api_key: VONAGE_TEST_CREDENTIALS.apiKey,
      application_id: applicationId,
      payload_hash: createHash('sha256').update(rawBody).digest('hex'),
    });
  });

  it('refuses bad options with an InvalidOptionsError', () => {
    for (const options of [
      { signatureSecret: '', rawBody: '{}' },
      { signatureSecret: 's', rawBody: 1 },
      { signatureSecret: 's', rawBody: '{}', issuedAt: -1 },
      { signatureSecret: 's', rawBody: '{}', extra: true },
    ]) {
      let error: unknown;
      try {
        signVonageWebhook(options as never);
      } catch (e) {
        error = e;
      }
      expect(isInvalidOptionsError(error)).toBe(true);
    }
  });
});
