import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createTelnyxCommandRecorder,
  officialParams,
  publicKeyBase64,
  sign,
  type SentCommand,
} from '../../test/telnyx-fixtures.js';
import type { InboundCallUpdate, InboundPolicy } from '../inbound/inbound.js';
import type { TelnyxStatusEvent } from './event.js';
import { createTelnyxClient, createTelnyxWebhookHandler } from './index.js';
import { decodeInboundState } from './_state.js';

const BASE = 'https://api.telnyx.test';
const CALLER = 'v3:caller-leg';
const FORWARD = 'v3:forward-leg';
const APP = '+14155550100';
const CALLER_NUMBER = '+14155552671';
const T0 = Date.parse('2026-11-25T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000);

const VOICEMAIL: InboundPolicy = {
  action: 'voicemail',
  message: 'We are closed. Please leave a message.',
  maxRecordingS: 60,
};
const FORWARDING: InboundPolicy = {
  action: 'forward',
  to: '(415) 555-0123',
  ringS: 20,
  message: 'Nobody can take your call. Please leave a message.',
};

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** The action each command path names, and the official type of its body. */
const PARAMS: Record<string, string> = {
  answer: 'ActionAnswerParams',
  speak: 'ActionSpeakParams',
  record_start: 'ActionStartRecordingParams',
  transfer: 'ActionTransferParams',
  reject: 'ActionRejectParams',
  client_state_update: 'ActionUpdateClientStateParams',
};

/** Every body key one its official type defines, every key it requires present, the SDK's method. */
function expectOfficial(sent: readonly SentCommand[]) {
  for (const { action, body, method } of sent) {
    const name = PARAMS[action];
    expect(name, action).toBeDefined();
    const { keys, required } = officialParams('resources/calls/actions.d.ts', name!);
    expect(keys.size, name).toBeGreaterThan(0);
    for (const key of Object.keys(body)) expect(keys.has(key), `${name}.${key}`).toBe(true);
    for (const key of required) expect(body, `${name} requires ${key}`).toHaveProperty(key);
    expect(method).toBe(action === 'client_state_update' ? 'PUT' : 'POST');
  }
}

/**
 * A client with `policy`, its webhook handler with `onInbound`, and the tests' "Telnyx":
 * `on(type, leg, payload, seconds)` delivers a signed webhook `times` times over, each answered 204.
 */
function setup(policy: InboundPolicy | undefined, { times = 1 } = {}) {
  const telnyx = createTelnyxCommandRecorder(BASE, FORWARD);
  server.use(telnyx.handler);
  const client = createTelnyxClient({
    apiKey: 'KEY',
    connectionId: 'conn-1',
    from: APP,
    baseUrl: BASE,
    retry: { limit: 1, baseDelayMs: 0 },
    ...(policy && { inbound: policy }),
  });
  const updates: InboundCallUpdate[] = [];
  const events: TelnyxStatusEvent[] = [];
  const handle = createTelnyxWebhookHandler({
    publicKey: publicKeyBase64,
    client,
    onEvent: (e) => void events.push(e),
    onInbound: (u) => void updates.push(u),
  });
  async function on(
    type: string,
    leg: string,
    payload: Record<string, unknown> = {},
    seconds = 0,
    options: { omitCallId?: boolean } = {},
  ) {
    const rawBody = JSON.stringify(telnyx.webhook(type, leg, payload, at(seconds), options));
    for (let i = 0; i < times; i += 1)
      expect(await handle({ rawBody, headers: sign(rawBody) })).toEqual({ status: 204 });
  }
  const steps = () => telnyx.sent.map((c) => `${c.method} ${c.callId} ${c.action}`);
  return { ...telnyx, client, updates, events, on, steps };
}

type Harness = ReturnType<typeof setup>;
const numbers = { from: CALLER_NUMBER, to: APP };
const ringing = (h: Harness) =>
  h.on('call.initiated', CALLER, { ...numbers, direction: 'incoming', state: 'parked' });
const recording = (startS: number, endS: number) => ({
  channels: 'single',
  recording_started_at: at(startS).toISOString(),
  recording_ended_at: at(endS).toISOString(),
  recording_urls: { mp3: 'https://s3.telnyx.test/rec.mp3?X-Amz-Expires=600', wav: null },
  public_recording_urls: { mp3: 'https://rec.telnyx.test/public/rec.mp3', wav: null },
});

/** A call answered for a voicemail: greeting, beep, 30 s of message, the caller hangs up. */
async function voicemailSteps(h: Harness, fromS: number) {
  await h.on('call.answered', CALLER, { ...numbers, state: 'answered' }, fromS);
  await h.on('call.speak.started', CALLER, {}, fromS);
  await h.on('call.speak.ended', CALLER, { status: 'completed' }, fromS + 3);
  await h.on('call.recording.started', CALLER, {}, fromS + 4);
  await h.on('call.hangup', CALLER, { ...numbers, hangup_cause: 'normal_clearing' }, fromS + 34);
  // The official CallRecordingSaved has no call_control_id: the state says whose it is.
  await h.on('call.recording.saved', CALLER, recording(fromS + 4, fromS + 34), fromS + 35, {
    omitCallId: true,
  });
}

const scenarios: Record<string, (h: Harness) => Promise<void>> = {
  async 'a voicemail'(h) {
    await ringing(h);
    await voicemailSteps(h, 1);
  },
  async 'a forward picked up'(h) {
    await ringing(h);
    await h.on('call.initiated', FORWARD, { from: APP, to: '+14155550123', direction: 'outgoing' });
    await h.on('call.answered', FORWARD, {}, 6);
    await h.on('call.bridged', CALLER, numbers, 6);
    await h.on('call.bridged', FORWARD, {}, 6);
    await h.on('call.hangup', FORWARD, { hangup_cause: 'normal_clearing' }, 66.4);
    await h.on('call.hangup', CALLER, { ...numbers, hangup_cause: 'normal_clearing' }, 66.4);
  },
  async 'a forward that rang out'(h) {
    await ringing(h);
    await h.on('call.initiated', FORWARD, { direction: 'outgoing' });
    await h.on('call.hangup', FORWARD, { hangup_cause: 'timeout' }, 20);
    await voicemailSteps(h, 20);
  },
  async 'a caller who hung up while the forward rang'(h) {
    await ringing(h);
    await h.on('call.initiated', FORWARD, { direction: 'outgoing' });
    await h.on('call.hangup', CALLER, { ...numbers, hangup_cause: 'originator_cancel' }, 8);
    await h.on('call.hangup', FORWARD, { hangup_cause: 'originator_cancel' }, 8);
  },
};

describe('Telnyx inbound calls: voicemail', () => {
  it('answers, speaks the message once answered, records once it is spoken, and reports a missed call with its voicemail', async () => {
    const h = setup(VOICEMAIL);
    await scenarios['a voicemail']!(h);
    expect(h.steps()).toEqual([
      `POST ${CALLER} answer`,
      `POST ${CALLER} speak`,
      `POST ${CALLER} record_start`,
    ]);
    const [answer, speak, record] = h.sent.map((c) => c.body);
    const state = { callId: CALLER, ...numbers, step: 'voicemail' };
    expect(decodeInboundState(answer!.client_state)).toEqual(state);
    expect(answer).toEqual({ client_state: answer!.client_state, command_id: `answer-${CALLER}` });
    expect(speak).toEqual({
      payload: VOICEMAIL.message,
      payload_type: 'text',
      voice: 'female',
      language: 'en-US',
      client_state: answer!.client_state,
      command_id: `greeting-${CALLER}`,
    });
    expect(record).toEqual({
      format: 'mp3',
      channels: 'single',
      max_length: 60,
      play_beep: true,
      client_state: answer!.client_state,
      command_id: `voicemail-${CALLER}`,
    });
    expectOfficial(h.sent);
    const base = { provider: 'telnyx', callId: CALLER, ...numbers };
    expect(h.updates.map(({ raw: _, ...u }) => u)).toEqual([
      { ...base, at: at(0), status: 'ringing', providerStatus: 'call.initiated' },
      { ...base, at: at(35), status: 'no-answer', providerStatus: 'normal_clearing' },
      {
        ...base,
        at: at(36),
        status: 'no-answer',
        providerStatus: 'call.recording.saved',
        recordingUrl: 'https://rec.telnyx.test/public/rec.mp3',
        recordingDurationS: 30,
      },
    ]);
    expect(h.events).toEqual([]);
  });

  it('records for 120 seconds when the policy does not say', async () => {
    const h = setup({ action: 'voicemail', message: 'Leave a message.' });
    await ringing(h);
    await voicemailSteps(h, 1);
    expect(h.sent.find((c) => c.action === 'record_start')?.body.max_length).toBe(120);
  });

  it('records nothing when the caller hung up during the message', async () => {
    const h = setup(VOICEMAIL);
    await ringing(h);
    await h.on('call.answered', CALLER, numbers, 1);
    await h.on('call.hangup', CALLER, { ...numbers, hangup_cause: 'normal_clearing' }, 2);
    await h.on('call.speak.ended', CALLER, { status: 'call_hangup' }, 2);
    expect(h.steps()).toEqual([`POST ${CALLER} answer`, `POST ${CALLER} speak`]);
    expect(h.updates.at(-1)).toMatchObject({ status: 'no-answer' });
  });
});

describe('Telnyx inbound calls: forward', () => {
  it('transfers to the number for ringS seconds, notes the pick-up, and reports a completed call with its length', async () => {
    const h = setup(FORWARDING);
    await scenarios['a forward picked up']!(h);
    expect(h.steps()).toEqual([`POST ${CALLER} transfer`, `PUT ${CALLER} client_state_update`]);
    const [transfer, noted] = h.sent.map((c) => c.body);
    expect(transfer).toEqual({
      to: '+14155550123',
      timeout_secs: 20,
      client_state: transfer!.client_state,
      target_leg_client_state: transfer!.client_state,
      command_id: `transfer-${CALLER}`,
    });
    expect(decodeInboundState(transfer!.client_state)).toEqual({
      callId: CALLER,
      ...numbers,
      step: 'forward',
    });
    expect(decodeInboundState(noted!.client_state)).toEqual({
      callId: CALLER,
      ...numbers,
      step: 'forward',
      bridgedAtMs: at(6).getTime(),
    });
    expectOfficial(h.sent);
    const base = { provider: 'telnyx', callId: CALLER, ...numbers };
    expect(h.updates.map(({ raw: _, ...u }) => u)).toEqual([
      { ...base, at: at(0), status: 'ringing', providerStatus: 'call.initiated' },
      { ...base, at: at(6), status: 'answered', providerStatus: 'call.bridged', answeredAt: at(6) },
      {
        ...base,
        at: at(66.4),
        status: 'completed',
        providerStatus: 'normal_clearing',
        answeredAt: at(6),
        durationS: 60,
      },
    ]);
    // The forward's own leg reports nothing of its own, not even to onEvent.
    expect(h.events).toEqual([]);
  });

  it('falls back to the voicemail steps on the caller’s leg when the forward rings out, and reports a missed call', async () => {
    const h = setup(FORWARDING);
    await scenarios['a forward that rang out']!(h);
    expect(h.steps()).toEqual([
      `POST ${CALLER} transfer`,
      `POST ${CALLER} answer`,
      `POST ${CALLER} speak`,
      `POST ${CALLER} record_start`,
    ]);
    expect(decodeInboundState(h.sent[1]!.body.client_state)).toMatchObject({ step: 'voicemail' });
    expect(h.sent[2]!.body.payload).toBe(FORWARDING.message);
    expect(h.sent[3]!.body.max_length).toBe(120);
    expectOfficial(h.sent);
    expect(h.updates.map((u) => [u.callId, u.status, u.providerStatus])).toEqual([
      [CALLER, 'ringing', 'call.initiated'],
      [CALLER, 'no-answer', 'normal_clearing'],
      [CALLER, 'no-answer', 'call.recording.saved'],
    ]);
    expect(h.updates.at(-1)).toMatchObject({
      recordingUrl: 'https://rec.telnyx.test/public/rec.mp3',
      recordingDurationS: 30,
    });
    expect(h.events).toEqual([]);
  });

  it.each(['user_busy', 'call_rejected', 'no_answer', 'not_found', 'unspecified'])(
    'falls back to the voicemail when the forward ends %s',
    async (cause) => {
      const h = setup(FORWARDING);
      await ringing(h);
      await h.on('call.hangup', FORWARD, { hangup_cause: cause }, 3);
      expect(h.steps()).toEqual([`POST ${CALLER} transfer`, `POST ${CALLER} answer`]);
    },
  );

  it('reports a caller who hung up while the forward rang as canceled, and answers nothing', async () => {
    const h = setup(FORWARDING);
    await scenarios['a caller who hung up while the forward rang']!(h);
    expect(h.steps()).toEqual([`POST ${CALLER} transfer`]);
    expect(h.updates.map((u) => [u.callId, u.status, u.providerStatus])).toEqual([
      [CALLER, 'ringing', 'call.initiated'],
      [CALLER, 'canceled', 'originator_cancel'],
    ]);
  });
});

describe('Telnyx inbound calls: reject', () => {
  it.each([
    ['busy', 'USER_BUSY', 'user_busy'],
    ['rejected', 'CALL_REJECTED', 'call_rejected'],
  ] as const)(
    'rejects a call %s with cause %s and reports it busy',
    async (reason, cause, hangup) => {
      const h = setup({ action: 'reject', reason });
      await ringing(h);
      await h.on('call.hangup', CALLER, { ...numbers, hangup_cause: hangup }, 0.2);
      expect(h.steps()).toEqual([`POST ${CALLER} reject`]);
      expect(h.sent[0]!.body).toEqual({
        cause,
        client_state: h.sent[0]!.body.client_state,
        command_id: `reject-${CALLER}`,
      });
      expect(decodeInboundState(h.sent[0]!.body.client_state)).toMatchObject({ step: 'reject' });
      expectOfficial(h.sent);
      expect(h.updates.map((u) => [u.status, u.providerStatus])).toEqual([
        ['ringing', 'call.initiated'],
        ['busy', hangup],
      ]);
    },
  );
});

describe('Telnyx inbound calls, delivered again', () => {
  it.each(Object.keys(scenarios))(
    'sends each command of %s again with the same command_id, and gives the same updates',
    async (name) => {
      const policy = name === 'a voicemail' ? VOICEMAIL : FORWARDING;
      const once = setup(policy);
      await scenarios[name]!(once);
      server.resetHandlers();
      const twice = setup(policy, { times: 2 });
      await scenarios[name]!(twice);
      expect(twice.sent).toEqual(once.sent.flatMap((c) => [c, c]));
      for (const c of twice.sent.filter((c) => c.action !== 'client_state_update'))
        expect(c.body.command_id).toMatch(/^[a-z]+-v3:caller-leg$/);
      const withoutRaw = (u: InboundCallUpdate) => ({ ...u, raw: undefined });
      expect(twice.updates.map(withoutRaw)).toEqual(
        once.updates.flatMap((u) => [withoutRaw(u), withoutRaw(u)]),
      );
      for (let i = 0; i < twice.updates.length; i += 2)
        expect(twice.updates[i]).toEqual(twice.updates[i + 1]);
    },
  );
});
