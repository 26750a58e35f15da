/**
 * `POST /webhooks/twilio` with `CALL_PROVIDER=twilio`: signed callbacks reach the scheduler or
 * the dialer, whichever placed the call; anything unsigned or signed wrong is a 403 and changes
 * nothing. The simulator's calls take minutes per step and its own callbacks go nowhere, so
 * every status here comes from a callback the test signs.
 */
import { TWILIO_TEST_CREDENTIALS } from '@ringkit/simulator';
import { computeTwilioSignature } from '@ringkit/call-client/twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually, startTestApp, type TestApp } from '../_test-utils.js';

const PUBLIC_URL = 'https://demo.example';
const SIGNED_URL = `${PUBLIC_URL}/webhooks/twilio`;
const { accountSid, authToken } = TWILIO_TEST_CREDENTIALS;
// Its own callbacks are dropped: every status comes from a callback the test sends.
const SLOW = { stepMs: 600_000, callsPerSecond: 100, deliverStatusCallback: async () => {} };

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function startTwilioApp(env: Record<string, string> = {}) {
  return startTestApp({
    twilio: SLOW,
    env: { PUBLIC_URL, DIALER_NUMBERS: '13018040009', DIALER_CONCURRENCY: '1', ...env },
  });
}

let sequence = 0;

/** A status callback's parameters, as Twilio sends them. */
function callback(callSid: string, status: string, extra: Record<string, string> = {}) {
  return {
    AccountSid: accountSid,
    ApiVersion: '2010-04-01',
    CallSid: callSid,
    CallStatus: status,
    Called: '+14155552671',
    Caller: '+14155550100',
    Direction: 'outbound-api',
    From: '+14155550100',
    To: '+14155552671',
    SequenceNumber: String(sequence++),
    Timestamp: new Date().toUTCString(),
    ...extra,
  };
}

/** Posts a form the way Twilio does, signed for `signedUrl` with `token` unless told otherwise. */
function post(
  params: Record<string, string>,
  options: {
    token?: string;
    signedUrl?: string;
    signature?: string | null;
    tamper?: Record<string, string>;
    headers?: Record<string, string>;
  } = {},
) {
  const signature =
    options.signature === undefined
      ? computeTwilioSignature(options.token ?? authToken, options.signedUrl ?? SIGNED_URL, params)
      : options.signature;
  const sent = { ...params, ...options.tamper };
  return fetch(`${app!.url}/webhooks/twilio`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature === null ? {} : { 'x-twilio-signature': signature }),
      ...options.headers,
    },
    body: new URLSearchParams(sent).toString(),
  });
}

/** Schedules a call due now and resolves with it once Twilio's simulator gave it a CallSid. */
async function placedCall() {
  const created = await api(`${app!.url}/api/scheduled-calls`, {
    method: 'POST',
    body: { phone_number: '+14155552671', scheduled_time: new Date().toISOString() },
  });
  expect(created.status).toBe(201);
  const call = await eventually(async () => {
    const { json } = await api(`${app!.url}/api/scheduled-calls/${created.json.id}`);
    return json.provider_call_id ? (json as { id: string; provider_call_id: string }) : null;
  });
  return call!;
}

const scheduled = async (id: string) =>
  (await api(`${app!.url}/api/scheduled-calls/${id}`)).json as {
    status: string;
    version: number;
    timeline: { status: string }[];
  };

describe('POST /webhooks/twilio', () => {
  it('applies validly signed callbacks to the scheduled call they are about', async () => {
    app = await startTwilioApp();
    const call = await placedCall();
    expect(call.provider_call_id).toMatch(/^CA[0-9a-f]{32}$/);

    const ringing = await post(callback(call.provider_call_id, 'ringing'));
    expect(ringing.status).toBeLessThan(300);
    expect((await scheduled(call.id)).status).toBe('ringing');

    expect((await post(callback(call.provider_call_id, 'in-progress'))).status).toBeLessThan(300);
    expect((await scheduled(call.id)).status).toBe('answered');

    const done = await post(callback(call.provider_call_id, 'completed', { CallDuration: '42' }));
    expect(done.status).toBeLessThan(300);
    const ended = await scheduled(call.id);
    expect(ended.status).toBe('completed');
    expect(ended.timeline.map((step) => step.status)).toEqual(
      expect.arrayContaining(['ringing', 'answered', 'completed']),
    );
  });

  it('refuses a tampered, wrongly signed or unsigned callback with 403 and changes nothing', async () => {
    app = await startTwilioApp();
    const call = await placedCall();
    const before = await scheduled(call.id);
    const params = callback(call.provider_call_id, 'completed', { CallDuration: '5' });

    const refused = [
      await post(params, { tamper: { CallStatus: 'busy' } }),
      await post(params, { tamper: { CallDuration: '500' } }),
      await post(params, { token: 'not-the-account-auth-token' }),
      await post(params, { signedUrl: 'https://elsewhere.example/webhooks/twilio' }),
      await post(params, { signature: null }),
      await post(params, { signature: '' }),
      await post(params, { signature: 'bm90IGEgc2lnbmF0dXJl' }),
      // Validly signed, but about another account.
      await post({ ...params, AccountSid: `AC${'9'.repeat(32)}` }),
    ];
    expect(refused.map((res) => res.status)).toEqual(refused.map(() => 403));
    expect(await scheduled(call.id)).toEqual(before);
  });

  it('never moves a status back for a late or repeated callback', async () => {
    app = await startTwilioApp();
    const call = await placedCall();
    for (const status of ['ringing', 'in-progress']) {
      expect((await post(callback(call.provider_call_id, status))).status).toBeLessThan(300);
    }
    const completed = callback(call.provider_call_id, 'completed', { CallDuration: '7' });
    expect((await post(completed)).status).toBeLessThan(300);
    const ended = await scheduled(call.id);
    expect(ended.status).toBe('completed');

    // The same callback again (Twilio may retry), then stages that arrive late.
    expect((await post(completed)).status).toBeLessThan(300);
    for (const status of ['ringing', 'initiated', 'in-progress']) {
      expect((await post(callback(call.provider_call_id, status))).status).toBeLessThan(300);
    }
    const after = await scheduled(call.id);
    expect(after.status).toBe('completed');
    expect(after.timeline.filter((step) => step.status === 'completed')).toHaveLength(1);
  });

  it("gives a dialer call's callbacks to the dialer", async () => {
    app = await startTwilioApp();
    expect((await api(`${app.url}/api/dialer/start`, { method: 'POST' })).status).toBe(202);
    const callId = (await eventually(async () => {
      const { json } = await api(`${app!.url}/api/dialer`);
      return json.entries[0].call_id as string | null;
    }))!;
    for (const status of ['ringing', 'in-progress']) {
      expect((await post(callback(callId, status))).status).toBeLessThan(300);
    }
    expect((await api(`${app.url}/api/dialer`)).json.entries[0].status).toBe('answered');
    // A forged end is refused and the call stays answered.
    expect((await post(callback(callId, 'completed'), { token: 'forged-token' })).status).toBe(403);
    expect((await api(`${app.url}/api/dialer`)).json.entries[0].status).toBe('answered');

    expect((await post(callback(callId, 'completed', { CallDuration: '3' }))).status).toBeLessThan(
      300,
    );
    const { json } = await api(`${app.url}/api/dialer`);
    expect(json.state).toBe('done');
    expect(json.entries[0].status).toBe('completed');
    // It is the dialer's call, not a scheduled one.
    expect((await api(`${app.url}/api/scheduled-calls`)).json.items).toEqual([]);
  });

  it('checks the URL a trusted proxy names only with TRUST_PROXY=1', async () => {
    const proxied = {
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'proxy.example',
    };
    const signedUrl = 'https://proxy.example/webhooks/twilio';
    for (const [trust, expected] of [
      ['0', 403],
      ['1', 200],
    ] as const) {
      // The proxy's name is one the server answers to (the Host check reads it with TRUST_PROXY).
      app = await startTwilioApp({ TRUST_PROXY: trust, ALLOWED_HOSTS: 'proxy.example' });
      const call = await placedCall();
      const res = await post(callback(call.provider_call_id, 'ringing'), {
        signedUrl,
        headers: proxied,
      });
      expect(res.status === 200 || res.status === 204 ? 200 : res.status).toBe(expected);
      expect((await scheduled(call.id)).status).toBe(expected === 200 ? 'ringing' : 'initiated');
      await app.close();
      app = undefined;
    }
  });

  it('does not exist with the mock provider', async () => {
    app = await startTestApp();
    const res = await api(`${app.url}/webhooks/twilio`, {
      method: 'POST',
      raw: 'CallSid=CA1&CallStatus=completed',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(404);
  });
});
