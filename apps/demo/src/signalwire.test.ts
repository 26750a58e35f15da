/**
 * The demo with `CALL_PROVIDER=signalwire`, end to end against the SignalWire simulator: its
 * status callbacks, signed with the project's signing key, reach `POST /webhooks/signalwire` at
 * `PUBLIC_URL`, where the scheduler or the campaign follows each call to its end.
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

/** The app on a fixed port, `PUBLIC_URL` naming it, so the simulator's callbacks reach it. */
async function startSignalWireApp(knobs: Partial<SimulatorKnobs> = {}) {
  const port = await freePort();
  return startTestApp({
    signalwire: { stepMs: [20, 60], outcomes: { completed: 1 }, callsPerSecond: 100, ...knobs },
    env: {
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DIALER_NUMBERS: '13018040009',
      DIALER_CONCURRENCY: '1',
    },
  });
}

describe('the demo on SignalWire', () => {
  it('says that it honours every call option, as its client does', async () => {
    app = await startSignalWireApp();
    const res = await api(`${app.url}/api/capabilities`);
    expect(res.json).toMatchObject({ provider: 'signalwire', provider_name: 'signalwire' });
    expect(res.json.limits).toEqual(API_LIMITS);
    expect(app.server.runtime.callOptions).toEqual(CALL_PROVIDER_OPTIONS.signalwire);
  });

  it('places a scheduled call with its message in the space, and follows it to completed', async () => {
    app = await startSignalWireApp();
    const message = 'Your appointment with Dr Ruiz is tomorrow at 9:30.';
    const created = await api(`${app.url}/api/scheduled-calls`, {
      method: 'POST',
      body: { phone_number: PHONE, scheduled_time: new Date().toISOString(), message },
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

    const [call, ...others] = app.signalwire!.calls();
    expect(others).toEqual([]);
    expect(call).toMatchObject({
      id: done.provider_call_id,
      phone: PHONE,
      from: '+14155550100',
      webhookUrl: `${app.url.replace('localhost', '127.0.0.1')}/webhooks/signalwire`,
    });
    expect(call!.twiml).toContain(`<Say>${message}</Say>`);
    expect(call!.createParams).toMatchObject({ From: ['+14155550100'], To: [PHONE] });

    const history = await eventually(async () => {
      const { json } = await api(`${app!.url}/api/calls/${encodeURIComponent(PHONE)}`);
      return json.items.length > 0 ? json : null;
    });
    expect(history.items).toEqual([expect.objectContaining({ type: 'Completed Inbound' })]);
    const metrics = await api(`${app.url}/metrics`);
    expect(metrics.text).toMatch(
      /^ringkit_calls_placed_total\{provider="signalwire",source="scheduler"\} 1$/m,
    );
    expect(metrics.text).toMatch(
      /^ringkit_calls_ended_total\{status="completed",source="scheduler"\} 1$/m,
    );
  });

  it('ends a scheduled call busy when the line is busy, having placed it once', async () => {
    app = await startSignalWireApp({ outcomes: { busy: 1 } });
    const created = await api(`${app.url}/api/scheduled-calls`, {
      method: 'POST',
      body: { phone_number: PHONE, scheduled_time: new Date().toISOString() },
    });
    const done = await eventually(async () => {
      const { json } = await api(`${app!.url}/api/scheduled-calls/${created.json.id}`);
      return json.status === 'busy' ? json : null;
    });
    expect(done.status).toBe('busy');
    expect(app.signalwire!.calls()).toHaveLength(1);
  });

  it('dials a campaign of a few numbers through the same client, each with its own message', async () => {
    // Every callback twice, as SignalWire may send it: each call still ends once.
    app = await startSignalWireApp({ duplicateWebhookRate: 1 });
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
    const said = Object.fromEntries(
      app.signalwire!.calls().map((c) => [c.phone, /<Say>([^<]*)<\/Say>/.exec(c.twiml ?? '')?.[1]]),
    );
    expect(said).toEqual(
      Object.fromEntries(numbers.map((phone, i) => [phone, `Reminder number ${i + 1}.`])),
    );
    const metrics = await api(`${app.url}/metrics`);
    expect(metrics.text).toMatch(
      /^ringkit_calls_placed_total\{provider="signalwire",source="dialer"\} 3$/m,
    );
  });

  it('dials the configured list through the same client, its callbacks to the app', async () => {
    app = await startSignalWireApp();
    expect((await api(`${app.url}/api/dialer/start`, { method: 'POST' })).status).toBe(202);
    const dialer = await eventually(async () => {
      const { json } = await api(`${app!.url}/api/dialer`);
      return json.state === 'done' ? json : null;
    });
    expect(dialer.entries).toEqual([
      expect.objectContaining({ phone: '+13018040009', status: 'completed' }),
    ]);
    expect(dialer.entries[0].call_id).toMatch(UUID);
    expect(app.signalwire!.calls()[0]!.createParams).toMatchObject({
      StatusCallback: [`${app.url.replace('localhost', '127.0.0.1')}/webhooks/signalwire`],
    });
  });
});
