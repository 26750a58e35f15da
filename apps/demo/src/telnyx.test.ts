/**
 * The demo with `CALL_PROVIDER=telnyx`, against the Telnyx simulator: what is Telnyx's own, the
 * length of a message it speaks (`providers.test.ts` has what the demo does on every provider
 * that follows its calls by webhooks).
 */
import { TELNYX_TEST_CREDENTIALS, type SimulatorKnobs } from '@ringkit/simulator';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
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
 * call is answered and talks long enough to be spoken to.
 */
async function startTelnyxApp(knobs: Partial<SimulatorKnobs> = {}) {
  const port = await freePort();
  return startTestApp({
    telnyx: { stepMs: [150, 250], outcomes: { completed: 1 }, ...knobs },
    env: { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` },
  });
}

describe('the demo on Telnyx', () => {
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
