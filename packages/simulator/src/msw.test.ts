import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isInvalidOptionsError } from '@ringkit/call-client';
import { startWebhookReceiver } from './_receiver.js';
import { postJson, request, WAIT, type Harness } from '../test/simulator-suite-helpers.js';
import { describeAgentsContract } from '../test/simulator-suite-agents.js';
import { describePollingContract } from '../test/simulator-suite-polling.js';
import { describeTelnyxContract } from '../test/simulator-suite-telnyx.js';
import { describeTwilioContract } from '../test/simulator-suite-twilio.js';
import { describeWebhookContract } from '../test/simulator-suite-webhook.js';
import { createCallApiHandlers, createCallApiMock, type CallApiMockOptions } from './msw.js';

const server = setupServer(
  ...createCallApiHandlers({ flavour: 'polling', stepMs: 5 }),
  ...createCallApiHandlers({ flavour: 'webhook', stepMs: 60_000 }),
);

// msw 3 renamed `onUnhandledRequest` to `onUnhandledFrame`; 'error' makes a stray request fail.
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const harness: Harness = {
  name: 'the MSW handlers',
  async start(options) {
    const mock = createCallApiMock(options);
    server.use(...mock.handlers);
    return { url: mock.baseUrl, calls: mock.calls, close: mock.close, publicKey: mock.publicKey };
  },
};

describePollingContract(harness);
describeWebhookContract(harness);
describeTwilioContract(harness);
describeTelnyxContract(harness);
describeAgentsContract(harness);

describe('createCallApiHandlers', () => {
  it('answers on the default base URLs given to setupServer', async () => {
    const created = await postJson('http://localhost:5000/api/call', {
      phone_number: '+14155552671',
    });
    expect(created.status).toBe(201);
    const { id } = created.body as { id: string };
    await vi.waitFor(async () => {
      const { body } = await request(`http://localhost:5000/api/call/${id}`);
      expect(body).toHaveProperty('status', 'completed');
    }, WAIT);
    const dialed = await postJson('http://localhost:4830/call', {
      phone: '13018040009',
      webhookURL: 'https://app.example/hook',
    });
    expect(dialed.body).toEqual({ id: 1001 });
  });

  it('leaves other hosts unhandled, so onUnhandledFrame: error makes them fail', async () => {
    const report = vi.spyOn(console, 'error').mockImplementation(() => {});
    await expect(fetch('http://localhost:5001/api/call')).rejects.toThrow();
    expect(String(report.mock.calls[0]?.[0])).toContain('http://localhost:5001/api/call');
    report.mockRestore();
  });

  it('answers only below a baseUrl with a path, with 404 for unknown routes there', async () => {
    const mock = createCallApiMock({ flavour: 'webhook', baseUrl: 'http://dialer.test/v2/' });
    server.use(...mock.handlers);
    try {
      expect(mock.baseUrl).toBe('http://dialer.test/v2');
      const dialed = await postJson('http://dialer.test/v2/call', {
        phone: '+13018040009',
        webhookURL: 'https://app.example/hook',
      });
      expect(dialed.body).toEqual({ id: 1001 });
      expect((await request('http://dialer.test/v2/calls')).status).toBe(404);
      const report = vi.spyOn(console, 'error').mockImplementation(() => {});
      await expect(fetch('http://dialer.test/call', { method: 'POST' })).rejects.toThrow();
      expect(report).toHaveBeenCalled();
    } finally {
      vi.restoreAllMocks();
      mock.close();
    }
  });

  it('sends webhooks past MSW (bypass) to a real local receiver', async () => {
    const hooks = await startWebhookReceiver();
    const mock = createCallApiMock({ flavour: 'webhook', stepMs: 5, outcomes: { busy: 1 } });
    server.use(...mock.handlers);
    try {
      await postJson(`${mock.baseUrl}/call`, { phone: '13018040009', webhookURL: hooks.url });
      await vi.waitFor(() => expect(hooks.received).toHaveLength(2), WAIT);
      expect(hooks.received).toEqual([
        { id: 1001, status: 'ringing' },
        { id: 1001, status: 'busy' },
      ]);
      expect(mock.calls()).toMatchObject([{ id: '1001', status: 'busy', outcome: 'busy' }]);
    } finally {
      mock.close();
      await hooks.close();
    }
  });

  it('answers 503 to requests once the mock is closed', async () => {
    const mock = createCallApiMock({ flavour: 'polling' });
    server.use(...mock.handlers);
    mock.close();
    const answer = await postJson(`${mock.baseUrl}/api/call`, { phone_number: '+14155552671' });
    expect(answer.status).toBe(503);
  });

  it.each([
    ['an unknown flavour', { flavour: 'sms' }, 'flavour'],
    ['a baseUrl that is not http(s)', { flavour: 'polling', baseUrl: 'ftp://x.test' }, 'baseUrl'],
    ['a port, which only the server takes', { flavour: 'polling', port: 5000 }, 'port'],
    [
      'a duplicateWebhookRate below 0',
      { flavour: 'webhook', duplicateWebhookRate: -1 },
      'duplicateWebhookRate',
    ],
  ])('refuses %s with an InvalidOptionsError naming it', (_, options, names) => {
    let error: unknown;
    try {
      createCallApiMock(options as CallApiMockOptions);
    } catch (caught) {
      error = caught;
    }
    expect(isInvalidOptionsError(error)).toBe(true);
    expect((error as Error).message).toContain(names);
  });
});
