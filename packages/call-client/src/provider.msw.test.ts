import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { testProviderContract } from '../test/provider-contract.js';
import { createCallApiMock } from './testing/msw.js';

/** Both flavours through MSW handlers: no sockets, webhooks handed straight to the receiver. */
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

for (const flavour of ['polling', 'webhook'] as const) {
  testProviderContract({
    name: `${flavour} flavour through MSW`,
    flavour,
    async start(knobs, deliver) {
      const mock = createCallApiMock({
        flavour,
        ...knobs,
        deliverWebhook: async (url, body) => {
          const status = await deliver(url, JSON.stringify(body));
          if (status >= 300) throw new Error(`receiver answered ${status}`);
        },
      });
      server.use(...mock.handlers);
      return { baseUrl: mock.baseUrl, calls: () => mock.calls(), close: () => mock.close() };
    },
  });
}
