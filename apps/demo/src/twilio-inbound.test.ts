/**
 * Calls to the app's number with `CALL_PROVIDER=twilio` and `CALL_PROVIDER=signalwire` (Twilio's
 * shape, signed with the project's signing key), end to end against the provider's simulator: it
 * rings `$PUBLIC_URL/webhooks/<provider>/voice` (signed), plays the TwiML (LaML) the app answers
 * by the INBOUND_* variables, requests the `<Dial>`'s and `<Record>`'s actions on the same route,
 * and posts the call's end to `$PUBLIC_URL/webhooks/<provider>`; the history of `CALLER_ID` and
 * of the caller show the call once.
 */
import { describe, expect, it } from 'vitest';
import { openEvents } from './_test-utils.js';
import { APP_NUMBER, CALLER, FORWARD_TO, inboundHarness } from './_test-inbound.js';
import { TWILIO_SHAPED_FLAVOURS } from './_test-twilio-flavours.js';

/** How a call of Twilio's shape ends. */
const ENDS = ['completed', 'busy', 'no-answer', 'failed', 'canceled'];

describe.each(TWILIO_SHAPED_FLAVOURS)('calls to the app with $label', (flavour) => {
  // The simulator rings the voice URL, with status callbacks to the status route.
  const { app, expectMissedWithVoicemail, historyOf, ring, start } = inboundHarness({
    simulator: flavour.simulator,
    urls: (base) => ({
      url: `${base}${flavour.path}/voice`,
      statusCallbackUrl: `${base}${flavour.path}`,
    }),
    ended: (call) => ENDS.includes(call.status),
  });

  it('greets the caller, keeps the voicemail, and shows a missed inbound call on both sides', async () => {
    await start({ INBOUND_MESSAGE: 'Hello from the demo. Leave a message.' });
    const events = await openEvents(`${app().url}/api/events`);
    try {
      const { history, call } = await ring((item) => item.recording_url !== null);
      expect(call).toMatchObject({ direction: 'inbound', from: CALLER, phone: APP_NUMBER });
      expect(call.spoken).toEqual(['Hello from the demo. Leave a message.']);
      const recording = call.recordings![0]!;
      await expectMissedWithVoicemail(history, recording.url);
      // The page hears of it live, for both numbers.
      await events.until(() =>
        events.events.some(
          (e) =>
            e.event === 'history' &&
            JSON.parse(e.data).phones.includes(APP_NUMBER) &&
            JSON.parse(e.data).phones.includes(CALLER),
        ),
      );
    } finally {
      events.close();
    }
    // The status callback told the end after the voicemail: still one call.
    await new Promise((r) => setTimeout(r, 100));
    expect((await historyOf(APP_NUMBER)).items).toHaveLength(1);
  });

  it('forwards to INBOUND_FORWARD_TO and shows a completed inbound call of the forward’s length', async () => {
    await start(
      { INBOUND_FORWARD_TO: FORWARD_TO, INBOUND_RING_S: '15' },
      { forwardOutcomes: { completed: 1 } },
      // Long enough a conversation to last a whole second.
      { talkMs: 1100 },
    );
    const { history, call } = await ring((item) => item.type === 'Completed Inbound');
    expect(call.forwards).toEqual([
      expect.objectContaining({ to: FORWARD_TO, status: 'completed' }),
    ]);
    const forward = call.forwards![0]!;
    expect(forward.durationS).toBeGreaterThanOrEqual(1);
    expect(history.items).toEqual([
      expect.objectContaining({
        counterparty: CALLER,
        type: 'Completed Inbound',
        duration: forward.durationS,
        recording_url: null,
      }),
    ]);
    expect((await historyOf(CALLER)).items).toEqual([
      expect.objectContaining({ counterparty: APP_NUMBER, type: 'Completed Outbound' }),
    ]);
  });

  it('takes a voicemail when nobody picks the forward up', async () => {
    await start({ INBOUND_FORWARD_TO: FORWARD_TO }, { forwardOutcomes: { 'no-answer': 1 } });
    const { history, call } = await ring((item) => item.recording_url !== null);
    expect(call.forwards).toEqual([
      expect.objectContaining({ to: FORWARD_TO, status: 'no-answer' }),
    ]);
    expect(history.items).toEqual([
      expect.objectContaining({
        type: 'Missed Inbound',
        recording_url: call.recordings![0]!.url,
      }),
    ]);
  });

  it.each(['busy', 'rejected'])('rejects the call with INBOUND_REJECT=%s', async (reason) => {
    await start({ INBOUND_REJECT: reason });
    const { history, call } = await ring((item) => item.type === 'Missed Inbound');
    expect(call.status).toBe(reason === 'busy' ? 'busy' : 'no-answer');
    expect(call.spoken ?? []).toEqual([]);
    expect(history.items).toEqual([
      expect.objectContaining({
        counterparty: CALLER,
        type: 'Missed Inbound',
        recording_url: null,
      }),
    ]);
  });

  it('shows a caller who hung up while it rang as a missed call', async () => {
    await start({}, { hangUpWhileRingingRate: 1 });
    const { history, call } = await ring((item) => item.type === 'Missed Inbound');
    expect(call.status).toBe('canceled');
    expect(history.items).toEqual([expect.objectContaining({ type: 'Missed Inbound' })]);
  });

  it('records one call when every webhook comes twice', async () => {
    await start({}, {}, { duplicateWebhookRate: 1 });
    await ring((item) => item.recording_url !== null);
    await new Promise((r) => setTimeout(r, 150));
    expect((await historyOf(APP_NUMBER)).items).toEqual([
      expect.objectContaining({ type: 'Missed Inbound', recording_url: expect.any(String) }),
    ]);
  });

  it('refuses a forged or unsigned voice webhook with 403 and records nothing', async () => {
    await start();
    const url = `${app().url.replace('localhost', '127.0.0.1')}${flavour.path}/voice`;
    const params = {
      AccountSid: flavour.accountSid,
      CallSid: flavour.callSid,
      CallStatus: 'ringing',
      Direction: 'inbound',
      From: CALLER,
      To: APP_NUMBER,
    };
    const post = (signature: string | undefined, step = '') =>
      fetch(`${app().url}${flavour.path}/voice${step}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(signature === undefined ? {} : { [flavour.signatureHeader]: signature }),
        },
        body: new URLSearchParams(params).toString(),
      });
    expect((await post(flavour.sign(flavour.wrongSecret, url, params))).status).toBe(403);
    expect((await post(undefined)).status).toBe(403);
    expect(
      (await post(flavour.sign(flavour.wrongSecret, `${url}?step=dial`, params), '?step=dial'))
        .status,
    ).toBe(403);
    expect((await historyOf(APP_NUMBER)).items).toEqual([]);
    expect((await historyOf(CALLER)).items).toEqual([]);

    // Signed with the account's secret, the same request is answered with TwiML (LaML).
    const signed = await post(flavour.sign(flavour.secret, url, params));
    expect(signed.status).toBe(200);
    expect(await signed.text()).toContain('<Say>');
  });
});
