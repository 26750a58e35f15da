/**
 * The Telnyx flavour rings a local Call Control app with incoming calls; the app verifies every
 * webhook with the official `TelnyxWebhook` and sends its commands with the official client.
 */
import Telnyx from 'telnyx';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  APP_STATE,
  GREETING,
  LEG_STATE,
  startTelnyxApp,
  type TelnyxPolicy,
} from '../test/inbound-telnyx-app.js';
import { startCallApiSimulator, type SimulatorOptions } from './simulator.js';
import { TELNYX_TEST_CREDENTIALS } from './telnyx-credentials.js';

const WAIT = { timeout: 5000, interval: 5 };
const CALLER = '+14155552671';
const APP_NUMBER = '+15005550006';
const FORWARD = '+14155550199';
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function setup(policy: TelnyxPolicy, options: Omit<SimulatorOptions, 'flavour'> = {}) {
  const app = await startTelnyxApp(policy);
  const sim = await startCallApiSimulator({
    flavour: 'telnyx',
    stepMs: 5,
    seed: 11,
    ...options,
    inbound: {
      url: app.url,
      from: CALLER,
      hangUpWhileRingingRate: 0,
      hangUpWhileForwardRingsRate: 0,
      voicemailRate: 1,
      ...options.inbound,
    },
  });
  open.push(app, sim);
  app.connect(sim);
  const client = new Telnyx({
    apiKey: TELNYX_TEST_CREDENTIALS.apiKey,
    baseURL: `${sim.url}/v2`,
    maxRetries: 0,
  });
  const ended = async (id: string, last = 'call.hangup') => {
    await vi.waitFor(() => expect(app.types(id)).toContain(last), WAIT);
    return sim.calls().find((call) => call.id === id)!;
  };
  return { app, sim, client, ended };
}

describe('the Telnyx flavour ringing an app', () => {
  it('offers the call parked with call.initiated, direction incoming, signed as every webhook', async () => {
    const { app, sim, ended } = await setup({ action: 'reject', cause: 'CALL_REJECTED' });
    const id = sim.ringApp();
    await ended(id);
    expect(id).toMatch(/^v3:[A-Za-z0-9_-]{48}$/);
    expect(app.find(id, 'call.initiated')?.data.payload).toEqual({
      call_control_id: id,
      call_leg_id: expect.any(String),
      call_session_id: expect.any(String),
      connection_id: TELNYX_TEST_CREDENTIALS.connectionId,
      direction: 'incoming',
      state: 'parked',
      from: CALLER,
      to: APP_NUMBER,
      start_time: expect.any(String),
    });
    expect(app.refused).toEqual([]);
  });

  it('plays a voicemail: answer, speak, record_start, then the hangup and the saved recording', async () => {
    const { app, sim, ended } = await setup({ action: 'voicemail' });
    const id = sim.ringApp();
    const call = await ended(id, 'call.recording.saved');
    expect(app.types(id)).toEqual([
      'call.initiated',
      'call.answered',
      'call.speak.started',
      'call.speak.ended',
      'call.hangup',
      'call.recording.saved',
    ]);
    expect(app.find(id, 'call.hangup')?.data.payload).toMatchObject({
      hangup_cause: 'normal_clearing',
      hangup_source: 'caller',
      client_state: APP_STATE,
    });
    const saved = app.find(id, 'call.recording.saved')?.data.payload;
    const url = (saved?.recording_urls as { mp3: string }).mp3;
    expect(saved).toMatchObject({
      channels: 'single',
      recording_urls: { mp3: expect.stringMatching(`^${sim.url}/_sim/recordings/.+\\.mp3$`) },
      public_recording_urls: { mp3: url },
      recording_started_at: expect.any(String),
      recording_ended_at: expect.any(String),
    });
    const audio = await fetch(url);
    expect([audio.status, audio.headers.get('content-type')]).toEqual([200, 'audio/mpeg']);
    expect(call).toMatchObject({
      direction: 'inbound',
      status: 'hangup:normal_clearing',
      outcome: 'completed',
      spoken: [GREETING],
      forwards: [],
      recordings: [{ url, durationS: 1 }],
    });
    expect([app.refused, app.errors]).toEqual([[], []]);
  });

  it('saves no recording when the caller hangs up without leaving a message', async () => {
    const { app, sim, ended } = await setup(
      { action: 'voicemail' },
      { inbound: { voicemailRate: 0 } },
    );
    const id = sim.ringApp();
    const call = await ended(id);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(app.types(id)).not.toContain('call.recording.saved');
    expect(app.find(id, 'call.hangup')?.data.payload.hangup_source).toBe('caller');
    expect(call.recordings).toEqual([]);
  });

  it('sends call.recording.saved before call.hangup with outOfOrderRate 1', async () => {
    const { app, sim, ended } = await setup({ action: 'voicemail' }, { outOfOrderRate: 1 });
    const id = sim.ringApp();
    await ended(id);
    await vi.waitFor(() => expect(app.types(id)).toHaveLength(6), WAIT);
    expect(app.types(id).slice(-2)).toEqual(['call.recording.saved', 'call.hangup']);
  });

  it('transfers a call the forward answers: bridged on both legs, then both hang up', async () => {
    const { app, sim, ended } = await setup(
      { action: 'forward', to: FORWARD },
      { inbound: { forwardOutcomes: { completed: 1 } } },
    );
    const id = sim.ringApp();
    const call = await ended(id);
    const b = call.forwards?.[0]?.id ?? '';
    await vi.waitFor(() => expect(app.types(b)).toContain('call.hangup'), WAIT);
    expect(app.types(id)).toEqual([
      'call.initiated',
      'call.answered',
      'call.bridged',
      'call.hangup',
    ]);
    expect(app.types(b)).toEqual([
      'call.initiated',
      'call.answered',
      'call.bridged',
      'call.hangup',
    ]);
    expect(app.find(b, 'call.initiated')?.data.payload).toMatchObject({
      direction: 'outgoing',
      to: FORWARD,
      from: APP_NUMBER,
      client_state: LEG_STATE,
      call_session_id: app.find(id, 'call.initiated')?.data.payload.call_session_id,
    });
    for (const leg of [id, b]) {
      expect(app.find(leg, 'call.hangup')?.data.payload.hangup_cause).toBe('normal_clearing');
    }
    expect(call.forwards).toEqual([{ id: b, to: FORWARD, status: 'completed', durationS: 1 }]);
    expect(sim.calls().map((c) => c.id)).toEqual([id]);
  });

  it('leaves the A leg up when the forward rings out, for the voicemail the app plays then', async () => {
    const { app, sim, ended } = await setup(
      { action: 'forward', to: FORWARD },
      { inbound: { forwardOutcomes: { 'no-answer': 1 } } },
    );
    const id = sim.ringApp();
    const call = await ended(id, 'call.recording.saved');
    const b = call.forwards?.[0]?.id ?? '';
    expect(app.types(b)).toEqual(['call.initiated', 'call.hangup']);
    expect(app.find(b, 'call.hangup')?.data.payload.hangup_cause).toBe('timeout');
    expect(app.types(id)).toEqual([
      'call.initiated',
      'call.answered',
      'call.speak.started',
      'call.speak.ended',
      'call.hangup',
      'call.recording.saved',
    ]);
    expect(call).toMatchObject({ forwards: [{ status: 'no-answer' }], recordings: [{}] });
    expect([app.refused, app.errors]).toEqual([[], []]);
  });

  it('hangs up both legs when the caller hangs up while the forward rings', async () => {
    const { app, sim, ended } = await setup(
      { action: 'forward', to: FORWARD },
      { inbound: { hangUpWhileForwardRingsRate: 1 } },
    );
    const id = sim.ringApp();
    const call = await ended(id);
    const b = call.forwards?.[0]?.id ?? '';
    await vi.waitFor(() => expect(app.types(b)).toContain('call.hangup'), WAIT);
    expect(app.find(id, 'call.hangup')?.data.payload).toMatchObject({
      hangup_cause: 'normal_clearing',
      hangup_source: 'caller',
    });
    expect(app.find(b, 'call.hangup')?.data.payload.hangup_cause).toBe('originator_cancel');
    expect(call.forwards).toMatchObject([{ status: 'canceled' }]);
  });

  it.each([
    ['CALL_REJECTED', 'call_rejected', 'no-answer'],
    ['USER_BUSY', 'user_busy', 'busy'],
  ] as const)('ends a call the app rejects with %s as %s', async (cause, hangupCause, outcome) => {
    const { app, sim, ended } = await setup({ action: 'reject', cause });
    const id = sim.ringApp();
    const call = await ended(id);
    expect(app.types(id)).toEqual(['call.initiated', 'call.hangup']);
    expect(app.find(id, 'call.hangup')?.data.payload.hangup_cause).toBe(hangupCause);
    expect(call).toMatchObject({ hangupCause, outcome, status: `hangup:${hangupCause}` });
  });

  it('hangs up a parked call originator_cancel when the caller hangs up as it rings', async () => {
    const { app, sim, ended } = await setup(
      { action: 'voicemail' },
      { inbound: { hangUpWhileRingingRate: 1 } },
    );
    const id = sim.ringApp();
    await ended(id);
    expect(app.types(id)).toEqual(['call.initiated', 'call.hangup']);
    expect(app.find(id, 'call.hangup')?.data.payload).toMatchObject({
      hangup_cause: 'originator_cancel',
      hangup_source: 'caller',
    });
    await vi.waitFor(() => expect(app.errors).toHaveLength(1), WAIT);
    expect(app.errors[0]).toMatchObject({ status: 422 });
  });

  it('takes a command_id once, client_state_update with PUT, and refuses a second answer', async () => {
    const { app, sim, client } = await setup({ action: 'ignore' });
    const id = sim.ringApp();
    await vi.waitFor(() => expect(app.types(id)).toEqual(['call.initiated']), WAIT);
    const actions = client.calls.actions;
    expect(await actions.answer(id, { command_id: 'once' })).toEqual({ data: { result: 'ok' } });
    expect(await actions.answer(id, { command_id: 'once' })).toEqual({ data: { result: 'ok' } });
    await expect(actions.answer(id, {})).rejects.toMatchObject({ status: 422 });
    await actions.updateClientState(id, { client_state: LEG_STATE });
    await actions.hangup(id, {});
    await vi.waitFor(() => expect(app.types(id)).toContain('call.hangup'), WAIT);
    expect(app.types(id)).toEqual(['call.initiated', 'call.answered', 'call.hangup']);
    expect(app.find(id, 'call.hangup')?.data.payload.client_state).toBe(LEG_STATE);
    await expect(actions.answer(id, { colour: 'red' } as never)).rejects.toMatchObject({
      status: 422,
    });
  });

  it('refuses answer, reject, record_start and transfer of a call it dialed, as before', async () => {
    const { sim, client } = await setup({ action: 'ignore' }, { stepMs: 60_000 });
    const dialed = await client.calls.dial({
      connection_id: TELNYX_TEST_CREDENTIALS.connectionId,
      from: APP_NUMBER,
      to: CALLER,
    });
    const id = dialed.data!.call_control_id;
    const actions = client.calls.actions;
    await expect(actions.answer(id, {})).rejects.toMatchObject({ status: 404 });
    await expect(actions.reject(id, { cause: 'USER_BUSY' })).rejects.toMatchObject({ status: 404 });
    await expect(actions.transfer(id, { to: FORWARD })).rejects.toMatchObject({ status: 404 });
    await expect(
      actions.startRecording(id, { format: 'mp3', channels: 'single' }),
    ).rejects.toMatchObject({ status: 404 });
    expect(sim.calls()).toHaveLength(1);
  });

  it('rings on POST /_sim/inbound, and refuses statusCallbackUrl, which is Twilio’s', async () => {
    const { app, sim } = await setup({ action: 'reject', cause: 'USER_BUSY' });
    const rung = await fetch(`${sim.url}/_sim/inbound`, {
      method: 'POST',
      body: JSON.stringify({ from: '+14155550142', to: '+14155550100' }),
    });
    const { id } = (await rung.json()) as { id: string };
    await vi.waitFor(() => expect(app.types(id)).toContain('call.hangup'), WAIT);
    expect(app.find(id, 'call.initiated')?.data.payload).toMatchObject({
      from: '+14155550142',
      to: '+14155550100',
    });
    expect(() => sim.ringApp({ statusCallbackUrl: 'http://127.0.0.1/status' })).toThrow(
      /statusCallbackUrl applies to the twilio and signalwire flavours only/,
    );
  });
});
