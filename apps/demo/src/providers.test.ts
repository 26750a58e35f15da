/**
 * The demo on each provider that follows its calls by signed webhooks (`CALL_PROVIDER=signalwire`,
 * `vonage`, `telnyx`), end to end against that provider's simulator: the simulator's webhooks
 * reach `POST /webhooks/<provider>` at `PUBLIC_URL`, where the scheduler, a campaign or the dialer
 * follows each call to its end. One suite, run for each provider; what differs between them (how
 * a call says its message, what its create request carries) is the table's.
 */
import {
  TELNYX_TEST_CREDENTIALS,
  type SimulatedCall,
  type SimulatorKnobs,
} from '@ringkit/simulator';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { API_LIMITS } from './routes/capabilities.js';
import { CALL_PROVIDER_OPTIONS } from './config.js';
import type { OpsSample } from './ops.js';
import { api, eventually, freePort, startTestApp, type TestApp } from './_test-utils.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const PHONE = '+14155552671';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Provider = 'signalwire' | 'vonage' | 'telnyx';

interface Case {
  provider: Provider;
  name: string;
  /** The simulator's knobs for every test (each test adds its own). */
  knobs: Partial<SimulatorKnobs>;
  /** `call_options` of `GET /api/capabilities`, where it names only some. */
  callOptions?: string[];
  /** The provider's call id as the scheduled call shows it. */
  callId: RegExp;
  /** The steps the scheduled call's timeline holds at least. */
  steps: string[];
  /** What the call said. */
  said(call: SimulatedCall): string[];
  /** The scheduled call's machine detection asked, and what its provider's call shows of it. */
  machine?: { asked: string; call: Record<string, unknown> };
  /** What every call's create request carries, in the simulator's record. */
  created(webhookUrl: string): Record<string, unknown>;
  /** Checks of its own once the scheduled call completed. */
  after?(app: TestApp): Promise<void>;
}

const sayOf = (twiml: string | undefined) =>
  [...(twiml ?? '').matchAll(/<Say>([^<]*)<\/Say>/g)].map((match) => match[1]!);

const CASES: Case[] = [
  {
    provider: 'signalwire',
    name: 'SignalWire',
    knobs: { stepMs: [20, 60], outcomes: { completed: 1 }, callsPerSecond: 100 },
    callId: UUID,
    steps: ['initiated', 'ringing', 'answered', 'completed'],
    said: (call) => sayOf(call.twiml),
    created: (webhookUrl) => ({
      From: ['+14155550100'],
      To: expect.any(Array),
      StatusCallback: [webhookUrl],
    }),
  },
  {
    provider: 'vonage',
    name: 'Vonage',
    knobs: { stepMs: [20, 60], outcomes: { completed: 1 } },
    callId: UUID,
    steps: ['initiated', 'ringing', 'answered', 'completed'],
    said: (call) => call.spoken ?? [],
    // Machine detection asked, the call going on whoever answers.
    machine: { asked: 'detect', call: { createParams: { machine_detection: 'continue' } } },
    created: (webhookUrl) => ({ event_url: [webhookUrl], event_method: 'POST' }),
  },
  {
    provider: 'telnyx',
    name: 'Telnyx',
    // Every call talks long enough to be spoken to once answered.
    knobs: { stepMs: [150, 250], outcomes: { completed: 1 } },
    callOptions: ['message', 'machine_detection'],
    callId: /^v3:/,
    steps: ['initiated', 'answered', 'completed'],
    said: (call) => call.spoken ?? [],
    machine: { asked: 'detect-beep', call: { machineDetection: 'greeting_end' } },
    created: () => ({ connection_id: TELNYX_TEST_CREDENTIALS.connectionId }),
    async after(app) {
      // The operations page counts the placement once.
      await vi.waitFor(
        async () => {
          const { samples } = (await api(`${app.url}/api/ops`)).json as { samples: OpsSample[] };
          const placed = samples.reduce((sum, s) => sum + s.placed_per_s.scheduler * 0.1, 0);
          expect(Math.round(placed)).toBe(1);
        },
        { timeout: 5_000, interval: 100 },
      );
    },
  },
];

describe.each(CASES)('the demo on $name', (c) => {
  /** The app on a fixed port, `PUBLIC_URL` naming it, so the simulator's webhooks reach it. */
  async function start(knobs: Partial<SimulatorKnobs> = {}) {
    const port = await freePort();
    app = await startTestApp({
      [c.provider]: { ...c.knobs, ...knobs },
      opsIntervalMs: 100,
      env: {
        PORT: String(port),
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        DIALER_NUMBERS: '13018040009',
        DIALER_CONCURRENCY: '1',
      },
    });
    return app;
  }
  const simulator = (a: TestApp) => a[c.provider]!;
  const webhookUrl = (a: TestApp) =>
    `${a.url.replace('localhost', '127.0.0.1')}/webhooks/${c.provider}`;
  const metric = (name: string, labels: string, value: number) =>
    new RegExp(`^ringkit_${name}\\{${labels}\\} ${value}$`, 'm');

  it('says which call options it honours, as its client does', async () => {
    const a = await start();
    const res = await api(`${a.url}/api/capabilities`);
    expect(res.json).toMatchObject({ provider: c.provider, provider_name: c.provider });
    expect(res.json.limits).toEqual(API_LIMITS);
    if (c.callOptions) expect(res.json.call_options).toEqual(c.callOptions);
    expect(a.server.runtime.callOptions).toEqual(CALL_PROVIDER_OPTIONS[c.provider]);
  });

  it('places a scheduled call that says its message, and follows it to completed', async () => {
    const a = await start(c.machine ? { machineRate: 1 } : {});
    const message = 'Your appointment with Dr Ruiz is tomorrow at 9:30.';
    const created = await api(`${a.url}/api/scheduled-calls`, {
      method: 'POST',
      body: {
        phone_number: PHONE,
        scheduled_time: new Date().toISOString(),
        message,
        ...(c.machine ? { machine_detection: c.machine.asked } : {}),
      },
    });
    expect(created.status).toBe(201);
    const done = await eventually(async () => {
      const { json } = await api(`${a.url}/api/scheduled-calls/${created.json.id}`);
      return json.status === 'completed' ? json : null;
    });
    expect(done).toMatchObject({
      message,
      ...(c.machine && { machine_detection: c.machine.asked }),
    });
    expect(done.provider_call_id).toMatch(c.callId);
    expect(done.timeline.map((step: { status: string }) => step.status)).toEqual(
      expect.arrayContaining(c.steps),
    );

    const [call, ...others] = simulator(a).calls();
    expect(others).toEqual([]);
    expect(call).toMatchObject({
      id: done.provider_call_id,
      phone: PHONE,
      from: '+14155550100',
      webhookUrl: webhookUrl(a),
      createParams: c.created(webhookUrl(a)),
      ...(c.machine && { answeredBy: 'machine', ...c.machine.call }),
    });
    expect(c.said(call!)).toEqual([message]);

    const history = await eventually(async () => {
      const { json } = await api(`${a.url}/api/calls/${encodeURIComponent(PHONE)}`);
      return json.items.length > 0 ? json : null;
    });
    expect(history.items).toEqual([
      expect.objectContaining({
        type: 'Completed Inbound',
        ...(c.machine && { answered_by: 'machine' }),
      }),
    ]);
    const metrics = (await api(`${a.url}/metrics`)).text;
    expect(metrics).toMatch(
      metric('calls_placed_total', `provider="${c.provider}",source="scheduler"`, 1),
    );
    expect(metrics).toMatch(
      metric('calls_ended_total', 'status="completed",source="scheduler"', 1),
    );
    await c.after?.(a);
  });

  it('ends a scheduled call busy when the line is busy, having placed it once', async () => {
    const a = await start({ outcomes: { busy: 1 } });
    const created = await api(`${a.url}/api/scheduled-calls`, {
      method: 'POST',
      body: { phone_number: PHONE, scheduled_time: new Date().toISOString() },
    });
    const done = await eventually(async () => {
      const { json } = await api(`${a.url}/api/scheduled-calls/${created.json.id}`);
      return json.status === 'busy' ? json : null;
    });
    expect(done.status).toBe('busy');
    expect(simulator(a).calls()).toEqual([expect.objectContaining({ outcome: 'busy' })]);
  });

  it('dials a campaign of a few numbers through the same client, each saying its own message once', async () => {
    // Every webhook twice, as each of these providers may send it: each call still ends once,
    // and says its message once.
    const a = await start({ machineRate: 0, duplicateWebhookRate: 1 });
    const numbers = ['+13018040009', '+19842068287', '+15512459377'];
    const res = await api(`${a.url}/api/campaigns`, {
      method: 'POST',
      body: {
        name: 'reminders',
        numbers: numbers.map((phone, i) => ({ phone, say: `Reminder number ${i + 1}.` })),
        concurrency: 2,
      },
    });
    expect(res.status).toBe(201);
    const done = await eventually(async () => {
      const { json } = await api(`${a.url}/api/campaigns/reminders`);
      return json.state === 'done' ? json : null;
    }, 15_000);
    expect(done.progress).toMatchObject({ dialed: 3, live: 0, completed: 3, missed: 0 });
    expect(done.entries.map((e: { phone: string; status: string }) => [e.phone, e.status])).toEqual(
      numbers.map((phone) => [phone, 'completed']),
    );
    const said = Object.fromEntries(
      simulator(a)
        .calls()
        .map((call) => [call.phone, c.said(call)]),
    );
    expect(said).toEqual(
      Object.fromEntries(numbers.map((phone, i) => [phone, [`Reminder number ${i + 1}.`]])),
    );
    expect((await api(`${a.url}/metrics`)).text).toMatch(
      metric('calls_placed_total', `provider="${c.provider}",source="dialer"`, 3),
    );
  });

  it('dials the configured list through the same client, its webhooks to the app', async () => {
    const a = await start();
    expect((await api(`${a.url}/api/dialer/start`, { method: 'POST' })).status).toBe(202);
    const dialer = await eventually(async () => {
      const { json } = await api(`${a.url}/api/dialer`);
      return json.state === 'done' ? json : null;
    });
    expect(dialer.entries).toEqual([
      expect.objectContaining({ phone: '+13018040009', status: 'completed' }),
    ]);
    expect(dialer.entries[0].call_id).toMatch(c.callId);
    expect(simulator(a).calls()[0]).toMatchObject({
      webhookUrl: webhookUrl(a),
      createParams: c.created(webhookUrl(a)),
    });
  });
});
