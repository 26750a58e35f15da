/**
 * Calls to the app's number with `CALL_PROVIDER=telnyx`, end to end against the Telnyx
 * simulator: it offers the call with a signed `call.initiated` (`direction: 'incoming'`) at
 * `$PUBLIC_URL/webhooks/telnyx`, where the one Telnyx client answers it by the INBOUND_*
 * variables (answer, speak, record; transfer; reject) and each of its webhooks is recorded;
 * the history of `CALLER_ID` and of the caller show the call once.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import type { SimulatorInboundKnobs } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually, freePort, startTestApp, type TestApp } from './_test-utils.js';

const APP_NUMBER = '+14155550100';
const CALLER = '+14155552671';
const FORWARD_TO = '+14155550123';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** The app on a fixed port, `PUBLIC_URL` naming it, the simulator ringing its webhook URL. */
async function startInboundApp(
  env: Record<string, string> = {},
  inbound: Partial<SimulatorInboundKnobs> = {},
  knobs: { duplicateWebhookRate?: number; talkMs?: number } = {},
) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  return startTestApp({
    telnyx: {
      stepMs: [5, 15],
      ...knobs,
      inbound: {
        url: `${base}/webhooks/telnyx`,
        to: APP_NUMBER,
        from: CALLER,
        hangUpWhileRingingRate: 0,
        hangUpWhileForwardRingsRate: 0,
        voicemailRate: 1,
        ...inbound,
      },
    },
    env: { PORT: String(port), PUBLIC_URL: base, CALLER_ID: APP_NUMBER, LOG_LEVEL: 'warn', ...env },
  });
}

const historyOf = async (phone: string) =>
  (await api(`${app!.url}/api/calls/${encodeURIComponent(phone)}`)).json;

/** Rings the app and waits for the call's end in the simulator and the history. */
async function ring(done: (item: Record<string, unknown>) => boolean) {
  const id = app!.telnyx!.ringApp();
  const history = await eventually(async () => {
    const json = await historyOf(APP_NUMBER);
    return json.items.length > 0 && done(json.items[0]) ? json : null;
  });
  const call = await eventually(() => {
    const found = app!.telnyx!.calls().find((c) => c.id === id);
    return found && found.status !== 'ringing' && found.status !== 'in-progress' ? found : null;
  });
  return { history, call: call! };
}

describe('calls to the app with Telnyx', () => {
  it('greets the caller, keeps the voicemail, and shows a missed inbound call on both sides', async () => {
    app = await startInboundApp({ INBOUND_MESSAGE: 'Hello from the demo. Leave a message.' });
    const { history, call } = await ring((item) => item.recording_url !== null);
    expect(call.spoken).toEqual(['Hello from the demo. Leave a message.']);
    const recording = call.recordings![0]!;
    expect(history).toEqual({
      app_number: APP_NUMBER,
      items: [
        {
          created_at: expect.any(String),
          counterparty: CALLER,
          counterparty_is_app: false,
          type: 'Missed Inbound',
          duration: null,
          answered_by: null,
          recording_url: recording.url,
        },
      ],
      next_cursor: null,
    });
    expect((await historyOf(CALLER)).items).toEqual([
      expect.objectContaining({
        counterparty: APP_NUMBER,
        counterparty_is_app: true,
        type: 'Missed Outbound',
      }),
    ]);
  });

  it('transfers to INBOUND_FORWARD_TO and shows a completed inbound call of the forward’s length', async () => {
    app = await startInboundApp(
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
    app = await startInboundApp(
      { INBOUND_FORWARD_TO: FORWARD_TO },
      { forwardOutcomes: { 'no-answer': 1 } },
    );
    const { history, call } = await ring((item) => item.recording_url !== null);
    expect(call.forwards).toEqual([
      expect.objectContaining({ to: FORWARD_TO, status: 'no-answer' }),
    ]);
    expect(history.items).toEqual([
      expect.objectContaining({ type: 'Missed Inbound', recording_url: call.recordings![0]!.url }),
    ]);
  });

  it('rejects the call with INBOUND_REJECT=busy', async () => {
    app = await startInboundApp({ INBOUND_REJECT: 'busy' });
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
    app = await startInboundApp({}, { hangUpWhileRingingRate: 1 });
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
    app = await startInboundApp({}, {}, { duplicateWebhookRate: 1 });
    await ring((item) => item.recording_url !== null);
    await new Promise((r) => setTimeout(r, 150));
    expect((await historyOf(APP_NUMBER)).items).toEqual([
      expect.objectContaining({ type: 'Missed Inbound', recording_url: expect.any(String) }),
    ]);
  });

  it('refuses an incoming call signed with another key with 403 and records nothing', async () => {
    app = await startInboundApp();
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
    const res = await fetch(`${app.url}/webhooks/telnyx`, {
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
