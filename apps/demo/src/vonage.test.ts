/**
 * The demo with `CALL_PROVIDER=vonage`, end to end against the Vonage simulator: each call's
 * NCCO speaks its message, and the simulator's events, signed with the account's signature
 * secret, reach `POST /webhooks/vonage` at `PUBLIC_URL`, where the scheduler or the campaign
 * follows each call to its end.
 */
import type { SimulatorKnobs } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { API_LIMITS } from './routes/capabilities.js';
import { CALL_PROVIDER_OPTIONS } from './config.js';
import { api, eventually, freePort, startTestApp, type TestApp } from './_test-utils.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const PHONE = '+14155552671';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The app on a fixed port, `PUBLIC_URL` naming it, so the simulator's events reach it. */
async function startVonageApp(knobs: Partial<SimulatorKnobs> = {}) {
  const port = await freePort();
  return startTestApp({
    vonage: { stepMs: [20, 60], outcomes: { completed: 1 }, ...knobs },
    env: {
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DIALER_NUMBERS: '13018040009',
      DIALER_CONCURRENCY: '1',
    },
  });
}

const eventUrl = () => `${app!.url.replace('localhost', '127.0.0.1')}/webhooks/vonage`;

describe('the demo on Vonage', () => {
  it('says that it honours every call option, as its client does', async () => {
    app = await startVonageApp();
    const res = await api(`${app.url}/api/capabilities`);
    expect(res.json).toMatchObject({ provider: 'vonage', provider_name: 'vonage' });
    expect(res.json.limits).toEqual(API_LIMITS);
    expect(app.server.runtime.callOptions).toEqual(CALL_PROVIDER_OPTIONS.vonage);
  });

  it('places a scheduled call whose NCCO speaks its message, and follows it to completed', async () => {
    app = await startVonageApp({ machineRate: 1 });
    const message = 'Your appointment with Dr Ruiz is tomorrow at 9:30.';
    const created = await api(`${app.url}/api/scheduled-calls`, {
      method: 'POST',
      body: {
        phone_number: PHONE,
        scheduled_time: new Date().toISOString(),
        message,
        machine_detection: 'detect',
      },
    });
    expect(created.status).toBe(201);
    const done = await eventually(async () => {
      const { json } = await api(`${app!.url}/api/scheduled-calls/${created.json.id}`);
      return json.status === 'completed' ? json : null;
    });
    expect(done.provider_call_id).toMatch(UUID);
    expect(done.timeline.map((step: { status: string }) => step.status)).toEqual(
      expect.arrayContaining(['initiated', 'ringing', 'answered', 'completed']),
    );

    const [call, ...others] = app.vonage!.calls();
    expect(others).toEqual([]);
    expect(call).toMatchObject({
      id: done.provider_call_id,
      phone: PHONE,
      from: '+14155550100',
      webhookUrl: eventUrl(),
      spoken: [message],
      answeredBy: 'machine',
    });
    // Machine detection asked, the call going on whoever answers.
    expect(call!.createParams).toMatchObject({ machine_detection: 'continue' });

    const history = await eventually(async () => {
      const { json } = await api(`${app!.url}/api/calls/${encodeURIComponent(PHONE)}`);
      return json.items.length > 0 ? json : null;
    });
    expect(history.items).toEqual([
      expect.objectContaining({ type: 'Completed Inbound', answered_by: 'machine' }),
    ]);
    const metrics = await api(`${app.url}/metrics`);
    expect(metrics.text).toMatch(
      /^ringkit_calls_placed_total\{provider="vonage",source="scheduler"\} 1$/m,
    );
    expect(metrics.text).toMatch(
      /^ringkit_calls_ended_total\{status="completed",source="scheduler"\} 1$/m,
    );
  });

  it('ends a scheduled call busy when the line is busy, having placed it once', async () => {
    app = await startVonageApp({ outcomes: { busy: 1 } });
    const created = await api(`${app.url}/api/scheduled-calls`, {
      method: 'POST',
      body: { phone_number: PHONE, scheduled_time: new Date().toISOString() },
    });
    const done = await eventually(async () => {
      const { json } = await api(`${app!.url}/api/scheduled-calls/${created.json.id}`);
      return json.status === 'busy' ? json : null;
    });
    expect(done.status).toBe('busy');
    expect(app.vonage!.calls()).toEqual([expect.objectContaining({ status: 'busy' })]);
  });

  it('dials a campaign of a few numbers through the same client, each saying its own message once', async () => {
    // Every event twice, as Vonage may send it: each call still ends once.
    app = await startVonageApp({ duplicateWebhookRate: 1 });
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
    const spoken = Object.fromEntries(app.vonage!.calls().map((c) => [c.phone, c.spoken]));
    expect(spoken).toEqual(
      Object.fromEntries(numbers.map((phone, i) => [phone, [`Reminder number ${i + 1}.`]])),
    );
    const metrics = await api(`${app.url}/metrics`);
    expect(metrics.text).toMatch(
      /^ringkit_calls_placed_total\{provider="vonage",source="dialer"\} 3$/m,
    );
  });

  it('dials the configured list through the same client, its events to the app', async () => {
    app = await startVonageApp();
    expect((await api(`${app.url}/api/dialer/start`, { method: 'POST' })).status).toBe(202);
    const dialer = await eventually(async () => {
      const { json } = await api(`${app!.url}/api/dialer`);
      return json.state === 'done' ? json : null;
    });
    expect(dialer.entries).toEqual([
      expect.objectContaining({ phone: '+13018040009', status: 'completed' }),
    ]);
    expect(dialer.entries[0].call_id).toMatch(UUID);
    expect(app.vonage!.calls()[0]!.createParams).toMatchObject({
      event_url: [eventUrl()],
      event_method: 'POST',
    });
  });
});
