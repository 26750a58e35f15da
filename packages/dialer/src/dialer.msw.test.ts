import { createNumDialerClient, parseStatusWebhook } from '@ringkit/call-client';
import { createCallApiMock } from '@ringkit/simulator/msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDialer } from './dialer.js';
import type { Dialer, DialerSnapshot } from './types.js';
import { flush } from '../test/utils.js';

const server = setupServer();
// msw 3 renamed `onUnhandledRequest` to `onUnhandledFrame`; 'error' makes a stray request fail.
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const NUMBERS = ['13018040009', '14155552671', '13018040009', '12025550123', '12125550101'];

describe('against the MSW-mocked webhook flavour', () => {
  it('ends every entry with the outcome the provider gave its call', async () => {
    const mock = createCallApiMock({
      flavour: 'webhook',
      stepMs: [1, 5],
      outcomes: { completed: 2, busy: 1, 'no-answer': 1, failed: 1 },
      earlyWebhookRate: 0.5,
      duplicateWebhookRate: 0.5,
      outOfOrderRate: 0.5,
      errorRate: 0.2,
      seed: 11,
      // Webhooks go straight to the dialer, as a receiver would hand them on.
      deliverWebhook: async (_url, body) => dialer.handleStatus(parseStatusWebhook(body)),
    });
    server.use(...mock.handlers);
    const provider = createNumDialerClient({
      baseUrl: mock.baseUrl,
      webhookUrl: 'http://app.test/hooks/0123456789abcdef',
      retry: { limit: 5, baseDelayMs: 1 },
    });
    const dialer: Dialer = createDialer({ provider, numbers: NUMBERS, concurrency: 2 });
    const done = new Promise<DialerSnapshot>((resolve) =>
      dialer.on('drained', () => resolve(dialer.snapshot())),
    );
    dialer.start();
    await flush();
    const snapshot = await done;
    mock.close();

    const outcomes = new Map(mock.calls().map((call) => [call.id, call.outcome]));
    expect(snapshot.entries).toHaveLength(NUMBERS.length);
    for (const entry of snapshot.entries) {
      expect(entry.callId).not.toBeNull();
      expect(entry.status).toBe(outcomes.get(entry.callId!));
    }
    expect(new Set(snapshot.entries.map((entry) => entry.status)).size).toBeGreaterThan(1);
  });
});
