/**
 * `POST /webhooks/twilio` with `CALL_PROVIDER=twilio` and `POST /webhooks/signalwire` with
 * `CALL_PROVIDER=signalwire` (Twilio's shape, signed with the project's signing key), and their
 * voice routes: signed callbacks reach the scheduler or the dialer (a campaign), whichever placed
 * the call; anything unsigned, signed wrong or of another account is a 403 with a JSON body and
 * changes nothing. The simulator's calls take minutes per step and its own callbacks go nowhere,
 * so every status here comes from a callback the test signs.
 */
import { computeTwilioSignature } from '@ringkit/call-client/twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { TWILIO_SHAPED_FLAVOURS } from '../_test-twilio-flavours.js';
import {
  api,
  eventually,
  placedCall,
  scheduledCall,
  startTestApp,
  type TestApp,
} from '../_test-utils.js';

const PUBLIC_URL = 'https://demo.example';

// Its own callbacks are dropped: every status comes from a callback the test sends.
const SLOW = { stepMs: 600_000, callsPerSecond: 100, deliverStatusCallback: async () => {} };

describe.each(TWILIO_SHAPED_FLAVOURS)('POST $path', (flavour) => {
  const SIGNED_URL = `${PUBLIC_URL}${flavour.path}`;
  const VOICE_URL = `${PUBLIC_URL}${flavour.path}/voice`;

  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  function startProviderApp(env: Record<string, string> = {}) {
    return startTestApp({
      [flavour.simulator]: SLOW,
      env: { PUBLIC_URL, DIALER_NUMBERS: '13018040009', DIALER_CONCURRENCY: '1', ...env },
    });
  }

  let sequence = 0;

  /** A status callback's parameters, as the provider sends them. */
  function callback(callSid: string, status: string, extra: Record<string, string> = {}) {
    return {
      AccountSid: flavour.accountSid,
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
   * Posts a form the way the provider does, to `path`, signed for `signedUrl` with `key` in its
   * signature header unless told otherwise.
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
      headers?: Record<string, string>;
    } = {},
  ) {
    const signature =
      options.signature === undefined
        ? flavour.sign(options.key ?? flavour.secret, options.signedUrl ?? SIGNED_URL, params)
        : options.signature;
    const sent = { ...params, ...options.tamper };
    return fetch(`${app!.url}${options.path ?? flavour.path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(signature === null ? {} : { [options.header ?? flavour.signatureHeader]: signature }),
        ...options.headers,
      },
      body: new URLSearchParams(sent).toString(),
    });
  }

  const placed = () => placedCall(app!.url);
  const scheduled = (id: string) => scheduledCall(app!.url, id);

  const historyOf = async (phone: string) =>
    (await api(`${app!.url}/api/calls/${encodeURIComponent(phone)}`)).json as {
      items: unknown[];
    };

  it('applies validly signed callbacks, in the words the provider uses, to the scheduled call', async () => {
    app = await startProviderApp();
    const call = await placed();
    expect(call.provider_call_id).toMatch(flavour.callIdPattern);

    expect((await post(callback(call.provider_call_id, 'ringing'))).status).toBe(204);
    expect((await scheduled(call.id)).status).toBe('ringing');
    expect((await post(callback(call.provider_call_id, flavour.answered))).status).toBe(204);
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
    app = await startProviderApp();
    const call = await placed();
    const before = await scheduled(call.id);
    const params = callback(call.provider_call_id, 'completed', { CallDuration: '5' });

    const refused = [
      await post(params, { tamper: { CallStatus: 'busy' } }),
      await post(params, { tamper: { CallDuration: '500' } }),
      ...(await Promise.all(flavour.otherCredentials.map((key) => post(params, { key })))),
      await post(params, { key: flavour.wrongSecret }),
      await post(params, {
        signature: computeTwilioSignature(flavour.secret, SIGNED_URL, params) + 'x',
      }),
      await post(params, { signedUrl: `https://elsewhere.example${flavour.path}` }),
      await post(params, { signature: null }),
      await post(params, { signature: '' }),
      await post(params, { signature: 'bm90IGEgc2lnbmF0dXJl' }),
      // Validly signed, but about another account.
      await post({ ...params, AccountSid: flavour.foreignAccountSid }),
    ];
    expect(refused.map((res) => res.status)).toEqual(refused.map(() => 403));
    for (const res of refused) {
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toMatchObject({ error: { code: expect.any(String) } });
    }
    expect(await scheduled(call.id)).toEqual(before);
  });

  it('never moves a status back for a late or repeated callback', async () => {
    app = await startProviderApp();
    const call = await placed();
    for (const status of ['ringing', flavour.answered]) {
      expect((await post(callback(call.provider_call_id, status))).status).toBe(204);
    }
    const completed = callback(call.provider_call_id, 'completed', { CallDuration: '7' });
    expect((await post(completed)).status).toBe(204);
    const ended = await scheduled(call.id);
    expect(ended.status).toBe('completed');

    // The same callback again (the provider may retry), then stages that arrive late.
    expect((await post(completed)).status).toBe(204);
    for (const status of ['ringing', 'initiated', flavour.answered]) {
      expect((await post(callback(call.provider_call_id, status))).status).toBe(204);
    }
    const after = await scheduled(call.id);
    expect(after.status).toBe('completed');
    expect(after.timeline.filter((step) => step.status === 'completed')).toHaveLength(1);
  });

  it("gives a dialer (campaign) call's callbacks to the dialer", async () => {
    app = await startProviderApp();
    expect((await api(`${app.url}/api/dialer/start`, { method: 'POST' })).status).toBe(202);
    const callId = (await eventually(async () => {
      const { json } = await api(`${app!.url}/api/dialer`);
      return json.entries[0].call_id as string | null;
    }))!;
    for (const status of ['ringing', flavour.answered]) {
      expect((await post(callback(callId, status))).status).toBe(204);
    }
    expect((await api(`${app.url}/api/dialer`)).json.entries[0].status).toBe('answered');
    // A forged end is refused and the call stays answered.
    const forged = await post(callback(callId, 'completed'), { key: flavour.wrongSecret });
    expect(forged.status).toBe(403);
    expect((await api(`${app.url}/api/dialer`)).json.entries[0].status).toBe('answered');

    expect((await post(callback(callId, 'completed', { CallDuration: '3' }))).status).toBe(204);
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
    const signedUrl = `https://proxy.example${flavour.path}`;
    for (const [trust, expected] of [
      ['0', 403],
      ['1', 204],
    ] as const) {
      // The proxy's name is one the server answers to (the Host check reads it with TRUST_PROXY).
      app = await startProviderApp({ TRUST_PROXY: trust, ALLOWED_HOSTS: 'proxy.example' });
      const call = await placed();
      const res = await post(callback(call.provider_call_id, 'ringing'), {
        signedUrl,
        headers: proxied,
      });
      expect(res.status).toBe(expected);
      expect((await scheduled(call.id)).status).toBe(expected === 204 ? 'ringing' : 'initiated');
      await app.close();
      app = undefined;
    }
  });

  it('refuses a forged call to the app on its voice route with 403 and records nothing', async () => {
    app = await startProviderApp();
    const voicePath = `${flavour.path}/voice`;
    const ring = {
      AccountSid: flavour.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: flavour.callSid,
      CallStatus: 'ringing',
      Direction: 'inbound',
      From: '+14155552671',
      To: '+14155550100',
    };
    const forged = [
      await post(ring, {
        path: voicePath,
        signedUrl: VOICE_URL,
        key: flavour.otherCredentials[0] ?? flavour.wrongSecret,
      }),
      await post(ring, { path: voicePath, signature: null }),
      await post(ring, { path: voicePath }), // signed for the status route
    ];
    expect(forged.map((res) => res.status)).toEqual([403, 403, 403]);
    expect(await forged[0]!.json()).toMatchObject({ error: { code: expect.any(String) } });
    expect((await historyOf('+14155550100')).items).toEqual([]);
    expect((await historyOf('+14155552671')).items).toEqual([]);

    // Signed right, it is answered with TwiML (LaML) and recorded.
    const answered = await post(ring, { path: voicePath, signedUrl: VOICE_URL });
    expect(answered.status).toBe(200);
    expect(await answered.text()).toMatch(/^<Response><Say>Thank you for calling\./);
    expect((await historyOf('+14155550100')).items).toHaveLength(1);
  });

  it('answers another method than POST with 405', async () => {
    app = await startProviderApp();
    for (const path of flavour.postOnlyPaths) {
      const res = await api(`${app.url}${path}`);
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
  });

  it('does not exist with the mock provider', async () => {
    app = await startTestApp();
    const res = await api(`${app.url}${flavour.path}`, {
      method: 'POST',
      raw: 'CallSid=x&CallStatus=completed',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(404);
  });
});
