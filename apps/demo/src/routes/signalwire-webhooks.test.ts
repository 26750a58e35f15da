/**
 * `POST /webhooks/signalwire` and `/webhooks/signalwire/voice` with `CALL_PROVIDER=signalwire`:
 * callbacks signed with the project's signing key reach the scheduler or the campaign,
 * whichever placed the call; anything unsigned, signed wrong or of another project is a 403 with
 * a JSON body and changes nothing. The simulator's calls take minutes per step and its own
 * callbacks go nowhere, so every status here comes from a callback the test signs.
 */
import { computeSignalWireSignature } from '@ringkit/call-client/signalwire';
import { computeTwilioSignature } from '@ringkit/call-client/twilio';
import { SIGNALWIRE_TEST_CREDENTIALS } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually, startTestApp, type TestApp } from '../_test-utils.js';

const PUBLIC_URL = 'https://demo.example';
const SIGNED_URL = `${PUBLIC_URL}/webhooks/signalwire`;
const VOICE_URL = `${PUBLIC_URL}/webhooks/signalwire/voice`;
const { projectId, signingKey, apiToken } = SIGNALWIRE_TEST_CREDENTIALS;
// Its own callbacks are dropped: every status comes from a callback the test sends.
const SLOW = { stepMs: 600_000, callsPerSecond: 100, deliverStatusCallback: async () => {} };

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function startSignalWireApp(env: Record<string, string> = {}) {
  return startTestApp({
    signalwire: SLOW,
    env: { PUBLIC_URL, DIALER_NUMBERS: '13018040009', DIALER_CONCURRENCY: '1', ...env },
  });
}

let sequence = 0;

/** A status callback's parameters, as SignalWire sends them. */
function callback(callSid: string, status: string, extra: Record<string, string> = {}) {
  return {
    AccountSid: projectId,
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

/**
 * Posts a form the way SignalWire does, to `path`, signed for `signedUrl` with `key` in
 * `X-SignalWire-Signature` unless told otherwise.
 */
function post(
  params: Record<string, string>,
  options: {
    key?: string;
    path?: string;
    signedUrl?: string;
    signature?: string | null;
    header?: string;
    tamper?: Record<string, string>;
  } = {},
) {
  const signature =
    options.signature === undefined
      ? computeSignalWireSignature(
          options.key ?? signingKey,
          options.signedUrl ?? SIGNED_URL,
          params,
        )
      : options.signature;
  const sent = { ...params, ...options.tamper };
  return fetch(`${app!.url}${options.path ?? '/webhooks/signalwire'}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature === null ? {} : { [options.header ?? 'x-signalwire-signature']: signature }),
    },
    body: new URLSearchParams(sent).toString(),
  });
}

/** Schedules a call due now and resolves with it once the simulator gave it a CallSid. */
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

const historyOf = async (phone: string) =>
  (await api(`${app!.url}/api/calls/${encodeURIComponent(phone)}`)).json as { items: unknown[] };

describe('POST /webhooks/signalwire', () => {
  it('applies validly signed callbacks, answered as SignalWire words it, to the scheduled call', async () => {
    app = await startSignalWireApp();
    const call = await placedCall();

    expect((await post(callback(call.provider_call_id, 'ringing'))).status).toBe(204);
    expect((await scheduled(call.id)).status).toBe('ringing');
    expect((await post(callback(call.provider_call_id, 'answered'))).status).toBe(204);
    expect((await scheduled(call.id)).status).toBe('answered');
    // Signed the same way, under the header Twilio's clients send.
    const done = callback(call.provider_call_id, 'completed', { CallDuration: '42' });
    expect((await post(done, { header: 'x-twilio-signature' })).status).toBe(204);
    const ended = await scheduled(call.id);
    expect(ended.status).toBe('completed');
    expect(ended.timeline.map((step) => step.status)).toEqual(
      expect.arrayContaining(['ringing', 'answered', 'completed']),
    );
  });

  it('refuses a tampered, wrongly signed, unsigned or foreign callback with 403 and changes nothing', async () => {
    app = await startSignalWireApp();
    const call = await placedCall();
    const before = await scheduled(call.id);
    const params = callback(call.provider_call_id, 'completed', { CallDuration: '5' });

    const refused = [
      await post(params, { tamper: { CallStatus: 'busy' } }),
      await post(params, { tamper: { CallDuration: '500' } }),
      // The API token places calls; only the signing key signs.
      await post(params, { key: apiToken }),
      await post(params, { key: 'PSK_not-the-projects-key' }),
      await post(params, {
        signature: computeTwilioSignature(signingKey, SIGNED_URL, params) + 'x',
      }),
      await post(params, { signedUrl: 'https://elsewhere.example/webhooks/signalwire' }),
      await post(params, { signature: null }),
      await post(params, { signature: '' }),
      // Validly signed, but about another project.
      await post({ ...params, AccountSid: '11111111-2222-4333-8444-555555555555' }),
    ];
    expect(refused.map((res) => res.status)).toEqual(refused.map(() => 403));
    for (const res of refused) {
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toMatchObject({ error: { code: expect.any(String) } });
    }
    expect(await scheduled(call.id)).toEqual(before);
  });

  it("gives a campaign call's callbacks to its campaign", async () => {
    app = await startSignalWireApp();
    expect((await api(`${app.url}/api/dialer/start`, { method: 'POST' })).status).toBe(202);
    const callId = (await eventually(async () => {
      const { json } = await api(`${app!.url}/api/dialer`);
      return json.entries[0].call_id as string | null;
    }))!;
    for (const status of ['ringing', 'answered']) {
      expect((await post(callback(callId, status))).status).toBe(204);
    }
    expect((await api(`${app.url}/api/dialer`)).json.entries[0].status).toBe('answered');
    expect((await post(callback(callId, 'completed'), { key: 'forged-key-0123' })).status).toBe(
      403,
    );
    expect((await api(`${app.url}/api/dialer`)).json.entries[0].status).toBe('answered');
    expect((await post(callback(callId, 'completed', { CallDuration: '3' }))).status).toBe(204);
    const { json } = await api(`${app.url}/api/dialer`);
    expect(json.state).toBe('done');
    expect(json.entries[0].status).toBe('completed');
    expect((await api(`${app.url}/api/scheduled-calls`)).json.items).toEqual([]);
  });

  it('refuses a forged call to the app on its voice route with 403 and records nothing', async () => {
    app = await startSignalWireApp();
    const ring = {
      AccountSid: projectId,
      ApiVersion: '2010-04-01',
      CallSid: 'a1b2c3d4-0000-4000-8000-00000000abcd',
      CallStatus: 'ringing',
      Direction: 'inbound',
      From: '+14155552671',
      To: '+14155550100',
    };
    const forged = [
      await post(ring, { path: '/webhooks/signalwire/voice', signedUrl: VOICE_URL, key: apiToken }),
      await post(ring, { path: '/webhooks/signalwire/voice', signature: null }),
      await post(ring, { path: '/webhooks/signalwire/voice' }), // signed for the status route
    ];
    expect(forged.map((res) => res.status)).toEqual([403, 403, 403]);
    expect(await forged[0]!.json()).toMatchObject({ error: { code: expect.any(String) } });
    expect((await historyOf('+14155550100')).items).toEqual([]);
    expect((await historyOf('+14155552671')).items).toEqual([]);

    // Signed right, it is answered with LaML and recorded.
    const answered = await post(ring, { path: '/webhooks/signalwire/voice', signedUrl: VOICE_URL });
    expect(answered.status).toBe(200);
    expect(await answered.text()).toMatch(/^<Response><Say>Thank you for calling\./);
    expect((await historyOf('+14155550100')).items).toHaveLength(1);
  });

  it('answers another method than POST with 405', async () => {
    app = await startSignalWireApp();
    for (const path of ['/webhooks/signalwire', '/webhooks/signalwire/voice']) {
      const res = await api(`${app.url}${path}`);
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
  });

  it('does not exist with the mock provider', async () => {
    app = await startTestApp();
    const res = await api(`${app.url}/webhooks/signalwire`, {
      method: 'POST',
      raw: 'CallSid=x&CallStatus=completed',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(404);
  });
});
