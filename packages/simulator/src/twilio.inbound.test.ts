/**
 * The Twilio flavour rings a local app with inbound calls; the app answers with TwiML built by
 * the official `twilio` package and checks every request with its `validateRequest`.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isInvalidOptionsError, isUnsupportedOperationError } from '@ringkit/call-client';
import { startTwilioApp, GREETING, type TwilioPolicy } from '../test/inbound-twilio-app.js';
import { startCallApiSimulator, type SimulatorOptions } from './simulator.js';
import { TWILIO_TEST_CREDENTIALS } from './twilio-credentials.js';
import type { SimulatorEvent } from './types.js';

const WAIT = { timeout: 5000, interval: 5 };
const CALLER = '+14155552671';
const APP_NUMBER = '+15005550006';
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function setup(policy: TwilioPolicy, inbound: SimulatorOptions['inbound'] = {}) {
  const app = await startTwilioApp(policy);
  const events: SimulatorEvent[] = [];
  const sim = await startCallApiSimulator({
    flavour: 'twilio',
    stepMs: 5,
    seed: 7,
    onEvent: (event) => events.push(event),
    inbound: {
      url: `${app.url}/voice`,
      statusCallbackUrl: `${app.url}/status`,
      from: CALLER,
      hangUpWhileRingingRate: 0,
      voicemailRate: 1,
      ...inbound,
    },
  });
  open.push(app, sim);
  const ended = async (sid: string) => {
    await vi.waitFor(() => expect(app.to('/status')).toHaveLength(1), WAIT);
    return sim.calls().find((call) => call.id === sid)!;
  };
  return { app, sim, events, ended };
}

describe('the Twilio flavour ringing an app', () => {
  it('sends the voice webhook with Twilio’s parameters, signed as its status callbacks are', async () => {
    const { app, sim, ended } = await setup({ action: 'voicemail' });
    const sid = sim.ringApp();
    await ended(sid);
    const [voice] = app.to('/voice');
    expect(voice?.params).toEqual({
      AccountSid: TWILIO_TEST_CREDENTIALS.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: sid,
      CallStatus: 'ringing',
      CallToken: expect.any(String),
      Called: APP_NUMBER,
      Caller: CALLER,
      Direction: 'inbound',
      From: CALLER,
      To: APP_NUMBER,
    });
    expect(sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(app.requests.every((request) => request.valid)).toBe(true);
  });

  it('plays a voicemail: the greeting, a recording whose URL answers audio, the action’s TwiML', async () => {
    const { app, sim, ended } = await setup({ action: 'voicemail' });
    const call = await ended(sim.ringApp());
    const [recorded] = app.to('/recorded');
    expect(recorded?.params).toMatchObject({
      CallStatus: 'in-progress',
      RecordingSid: expect.stringMatching(/^RE[0-9a-f]{32}$/),
      RecordingDuration: '1',
      RecordingUrl: `${sim.url}/2010-04-01/Accounts/${TWILIO_TEST_CREDENTIALS.accountSid}/Recordings/${recorded?.params.RecordingSid}`,
    });
    const audio = await fetch(`${recorded?.params.RecordingUrl}.mp3`);
    expect([audio.status, audio.headers.get('content-type')]).toEqual([200, 'audio/mpeg']);
    expect((await audio.arrayBuffer()).byteLength).toBeGreaterThan(0);
    const wav = await fetch(recorded?.params.RecordingUrl ?? '');
    expect(wav.headers.get('content-type')).toBe('audio/x-wav');
    expect(app.to('/status')[0]?.params).toMatchObject({
      CallStatus: 'completed',
      Direction: 'inbound',
      CallDuration: expect.stringMatching(/^\d+$/),
    });
    expect(call).toMatchObject({
      direction: 'inbound',
      status: 'completed',
      phone: APP_NUMBER,
      from: CALLER,
      spoken: [GREETING, 'Thank you. Goodbye.'],
      forwards: [],
      recordings: [
        { id: recorded?.params.RecordingSid, url: recorded?.params.RecordingUrl, durationS: 1 },
      ],
    });
    expect(app.requests.every((request) => request.valid)).toBe(true);
  });

  it('requests no action when the caller hangs up without leaving a message', async () => {
    const { app, sim, ended } = await setup({ action: 'voicemail' }, { voicemailRate: 0 });
    const call = await ended(sim.ringApp());
    expect(app.requests.map((request) => request.path)).toEqual(['/voice', '/status']);
    expect(app.to('/status')[0]?.params.CallStatus).toBe('completed');
    expect(call).toMatchObject({ status: 'completed', spoken: [GREETING], recordings: [] });
  });

  it('forwards a call the forwarded party answers, then plays the Dial action’s TwiML', async () => {
    const { app, sim, ended } = await setup(
      { action: 'forward', to: '+14155550199' },
      { forwardOutcomes: { completed: 1 } },
    );
    const call = await ended(sim.ringApp());
    expect(app.to('/dialed')[0]?.params).toMatchObject({
      DialCallStatus: 'completed',
      DialCallSid: expect.stringMatching(/^CA[0-9a-f]{32}$/),
      DialCallDuration: '1',
      DialBridged: 'true',
      CallStatus: 'in-progress',
    });
    expect(app.to('/recorded')).toEqual([]);
    expect(call.forwards).toEqual([
      {
        id: app.to('/dialed')[0]?.params.DialCallSid,
        to: '+14155550199',
        status: 'completed',
        durationS: 1,
      },
    ]);
    expect(app.to('/status')[0]?.params.CallStatus).toBe('completed');
  });

  it('leaves a forward that rang out to the voicemail the Dial action answers', async () => {
    const { app, sim, ended } = await setup(
      { action: 'forward', to: '+14155550199' },
      { forwardOutcomes: { 'no-answer': 1 } },
    );
    const call = await ended(sim.ringApp());
    const dialed = app.to('/dialed')[0]?.params;
    expect(dialed).toMatchObject({ DialCallStatus: 'no-answer', DialBridged: 'false' });
    expect(dialed).not.toHaveProperty('DialCallDuration');
    expect(app.to('/recorded')).toHaveLength(1);
    expect(call).toMatchObject({
      status: 'completed',
      spoken: [GREETING, 'Thank you. Goodbye.'],
      forwards: [{ status: 'no-answer' }],
      recordings: [{ durationS: 1 }],
    });
  });

  it.each([
    ['busy', 'busy'],
    ['rejected', 'no-answer'],
  ] as const)('ends a call the app rejects with reason %s as %s', async (reason, status) => {
    const { app, sim, ended } = await setup({ action: 'reject', reason });
    const call = await ended(sim.ringApp());
    expect(app.to('/status')[0]?.params).toMatchObject({ CallStatus: status, CallDuration: '0' });
    expect(call).toMatchObject({ status, outcome: status, spoken: [] });
  });

  it('ends a call canceled when the caller hangs up before the app’s TwiML plays', async () => {
    const { app, sim, ended } = await setup({ action: 'voicemail' }, { hangUpWhileRingingRate: 1 });
    const call = await ended(sim.ringApp());
    expect(app.to('/voice')).toHaveLength(1);
    expect(app.to('/status')[0]?.params).toMatchObject({
      CallStatus: 'canceled',
      CallDuration: '0',
    });
    expect(call).toMatchObject({ status: 'canceled', outcome: 'no-answer', spoken: [] });
  });

  it.each([
    ['after it', 0, ['/voice', '/dialed', '/status']],
    ['before it with outOfOrderRate 1', 1, ['/voice', '/status', '/dialed']],
  ])(
    'requests the Dial action with canceled when the caller hangs up while the forward rings, the status callback %s',
    async (_, outOfOrderRate, order) => {
      const app = await startTwilioApp({ action: 'forward', to: '+14155550199' });
      const sim = await startCallApiSimulator({
        flavour: 'twilio',
        stepMs: 5,
        outOfOrderRate,
        inbound: {
          url: `${app.url}/voice`,
          statusCallbackUrl: `${app.url}/status`,
          hangUpWhileRingingRate: 0,
          hangUpWhileForwardRingsRate: 1,
        },
      });
      open.push(app, sim);
      const sid = sim.ringApp();
      await vi.waitFor(() => expect(app.requests).toHaveLength(3), WAIT);
      expect(app.requests.map((request) => request.path)).toEqual(order);
      expect(app.to('/dialed')[0]?.params).toMatchObject({
        DialCallStatus: 'canceled',
        CallStatus: 'completed',
      });
      expect(app.to('/status')[0]?.params.CallStatus).toBe('completed');
      expect(sim.calls().find((call) => call.id === sid)?.forwards).toMatchObject([
        { status: 'canceled' },
      ]);
      expect(app.requests.every((request) => request.valid)).toBe(true);
    },
  );

  it.each([
    ['a verb it does not play', '<Response><Gather/></Response>', 'text/xml', '12200'],
    [
      'an attribute Twilio does not document',
      '<Response><Say colour="red">Hi</Say></Response>',
      'text/xml',
      '12200',
    ],
    ['XML that is not well-formed', '<Response><Say>Hi</Response>', 'text/xml', '12100'],
    ['a Content-Type other than XML', '<Response/>', 'text/plain', '12300'],
    [
      '<Reject> after another verb',
      '<Response><Say>Hi</Say><Reject/></Response>',
      'text/xml',
      '12200',
    ],
  ])(
    'fails a call whose TwiML holds %s, reported as rejected',
    async (_, body, contentType, code) => {
      const { sim, app, events, ended } = await setup({ action: 'twiml', body, contentType });
      const call = await ended(sim.ringApp());
      expect(call.status).toBe('failed');
      expect(app.to('/status')[0]?.params.CallStatus).toBe('failed');
      expect(events.filter((event) => event.type === 'rejected')).toEqual([
        expect.objectContaining({ code, path: `${app.url}/voice`, message: expect.any(String) }),
      ]);
    },
  );

  it('plays <Pause>, <Redirect> and a relative action, and ends the call at the end of the TwiML', async () => {
    const body = `<?xml version="1.0" encoding="UTF-8"?>
      <Response><!-- a comment --><Say voice="alice">Hello &amp; welcome</Say><Pause length="2"/>
      <Redirect method="POST">/recorded</Redirect></Response>`;
    const { app, sim, ended } = await setup({ action: 'twiml', body });
    const call = await ended(sim.ringApp());
    expect(app.requests.map((request) => request.path)).toEqual(['/voice', '/recorded', '/status']);
    expect(call.spoken).toEqual(['Hello & welcome', 'Thank you. Goodbye.']);
    expect(call.status).toBe('completed');
  });

  it('doubles the status callback with duplicateWebhookRate 1', async () => {
    const app = await startTwilioApp({ action: 'reject', reason: 'busy' });
    const sim = await startCallApiSimulator({
      flavour: 'twilio',
      duplicateWebhookRate: 1,
      inbound: { url: `${app.url}/voice`, statusCallbackUrl: `${app.url}/status` },
    });
    open.push(app, sim);
    sim.ringApp({ from: CALLER });
    await vi.waitFor(() => expect(app.to('/status')).toHaveLength(2), WAIT);
    expect(app.to('/status')[0]?.params).toEqual(app.to('/status')[1]?.params);
  });

  it('shows an inbound call in the Calls resource with direction inbound', async () => {
    const { sim, ended } = await setup({ action: 'voicemail' });
    const sid = sim.ringApp();
    await ended(sid);
    const { accountSid, authToken } = TWILIO_TEST_CREDENTIALS;
    const response = await fetch(`${sim.url}/2010-04-01/Accounts/${accountSid}/Calls/${sid}.json`, {
      headers: { authorization: `Basic ${btoa(`${accountSid}:${authToken}`)}` },
    });
    expect(await response.json()).toMatchObject({
      sid,
      direction: 'inbound',
      status: 'completed',
      from: CALLER,
      to: APP_NUMBER,
    });
  });

  it('rings on POST /_sim/inbound, and refuses a body that is not a ring with 400', async () => {
    const { app, sim } = await setup({ action: 'voicemail' });
    const rung = await fetch(`${sim.url}/_sim/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: '+14155550142' }),
    });
    expect(rung.status).toBe(201);
    const { id } = (await rung.json()) as { id: string };
    await vi.waitFor(() => expect(app.to('/voice')).toHaveLength(1), WAIT);
    expect(app.to('/voice')[0]?.params).toMatchObject({ CallSid: id, From: '+14155550142' });
    const bad = await fetch(`${sim.url}/_sim/inbound`, {
      method: 'POST',
      body: JSON.stringify({ from: 'nobody', colour: 'red' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: { code: 'invalid_request', message: expect.stringMatching(/colour.*|from/) },
    });
    const get = await fetch(`${sim.url}/_sim/inbound`, { method: 'PUT' });
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
  });

  it('rings by itself every inbound.everyMs on average, and stops once closed', async () => {
    const app = await startTwilioApp({ action: 'reject', reason: 'busy' });
    const sim = await startCallApiSimulator({
      flavour: 'twilio',
      inbound: { url: `${app.url}/voice`, everyMs: 10 },
    });
    open.push(app);
    await vi.waitFor(() => expect(app.to('/voice').length).toBeGreaterThanOrEqual(3), WAIT);
    await sim.close();
    // A request already on its way when the simulator closed may still land: let it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const count = app.to('/voice').length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(app.to('/voice')).toHaveLength(count);
    expect(() => sim.ringApp()).toThrow(/closed/);
  });

  it('refuses ringApp without a url anywhere, and on a flavour with no inbound calls', async () => {
    const sim = await startCallApiSimulator({ flavour: 'twilio' });
    const polling = await startCallApiSimulator({ flavour: 'polling' });
    open.push(sim, polling);
    const error = (fn: () => unknown) => {
      try {
        fn();
      } catch (caught) {
        return caught;
      }
      return undefined;
    };
    const noUrl = error(() => sim.ringApp());
    expect(isInvalidOptionsError(noUrl)).toBe(true);
    expect((noUrl as Error).message).toContain('url');
    expect(isInvalidOptionsError(error(() => sim.ringApp({ url: 'x', from: '1' })))).toBe(true);
    expect(isUnsupportedOperationError(error(() => polling.ringApp()))).toBe(true);
    expect(sim.calls()).toEqual([]);
  });
});
