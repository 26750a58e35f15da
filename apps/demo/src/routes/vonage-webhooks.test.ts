/**
 * `POST /webhooks/vonage` with `CALL_PROVIDER=vonage`: events signed with the account's signature
 * secret reach the scheduler or the campaign, whichever placed the call; a forged, stale,
 * unsigned or tampered one is a 401 with a JSON body and changes nothing. The simulator's calls
 * take minutes per step and its own events go nowhere, so every status here comes from an event
 * the test signs.
 */
import { signVonageWebhook, VONAGE_TEST_CREDENTIALS } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import {
  api,
  eventually,
  placedCall,
  scheduledCall,
  startTestApp,
  type TestApp,
} from '../_test-utils.js';

const { signatureSecret } = VONAGE_TEST_CREDENTIALS;
// Its own events are dropped: every status comes from an event the test sends.
const SLOW = { stepMs: 600_000, deliverVonageWebhook: async () => {} };

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function startVonageApp(env: Record<string, string> = {}) {
  return startTestApp({
    vonage: SLOW,
    env: {
      PUBLIC_URL: 'https://demo.example',
      DIALER_NUMBERS: '13018040009',
      DIALER_CONCURRENCY: '1',
      ...env,
    },
  });
}

/** An event of a call the app placed, as Vonage sends it. */
function event(uuid: string, status: string, extra: Record<string, unknown> = {}) {
  return {
    from: '14155550100',
    to: '14155552671',
    uuid,
    conversation_uuid: `CON-${uuid}`,
    status,
    direction: 'outbound',
    timestamp: new Date().toISOString(),
    ...extra,
  };
}

/**
 * Posts `body` as Vonage does, signed over `signedBody` (the body itself unless told) with
 * `secret`; `authorization: null` sends none.
 */
async function post(
  body: unknown,
  options: {
    secret?: string;
    signedBody?: unknown;
    issuedAt?: number;
    authorization?: string | null;
  } = {},
) {
  const rawBody = JSON.stringify(body);
  const signed = options.signedBody === undefined ? rawBody : JSON.stringify(options.signedBody);
  const authorization =
    options.authorization === undefined
      ? signVonageWebhook({
          signatureSecret: options.secret ?? signatureSecret,
          rawBody: signed,
          ...(options.issuedAt === undefined ? {} : { issuedAt: options.issuedAt }),
        }).authorization
      : options.authorization;
  const res = await fetch(`${app!.url}/webhooks/vonage`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authorization === null ? {} : { authorization }),
    },
    body: rawBody,
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
}

const placed = () => placedCall(app!.url);
const scheduled = (id: string) => scheduledCall(app!.url, id);

describe('POST /webhooks/vonage', () => {
  it('applies validly signed events to the scheduled call they are about', async () => {
    app = await startVonageApp();
    const call = await placed();
    expect((await post(event(call.provider_call_id, 'ringing'))).status).toBe(204);
    expect((await scheduled(call.id)).status).toBe('ringing');
    expect((await post(event(call.provider_call_id, 'answered'))).status).toBe(204);
    expect((await scheduled(call.id)).status).toBe('answered');
    const done = event(call.provider_call_id, 'completed', { duration: '42' });
    expect((await post(done)).status).toBe(204);
    const ended = await scheduled(call.id);
    expect(ended.status).toBe('completed');
    expect(ended.timeline.map((step) => step.status)).toEqual(
      expect.arrayContaining(['ringing', 'answered', 'completed']),
    );
  });

  it('refuses a forged, tampered, stale or unsigned event with 401 and a JSON body, and changes nothing', async () => {
    app = await startVonageApp();
    const call = await placed();
    const before = await scheduled(call.id);
    const done = event(call.provider_call_id, 'completed', { duration: '5' });
    const token = signVonageWebhook({ signatureSecret, rawBody: JSON.stringify(done) });

    const refused = [
      await post(done, { secret: 'not-the-signature-secret' }),
      // Signed for a busy call, sent as completed: the payload_hash is not the body's.
      await post(done, { signedBody: { ...done, status: 'busy' } }),
      await post(done, { issuedAt: Math.floor(Date.now() / 1000) - 3600 }),
      await post(done, { authorization: null }),
      await post(done, { authorization: 'Bearer not.a.token' }),
      await post(done, { authorization: token.authorization.replace('Bearer ', 'Basic ') }),
    ];
    expect(refused.map((res) => res.status)).toEqual(refused.map(() => 401));
    for (const res of refused) expect(res.json).toMatchObject({ error: { code: 'unauthorized' } });
    expect(await scheduled(call.id)).toEqual(before);
  });

  it('never moves a status back for a late or repeated event', async () => {
    app = await startVonageApp();
    const call = await placed();
    const done = event(call.provider_call_id, 'completed', { duration: '7' });
    for (const body of [event(call.provider_call_id, 'answered'), done, done]) {
      expect((await post(body)).status).toBe(204);
    }
    for (const status of ['ringing', 'started', 'answered']) {
      expect((await post(event(call.provider_call_id, status))).status).toBe(204);
    }
    const after = await scheduled(call.id);
    expect(after.status).toBe('completed');
    expect(after.timeline.filter((step) => step.status === 'completed')).toHaveLength(1);
  });

  it("gives a campaign call's events to its campaign", async () => {
    app = await startVonageApp();
    expect((await api(`${app.url}/api/dialer/start`, { method: 'POST' })).status).toBe(202);
    const callId = (await eventually(async () => {
      const { json } = await api(`${app!.url}/api/dialer`);
      return json.entries[0].call_id as string | null;
    }))!;
    expect((await post(event(callId, 'answered', { to: '13018040009' }))).status).toBe(204);
    expect((await api(`${app.url}/api/dialer`)).json.entries[0].status).toBe('answered');
    const forged = await post(event(callId, 'completed'), { secret: 'forged-secret-0123' });
    expect(forged.status).toBe(401);
    expect((await api(`${app.url}/api/dialer`)).json.entries[0].status).toBe('answered');
    expect((await post(event(callId, 'completed', { duration: '3' }))).status).toBe(204);
    const { json } = await api(`${app.url}/api/dialer`);
    expect(json.state).toBe('done');
    expect(json.entries[0].status).toBe('completed');
    expect((await api(`${app.url}/api/scheduled-calls`)).json.items).toEqual([]);
  });

  it('answers another method with 405 and the methods each route takes', async () => {
    app = await startVonageApp();
    const events = await api(`${app.url}/webhooks/vonage`);
    expect(events.status).toBe(405);
    expect(events.headers.get('allow')).toBe('POST');
    const answer = await api(`${app.url}/webhooks/vonage/answer`, { method: 'PUT', body: {} });
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('GET, POST, HEAD');
    expect(answer.json).toMatchObject({ error: { code: 'method_not_allowed' } });
  });

  it('does not exist with the mock provider', async () => {
    app = await startTestApp();
    const res = await api(`${app.url}/webhooks/vonage`, { method: 'POST', body: { uuid: 'x' } });
    expect(res.status).toBe(404);
    const answer = await api(`${app.url}/webhooks/vonage/answer?uuid=x`);
    expect(answer.status).toBe(404);
  });
});
