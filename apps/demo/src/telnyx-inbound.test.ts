/**
 * Calls to the app's number with `CALL_PROVIDER=telnyx`, end to end against the Telnyx
 * simulator: it offers the call with a signed `call.initiated` (`direction: 'incoming'`) at
 * `$PUBLIC_URL/webhooks/telnyx`, where the one Telnyx client answers it by the INBOUND_*
 * variables (answer, speak, record; transfer; reject) and each of its webhooks is recorded;
 * the history of `CALLER_ID` and of the caller show the call once.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { APP_NUMBER, CALLER, FORWARD_TO, inboundHarness } from './_test-inbound.js';

describe('calls to the app with Telnyx', () => {
  // The simulator offers the call at the webhook URL; a call it is done with neither rings nor
  // talks.
  const { app, expectMissedWithVoicemail, historyOf, ring, start } = inboundHarness({
    simulator: 'telnyx',
    urls: (base) => ({ url: `${base}/webhooks/telnyx` }),
    ended: (call) => call.status !== 'ringing' && call.status !== 'in-progress',
  });

  it('greets the caller, keeps the voicemail, and shows a missed inbound call on both sides', async () => {
    await start({ INBOUND_MESSAGE: 'Hello from the demo. Leave a message.' });
    const { history, call } = await ring((item) => item.recording_url !== null);
    expect(call.spoken).toEqual(['Hello from the demo. Leave a message.']);
    const recording = call.recordings![0]!;
    await expectMissedWithVoicemail(history, recording.url);
  });

  it('transfers to INBOUND_FORWARD_TO and shows a completed inbound call of the forward’s length', async () => {
    await start(
      { INBOUND_FORWARD_TO: FORWARD_TO, INBOUND_RING_S: '15' },
      { forwardOutcomes: { completed: 1 } },
      { talkMs: 1100 },
    );
    const { history, call } = await ring((item) => item.type === 'Completed Inbound');
    expect(call.forwards).toEqual([
      expect.objectContaining({ to: FORWARD_TO, status: 'completed' }),
    ]);
    const duration = history.items[0].duration as number;
    expect(duration).toBeGreaterThanOrEqual(1);
    expect(Math.abs(duration - call.forwards![0]!.durationS!)).toBeLessThanOrEqual(1);
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
      expect.objectContaining({ type: 'Missed Inbound', recording_url: call.recordings![0]!.url }),
    ]);
  });

  it('rejects the call with INBOUND_REJECT=busy', async () => {
    await start({ INBOUND_REJECT: 'busy' });
    const { history, call } = await ring((item) => item.type === 'Missed Inbound');
    expect(call.outcome).toBe('busy');
    expect(history.items).toEqual([
      expect.objectContaining({
        counterparty: CALLER,
        type: 'Missed Inbound',
        recording_url: null,
      }),
    ]);
  });

  it('shows a caller who hung up before the app answered as a missed call', async () => {
    // Telnyx's call.hangup of a call no command took effect on names no direction: the app
    // tells it by its `to`, the app's own number.
    await start({}, { hangUpWhileRingingRate: 1 });
    const { history, call } = await ring((item) => item.type === 'Missed Inbound');
    expect(call.status).toBe('hangup:originator_cancel');
    expect(history.items).toEqual([
      expect.objectContaining({
        counterparty: CALLER,
        type: 'Missed Inbound',
        recording_url: null,
      }),
    ]);
    expect((await historyOf(CALLER)).items).toEqual([
      expect.objectContaining({ counterparty: APP_NUMBER, type: 'Missed Outbound' }),
    ]);
  });

  it('records one call when every webhook comes twice', async () => {
    await start({}, {}, { duplicateWebhookRate: 1 });
    await ring((item) => item.recording_url !== null);
    await new Promise((r) => setTimeout(r, 150));
    expect((await historyOf(APP_NUMBER)).items).toEqual([
      expect.objectContaining({ type: 'Missed Inbound', recording_url: expect.any(String) }),
    ]);
  });

  it('refuses an incoming call signed with another key with 403 and records nothing', async () => {
    await start();
    const body = JSON.stringify({
      data: {
        record_type: 'event',
        event_type: 'call.initiated',
        id: '0ccc7b54-4df3-4bca-a65a-3da1ecc777f0',
        occurred_at: new Date().toISOString(),
        payload: {
          call_control_id: `v3:${'A'.repeat(48)}`,
          call_leg_id: '428c31b6-7af4-4bcb-b7f5-5013ef9657c1',
          call_session_id: '428c31b6-7af4-4bcb-b7f5-5013ef9657c2',
          connection_id: '1494404757140276705',
          direction: 'incoming',
          state: 'parked',
          from: CALLER,
          to: APP_NUMBER,
        },
      },
    });
    const { privateKey } = generateKeyPairSync('ed25519');
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = sign(null, Buffer.from(`${timestamp}|${body}`), privateKey).toString(
      'base64',
    );
    const res = await fetch(`${app().url}/webhooks/telnyx`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'telnyx-signature-ed25519': signature,
        'telnyx-timestamp': timestamp,
      },
      body,
    });
    expect(res.status).toBe(403);
    expect((await historyOf(APP_NUMBER)).items).toEqual([]);
    expect((await historyOf(CALLER)).items).toEqual([]);
  });
});
