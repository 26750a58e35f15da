import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createMockCallApiClient } from '@ringkit/call-client';
import { createNumDialerClient } from '@ringkit/call-client';
import { simulatorKnobs, testProvider } from './contract.js';
import { createCallApiMock } from './msw.js';
import { createWebhookHandler, createWebhookToken } from '@ringkit/call-client';

/** Every flavour through MSW handlers: no sockets, webhooks handed straight to the receiver. */
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const retry = { limit: 5, baseDelayMs: 1, maxDelayMs: 5 };

testProvider({
  name: 'polling flavour through MSW',
  setup({ scenario }) {
    const mock = createCallApiMock({ flavour: 'polling', ...simulatorKnobs(scenario) });
    server.use(...mock.handlers);
    return {
      provider: createMockCallApiClient({ baseUrl: mock.baseUrl, retry }),
      calls: () => mock.calls(),
      close: () => mock.close(),
    };
  },
});

testProvider({
  name: 'webhook flavour through MSW',
  setup({ scenario, onStatus }) {
    const token = createWebhookToken();
    const handle = createWebhookHandler({ token, onEvent: onStatus });
    const mock = createCallApiMock({
      flavour: 'webhook',
      ...simulatorKnobs(scenario),
      deliverWebhook: async (url, body) => {
        const answer = await handle({ token: url.split('/').pop(), body: JSON.stringify(body) });
        if (answer.status >= 300) throw new Error(`receiver answered ${answer.status}`);
      },
    });
    server.use(...mock.handlers);
    return {
      provider: createNumDialerClient({
        baseUrl: mock.baseUrl,
        webhookUrl: `http://receiver.test/webhooks/${token}`,
        retry,
      }),
      calls: () => mock.calls(),
      close: () => mock.close(),
    };
  },
});
