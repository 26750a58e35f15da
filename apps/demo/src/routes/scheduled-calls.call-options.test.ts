/**
 * What a scheduled call says (`message`) and whether it detects an answering machine
 * (`machine_detection`): stored and sent with the Twilio provider, refused with a 400 and nothing
 * stored with the mock provider, which takes only a number; `GET /api/capabilities` says which.
 */
import type { StatusCallbackDeliverer } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { API_LIMITS } from './capabilities.js';
import { CALL_PROVIDER_OPTIONS } from '../config.js';
import { api, eventually, startTestApp, type TestApp } from '../_test-utils.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const PHONE = '+14155552671';
const soon = () => new Date(Date.now() + 3_600_000).toISOString();
const now = () => new Date().toISOString();

function schedule(body: Record<string, unknown>) {
  return api(`${app!.url}/api/scheduled-calls`, {
    method: 'POST',
    body: { phone_number: PHONE, scheduled_time: soon(), ...body },
  });
}

/** The first call Twilio's simulator was asked to place, once it was. */
const firstCall = async () => (await eventually(() => app!.twilio!.calls()[0]))!;

/** The app on Twilio's simulator; its calls take minutes per step and call back nobody. */
const startTwilioApp = (env: Record<string, string> = {}) =>
  startTestApp({
    twilio: { stepMs: 600_000, callsPerSecond: 100, deliverStatusCallback: async () => {} },
    env,
  });

describe('with the Twilio provider', () => {
  it('says that it honours a message and machine detection', async () => {
    app = await startTwilioApp();
    const res = await api(`${app.url}/api/capabilities`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      provider: 'twilio',
      provider_name: 'twilio',
      call_options: ['message', 'machine_detection'],
      limits: API_LIMITS,
    });
    // What the configuration checks DIALER_MESSAGE against is what the client says.
    expect(app.server.runtime.callOptions).toEqual(CALL_PROVIDER_OPTIONS.twilio);
  });

  it('stores a message and machine detection, shows them, and sends them to Twilio', async () => {
    app = await startTwilioApp();
    const message = 'Your order <#42> & the invoice are ready.';
    const created = await schedule({
      message: `  ${message} `,
      machine_detection: 'detect-beep',
      scheduled_time: now(),
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ message, machine_detection: 'detect-beep' });

    const one = await api(`${app.url}/api/scheduled-calls/${created.json.id}`);
    expect(one.json).toMatchObject({ message, machine_detection: 'detect-beep' });
    const list = await api(`${app.url}/api/scheduled-calls`);
    expect(list.json.items).toEqual([
      expect.objectContaining({ id: created.json.id, message, machine_detection: 'detect-beep' }),
    ]);

    const call = await firstCall();
    expect(call.phone).toBe(PHONE);
    expect(call.twiml).toBe(
      '<Response><Say>Your order &lt;#42&gt; &amp; the invoice are ready.</Say></Response>',
    );
    expect(call.machineDetection).toBe('DetectMessageEnd');
  });

  it('refuses a message Twilio could not take once escaped, on its field, and stores nothing', async () => {
    app = await startTwilioApp();
    // 1000 characters, 5000 once XML-escaped: more TwiML than Twilio takes.
    const res = await schedule({ message: '&'.repeat(1000) });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
    expect(res.json.error.details.issues).toEqual([expect.objectContaining({ path: ['message'] })]);
    expect((await api(`${app.url}/api/scheduled-calls`)).json.items).toEqual([]);
  });

  it('shows null for the options a call was scheduled without', async () => {
    app = await startTwilioApp();
    const created = await schedule({});
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ message: null, machine_detection: null });
  });

  it('gives the dialer calls DIALER_MESSAGE to say', async () => {
    app = await startTwilioApp({
      DIALER_NUMBERS: '13018040009',
      DIALER_CONCURRENCY: '1',
      DIALER_MESSAGE: 'Your parcel arrives today.',
    });
    expect((await api(`${app.url}/api/dialer/start`, { method: 'POST' })).status).toBe(202);
    const call = await firstCall();
    expect(call.phone).toBe('+13018040009');
    expect(call.twiml).toBe('<Response><Say>Your parcel arrives today.</Say></Response>');
  });
});

describe('history with machine detection', () => {
  it('carries answered_by machine for a call an answering machine took', async () => {
    let appUrl = '';
    // The simulator's signed callbacks, signed for PUBLIC_URL, reach the app where it listens.
    const forward: StatusCallbackDeliverer = async (request) => {
      await fetch(`${appUrl}/webhooks/twilio`, {
        method: 'POST',
        headers: request.headers,
        body: new URLSearchParams(request.params).toString(),
      });
    };
    app = await startTestApp({
      twilio: {
        machineRate: 1,
        outcomes: { completed: 1 },
        callsPerSecond: 100,
        deliverStatusCallback: forward,
      },
    });
    appUrl = app.url;
    const created = await schedule({ machine_detection: 'detect', scheduled_time: now() });
    expect(created.status).toBe(201);
    await eventually(async () => {
      const { json } = await api(`${app!.url}/api/scheduled-calls/${created.json.id}`);
      return json.status === 'completed';
    });
    const history = await eventually(async () => {
      const { json } = await api(`${app!.url}/api/calls/${encodeURIComponent(PHONE)}`);
      return json.items.length > 0 && json.items[0].type === 'Completed Inbound' ? json : null;
    });
    expect(history.items).toEqual([expect.objectContaining({ answered_by: 'machine' })]);
    expect(app.twilio!.calls()[0]!.answeredBy).toMatch(/^machine_/);
  });
});

describe('with the mock provider, which takes only a number', () => {
  it('says that it honours no call option, and the limits of the routes', async () => {
    app = await startTestApp();
    expect((await api(`${app.url}/api/capabilities`)).json).toEqual({
      provider: 'mock',
      // What scheduled calls store as their provider: a call naming another one waits.
      provider_name: 'mock-call-api',
      call_options: [],
      // What the forms show: the limits the routes apply, from the server.
      limits: {
        campaign_numbers: 10_000,
        campaign_body_bytes: 1024 * 1024,
        schedule_ahead_ms: 366 * 86_400_000,
      },
    });
    expect(app.server.runtime.callOptions).toEqual(CALL_PROVIDER_OPTIONS.mock);
  });

  it.each([
    ['message', { message: 'Hello there.' }],
    ['machine_detection', { machine_detection: 'detect' }],
    ['machine_detection', { machine_detection: 'detect-beep' }],
  ])('refuses %s with a 400 that names it, and stores nothing', async (option, body) => {
    app = await startTestApp();
    const res = await schedule({ ...body, scheduled_time: now() });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({
      code: 'unsupported_call_option',
      message: expect.stringMatching(
        new RegExp(`^The configured call provider \\(mock-call-api\\) cannot honour ${option}`),
      ),
      details: { provider: 'mock-call-api', option, issues: [{ path: [option] }] },
    });
    expect((await api(`${app.url}/api/scheduled-calls`)).json.items).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(app.polling.calls()).toEqual([]);
  });

  it('takes machine detection off, which asks for nothing', async () => {
    app = await startTestApp();
    const res = await schedule({ machine_detection: 'off' });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ message: null, machine_detection: 'off' });
  });

  it.each([
    ['message', { message: 42 }],
    ['message', { message: 'x'.repeat(4001) }],
    ['message', { message: 'Ring \u0007 ring' }],
    ['message', { message: '   ' }],
    ['machine_detection', { machine_detection: 'sometimes' }],
    ['machine_detection', { machine_detection: true }],
  ])('refuses a malformed %s with invalid_request on its field', async (field, body) => {
    app = await startTestApp();
    const res = await schedule(body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
    expect(res.json.error.details.issues).toEqual([
      expect.objectContaining({ in: 'body', path: [field] }),
    ]);
    expect((await api(`${app.url}/api/scheduled-calls`)).json.items).toEqual([]);
  });
});
