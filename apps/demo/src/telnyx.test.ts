/**
 * The demo with `CALL_PROVIDER=telnyx`, end to end against the Telnyx simulator: the simulator's
 * own signed webhooks reach `POST /webhooks/telnyx` at `PUBLIC_URL`, where the one Telnyx client
 * speaks each call's message once answered and the scheduler or the campaign follows the call to
 * its end.
 */
import { TELNYX_TEST_CREDENTIALS, type SimulatorKnobs } from '@ringkit/simulator';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { API_LIMITS } from './routes/capabilities.js';
import { CALL_PROVIDER_OPTIONS, loadConfig } from './config.js';
import type { OpsSample } from './ops.js';
import { startServer } from './server.js';
import { api, eventually, freePort, startTestApp, type TestApp } from './_test-utils.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const PHONE = '+14155552671';

/** The Telnyx variables of a configuration, the simulator's test account's. */
const TELNYX_TEST_CREDENTIALS_ENV = {
  TELNYX_API_KEY: TELNYX_TEST_CREDENTIALS.apiKey,
  TELNYX_CONNECTION_ID: TELNYX_TEST_CREDENTIALS.connectionId,
  TELNYX_PUBLIC_KEY: Buffer.alloc(32, 9).toString('base64'),
  CALLER_ID: '+14155550100',
  PUBLIC_URL: 'https://demo.example',
  LOG_LEVEL: 'silent',
};

/**
 * The app on a fixed port, `PUBLIC_URL` naming it, so the simulator's webhooks reach it; every
 * call is answered (by a machine with `machineRate: 1`) and talks long enough to be spoken to.
 */
async function startTelnyxApp(knobs: Partial<SimulatorKnobs> = {}) {
  const port = await freePort();
  return startTestApp({
    telnyx: { stepMs: [150, 250], outcomes: { completed: 1 }, ...knobs },
    opsIntervalMs: 100,
    env: {
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DIALER_NUMBERS: '13018040009',
      DIALER_CONCURRENCY: '1',
    },
  });
}

describe('the demo on Telnyx', () => {
  it('says that it honours a message and machine detection, as its client does', async () => {
    app = await startTelnyxApp();
    const res = await api(`${app.url}/api/capabilities`);
    expect(res.json).toEqual({
      provider: 'telnyx',
      provider_name: 'telnyx',
      call_options: ['message', 'machine_detection'],
      limits: API_LIMITS,
    });
    expect(app.server.runtime.callOptions).toEqual(CALL_PROVIDER_OPTIONS.telnyx);
  });

  it('places a scheduled call, speaks its message into the voicemail, and follows it to completed', async () => {
    app = await startTelnyxApp({ machineRate: 1 });
    const message = 'Your appointment with Dr Ruiz is tomorrow at 9:30.';
    const created = await api(`${app.url}/api/scheduled-calls`, {
      method: 'POST',
      body: {
        phone_number: PHONE,
        scheduled_time: new Date().toISOString(),
        message,
        machine_detection: 'detect-beep',
      },
    });
    expect(created.status).toBe(201);
    const done = await eventually(async () => {
      const { json } = await api(`${app!.url}/api/scheduled-calls/${created.json.id}`);
      return json.status === 'completed' ? json : null;
    });
    expect(done).toMatchObject({ message, machine_detection: 'detect-beep' });
    expect(done.provider_call_id).toMatch(/^v3:/);
    expect(done.timeline.map((step: { status: string }) => step.status)).toEqual(
      expect.arrayContaining(['initiated', 'answered', 'completed']),
    );

    const [call, ...others] = app.telnyx!.calls();
    expect(others).toEqual([]);
    expect(call).toMatchObject({
      id: done.provider_call_id,
      phone: PHONE,
      from: '+14155550100',
      webhookUrl: `${app.url.replace('localhost', '127.0.0.1')}/webhooks/telnyx`,
      machineDetection: 'greeting_end',
      answeredBy: 'machine',
      spoken: [message],
    });

    const history = await eventually(async () => {
      const { json } = await api(`${app!.url}/api/calls/${encodeURIComponent(PHONE)}`);
      return json.items.length > 0 ? json : null;
    });
    expect(history.items).toEqual([
      expect.objectContaining({ type: 'Completed Inbound', answered_by: 'machine' }),
    ]);

    const metrics = await api(`${app.url}/metrics`);
    expect(metrics.text).toMatch(
      /^ringkit_calls_placed_total\{provider="telnyx",source="scheduler"\} 1$/m,
    );
    expect(metrics.text).toMatch(
      /^ringkit_calls_ended_total\{status="completed",source="scheduler"\} 1$/m,
    );
    await vi.waitFor(
      async () => {
        const { samples } = (await api(`${app!.url}/api/ops`)).json as { samples: OpsSample[] };
        const placed = samples.reduce((sum, s) => sum + s.placed_per_s.scheduler * 0.1, 0);
        expect(Math.round(placed)).toBe(1);
      },
      { timeout: 5_000, interval: 100 },
    );
  });

  it('follows a call with the longest message Telnyx speaks: its webhooks, which carry it, fit the body limit', async () => {
    app = await startTelnyxApp({ machineRate: 0 });
    // 3000 characters of three UTF-8 bytes each, in every webhook's client_state, in base64.
    const message = '語'.repeat(3000);
    const created = await api(`${app.url}/api/scheduled-calls`, {
      method: 'POST',
      body: { phone_number: PHONE, scheduled_time: new Date().toISOString(), message },
    });
    expect(created.status).toBe(201);
    await eventually(async () => {
      const { json } = await api(`${app!.url}/api/scheduled-calls/${created.json.id}`);
      return json.status === 'completed';
    });
    expect(app.telnyx!.calls()[0]!.spoken).toEqual([message]);
  });

  it('dials a campaign of a few numbers through the same client, each saying its own message once', async () => {
    // Every webhook twice, as Telnyx may send it: each message is still spoken once.
    app = await startTelnyxApp({ machineRate: 0, duplicateWebhookRate: 1 });
    const numbers = ['+13018040009', '+19842068287', '+15512459377'];
    const res = await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: {
        name: 'reminders',
        numbers: numbers.map((phone, i) => ({ phone, say: `Reminder number ${i + 1}.` })),
        concurrency: 2,
      },
    });
    expect(res.status).toBe(201);
    const done = await eventually(async () => {
      const { json } = await api(`${app!.url}/api/campaigns/reminders`);
      return json.state === 'done' ? json : null;
    }, 15_000);
    expect(done.progress).toMatchObject({ dialed: 3, live: 0, completed: 3, missed: 0 });
    expect(done.entries.map((e: { phone: string; status: string }) => [e.phone, e.status])).toEqual(
      numbers.map((phone) => [phone, 'completed']),
    );
    const spoken = Object.fromEntries(app.telnyx!.calls().map((c) => [c.phone, c.spoken]));
    expect(spoken).toEqual(
      Object.fromEntries(numbers.map((phone, i) => [phone, [`Reminder number ${i + 1}.`]])),
    );
    const metrics = await api(`${app.url}/metrics`);
    expect(metrics.text).toMatch(
      /^ringkit_calls_placed_total\{provider="telnyx",source="dialer"\} 3$/m,
    );
  });

  it('dials the configured list through the same client, on the configured connection', async () => {
    app = await startTelnyxApp();
    expect((await api(`${app.url}/api/dialer/start`, { method: 'POST' })).status).toBe(202);
    const dialer = await eventually(async () => {
      const { json } = await api(`${app!.url}/api/dialer`);
      return json.state === 'done' ? json : null;
    });
    expect(dialer.entries).toEqual([
      expect.objectContaining({ phone: '+13018040009', status: 'completed' }),
    ]);
    expect(app.telnyx!.calls()[0]!.createParams).toMatchObject({
      connection_id: TELNYX_TEST_CREDENTIALS.connectionId,
    });
  });

  it('refuses, on its field, a scheduled message longer than Telnyx speaks, and stores nothing', async () => {
    app = await startTelnyxApp();
    const res = await api(`${app.url}/api/scheduled-calls`, {
      method: 'POST',
      body: {
        phone_number: PHONE,
        scheduled_time: new Date().toISOString(),
        message: 'x'.repeat(3001),
      },
    });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({
      code: 'invalid_request',
      details: {
        issues: [
          expect.objectContaining({
            path: ['message'],
            message: 'Telnyx speaks at most 3000 characters (actions/speak)',
          }),
        ],
      },
    });
    expect((await api(`${app.url}/api/scheduled-calls`)).json.items).toEqual([]);
  });

  it('refuses, on its row, a campaign message longer than Telnyx speaks, and creates nothing', async () => {
    app = await startTelnyxApp();
    const res = await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: {
        name: 'too-long',
        numbers: ['+13018040009', { phone: '+19842068287', say: 'x'.repeat(3001) }],
      },
    });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({
      code: 'invalid_numbers',
      message:
        '1 of 2 numbers have a message the provider refuses: row 2 (Telnyx speaks at most 3000 characters (actions/speak))',
      details: {
        invalid_numbers: [
          {
            row: 2,
            phone: '+19842068287',
            message: 'Telnyx speaks at most 3000 characters (actions/speak)',
          },
        ],
      },
    });
    expect((await api(`${app.url}/api/campaigns/too-long`)).status).toBe(404);
    expect(app.telnyx!.calls()).toEqual([]);
  });

  it('does not start with a DIALER_MESSAGE longer than Telnyx speaks, saying so in one line', async () => {
    const config = loadConfig({
      CALL_PROVIDER: 'telnyx',
      ...TELNYX_TEST_CREDENTIALS_ENV,
      DIALER_MESSAGE: 'x'.repeat(3001),
    });
    await expect(startServer(config, { store: createMemoryStore() })).rejects.toThrow(
      /^Invalid configuration: DIALER_MESSAGE: Telnyx speaks at most 3000 characters \(actions\/speak\)$/,
    );
  });
});
