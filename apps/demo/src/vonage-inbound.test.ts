/**
 * Calls to the app's number with `CALL_PROVIDER=vonage`: Vonage asks the application's answer
 * URL (`$PUBLIC_URL/webhooks/vonage/answer`) for the call's NCCO, which the app writes by the
 * INBOUND_* variables; the `record` and `connect` actions send their events back to that URL, and
 * the caller leg's end goes to the event URL (`$PUBLIC_URL/webhooks/vonage`). Here the test plays
 * Vonage itself, every request signed as Vonage signs them (`signVonageWebhook`), its next step
 * read from the NCCO the app answered: so it sees each NCCO's actions, and sends what the
 * simulator does not (the answer URL asked twice, a caller's end that names no direction, forged
 * and stale requests). The history of `CALLER_ID` and of the caller show the call once; forged
 * requests change nothing. `vonage-inbound.sim.test.ts` has the simulator ring the app.
 */
import { signVonageWebhook, VONAGE_TEST_CREDENTIALS } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { api, startTestApp, type TestApp } from './_test-utils.js';
import { APP_NUMBER, CALLER, expectMissedWithVoicemail } from './_test-inbound.js';

const FORWARD_TO = '+14155550123';
const PUBLIC_URL = 'https://demo.example';
const CALL = '0b6e9a1c-3f2d-4c5b-8a79-6e5d4c3b2a10';
const FORWARD_LEG = '7d3a2b1c-0000-4000-8000-0123456789ab';
const CONVERSATION = 'CON-0b6e9a1c-3f2d-4c5b-8a79-6e5d4c3b2a10';
const { signatureSecret } = VONAGE_TEST_CREDENTIALS;

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function startInboundApp(env: Record<string, string> = {}) {
  return startTestApp({
    vonage: { stepMs: 600_000 },
    env: { PUBLIC_URL, CALLER_ID: APP_NUMBER, LOG_LEVEL: 'warn', ...env },
  });
}

/** A number as Vonage writes it: E.164 without its `+`. */
const digits = (e164: string) => e164.slice(1);

interface Signing {
  secret?: string;
  applicationId?: string;
  issuedAt?: number;
}

const authorization = (rawBody: string, signing: Signing = {}) =>
  signVonageWebhook({
    signatureSecret: signing.secret ?? signatureSecret,
    rawBody,
    ...(signing.applicationId === undefined ? {} : { applicationId: signing.applicationId }),
    ...(signing.issuedAt === undefined ? {} : { issuedAt: signing.issuedAt }),
  }).authorization;

/** The answer webhook's fields for a call from `CALLER` to the app, as Vonage sends them. */
const answerFields = (extra: Record<string, string> = {}) => ({
  to: digits(APP_NUMBER),
  from: digits(CALLER),
  endpoint_type: 'phone',
  conversation_uuid: CONVERSATION,
  uuid: CALL,
  region_url: 'https://api-us-3.vonage.com',
  ...extra,
});

/** Vonage's `GET` of the answer URL, its fields in the query and `payload_hash` over them. */
async function askAnswer(fields = answerFields(), signing: Signing = {}, signed = fields) {
  const query = new URLSearchParams(fields).toString();
  const res = await fetch(`${app!.url}/webhooks/vonage/answer?${query}`, {
    headers: { authorization: authorization(JSON.stringify(signed), signing) },
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>[] };
}

/** Posts `body` as Vonage does to `url` (a URL under `PUBLIC_URL`, reached at the app). */
async function post(url: string, body: unknown, signing: Signing = {}) {
  const rawBody = JSON.stringify(body);
  const res = await fetch(url.replace(PUBLIC_URL, app!.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: authorization(rawBody, signing) },
    body: rawBody,
  });
  return { status: res.status, text: await res.text() };
}

/** The `eventUrl` of the NCCO's action named `action`. */
function eventUrlOf(ncco: Record<string, unknown>[], action: string): string {
  const found = ncco.find((a) => a['action'] === action);
  return (found?.['eventUrl'] as string[])[0]!;
}

const now = () => new Date().toISOString();

/** The `record` action's event: where the voicemail is. */
const recording = () => ({
  start_time: now(),
  recording_url: `https://api.nexmo.com/v1/files/${FORWARD_LEG}`,
  size: 12222,
  recording_uuid: FORWARD_LEG,
  end_time: now(),
  conversation_uuid: CONVERSATION,
  timestamp: now(),
});

/** An event of a leg: the caller's (`inbound`) or the forward's (`outbound`). */
const legEvent = (
  status: string,
  leg: 'caller' | 'forward',
  extra: Record<string, unknown> = {},
) =>
  leg === 'caller'
    ? {
        from: digits(CALLER),
        to: digits(APP_NUMBER),
        uuid: CALL,
        conversation_uuid: CONVERSATION,
        status,
        direction: 'inbound',
        timestamp: now(),
        ...extra,
      }
    : {
        from: digits(APP_NUMBER),
        to: digits(FORWARD_TO),
        uuid: FORWARD_LEG,
        conversation_uuid: CONVERSATION,
        status,
        direction: 'outbound',
        timestamp: now(),
        ...extra,
      };

/** The caller hangs up: the caller leg's `completed` at the event URL. */
const callerEnds = () =>
  post(`${PUBLIC_URL}/webhooks/vonage`, legEvent('completed', 'caller', { duration: '30' }));

const historyOf = async (phone: string) =>
  (await api(`${app!.url}/api/calls/${encodeURIComponent(phone)}`)).json;

describe('calls to the app with Vonage', () => {
  it('greets the caller, keeps the voicemail, and shows a missed inbound call on both sides', async () => {
    app = await startInboundApp({ INBOUND_MESSAGE: 'Hello from the demo. Leave a message.' });
    const answer = await askAnswer();
    expect(answer.status).toBe(200);
    expect(answer.json.map((action) => action['action'])).toEqual(['talk', 'record']);
    expect(answer.json[0]).toMatchObject({ text: 'Hello from the demo. Leave a message.' });

    const voicemail = recording();
    expect((await post(eventUrlOf(answer.json, 'record'), voicemail)).status).toBe(204);
    expect((await callerEnds()).status).toBe(204);

    await expectMissedWithVoicemail(app.url, await historyOf(APP_NUMBER), voicemail.recording_url);
  });

  it('forwards to INBOUND_FORWARD_TO and shows a completed inbound call of the forward’s length', async () => {
    app = await startInboundApp({ INBOUND_FORWARD_TO: FORWARD_TO, INBOUND_RING_S: '15' });
    const answer = await askAnswer();
    expect(answer.json[0]).toMatchObject({
      action: 'connect',
      timeout: 15,
      endpoint: [{ type: 'phone', number: digits(FORWARD_TO) }],
    });
    const forward = eventUrlOf(answer.json, 'connect');
    expect((await post(forward, legEvent('ringing', 'forward'))).status).toBe(204);
    expect((await post(forward, legEvent('answered', 'forward'))).status).toBe(204);
    const ended = legEvent('completed', 'forward', {
      start_time: new Date(Date.now() - 12_000).toISOString(),
      end_time: now(),
      duration: '12',
    });
    expect((await post(forward, ended)).status).toBe(204);
    expect((await callerEnds()).status).toBe(204);

    expect((await historyOf(APP_NUMBER)).items).toEqual([
      expect.objectContaining({
        counterparty: CALLER,
        type: 'Completed Inbound',
        duration: 12,
        recording_url: null,
      }),
    ]);
    expect((await historyOf(CALLER)).items).toEqual([
      expect.objectContaining({ counterparty: APP_NUMBER, type: 'Completed Outbound' }),
    ]);
  });

  it('takes a voicemail when nobody picks the forward up', async () => {
    app = await startInboundApp({ INBOUND_FORWARD_TO: FORWARD_TO });
    const answer = await askAnswer();
    expect(answer.json.map((action) => action['action'])).toEqual(['connect', 'talk', 'record']);
    expect(
      (await post(eventUrlOf(answer.json, 'connect'), legEvent('timeout', 'forward'))).status,
    ).toBe(204);
    const voicemail = recording();
    expect((await post(eventUrlOf(answer.json, 'record'), voicemail)).status).toBe(204);
    expect((await callerEnds()).status).toBe(204);
    expect((await historyOf(APP_NUMBER)).items).toEqual([
      expect.objectContaining({ type: 'Missed Inbound', recording_url: voicemail.recording_url }),
    ]);
  });

  it('rejects the call with INBOUND_REJECT=busy: an empty NCCO, and a missed call', async () => {
    app = await startInboundApp({ INBOUND_REJECT: 'busy' });
    const answer = await askAnswer();
    expect(answer).toEqual({ status: 200, json: [] });
    expect((await historyOf(APP_NUMBER)).items).toEqual([
      expect.objectContaining({
        counterparty: CALLER,
        type: 'Missed Inbound',
        recording_url: null,
      }),
    ]);
  });

  it('shows a caller who hung up before the app answered as a missed call', async () => {
    app = await startInboundApp();
    // The caller leg's end, with no answer asked: the event names no direction, only the numbers.
    const { direction: _, ...cancelled } = legEvent('cancelled', 'caller');
    expect((await post(`${PUBLIC_URL}/webhooks/vonage`, cancelled)).status).toBe(204);
    expect((await historyOf(APP_NUMBER)).items).toEqual([
      expect.objectContaining({ counterparty: CALLER, type: 'Missed Inbound' }),
    ]);
    expect((await historyOf(CALLER)).items).toEqual([
      expect.objectContaining({ counterparty: APP_NUMBER, type: 'Missed Outbound' }),
    ]);
  });

  it('records one call when every request comes twice', async () => {
    app = await startInboundApp();
    const answer = await askAnswer();
    expect((await askAnswer()).json).toEqual(answer.json);
    const voicemail = recording();
    for (let i = 0; i < 2; i += 1) {
      expect((await post(eventUrlOf(answer.json, 'record'), voicemail)).status).toBe(204);
      expect((await callerEnds()).status).toBe(204);
    }
    expect((await historyOf(APP_NUMBER)).items).toEqual([
      expect.objectContaining({ type: 'Missed Inbound', recording_url: voicemail.recording_url }),
    ]);
  });

  it('refuses forged requests with 401 or 403 and a JSON body, and records nothing', async () => {
    app = await startInboundApp();
    const refused = [
      await askAnswer(answerFields(), { secret: 'not-the-signature-secret' }),
      // Signed for other fields than those sent.
      await askAnswer(answerFields(), {}, answerFields({ from: digits(FORWARD_TO) })),
      // Signed long ago.
      await askAnswer(answerFields(), { issuedAt: Math.floor(Date.now() / 1000) - 3600 }),
      // Signed right, for another application.
      await askAnswer(answerFields(), { applicationId: '11111111-2222-4333-8444-555555555555' }),
    ];
    expect(refused.map((res) => res.status)).toEqual([401, 401, 401, 403]);
    for (const res of refused) {
      expect(res.json).toMatchObject({ error: { code: expect.any(String) } });
    }
    const unsigned = await fetch(
      `${app.url}/webhooks/vonage/answer?${new URLSearchParams(answerFields())}`,
    );
    expect(unsigned.status).toBe(401);

    // A step's event at a URL the app did not write, and a caller's end signed with another secret.
    const badTag = `${PUBLIC_URL}/webhooks/vonage/answer?step=voicemail&call=${CALL}&from=${digits(CALLER)}&to=${digits(APP_NUMBER)}&tag=forged`;
    expect((await post(badTag, recording())).status).toBe(403);
    const forgedEnd = await post(`${PUBLIC_URL}/webhooks/vonage`, legEvent('completed', 'caller'), {
      secret: 'not-the-signature-secret',
    });
    expect(forgedEnd.status).toBe(401);
    expect(JSON.parse(forgedEnd.text)).toMatchObject({ error: { code: 'unauthorized' } });

    expect((await historyOf(APP_NUMBER)).items).toEqual([]);
    expect((await historyOf(CALLER)).items).toEqual([]);
  });
});
