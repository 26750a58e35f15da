/** The provider contract, run against the Twilio client over the Twilio flavour's MSW handlers, followed by signed callbacks. */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { simulatorKnobs, testProvider } from './contract.js';
import { TWILIO_TEST_CREDENTIALS } from './index.js';
import { createCallApiMock } from './msw.js';
import { createTwilioClient, createTwilioWebhookHandler } from '@ringkit/call-client/twilio';

const retry = { limit: 5, baseDelayMs: 1, maxDelayMs: 5 };
const { accountSid, authToken } = TWILIO_TEST_CREDENTIALS;
const from = '+15005550006';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

testProvider({
  name: 'twilio through MSW, followed by signed status callbacks',
  follow: 'webhooks',
  setup({ scenario, onStatus }) {
    const handle = createTwilioWebhookHandler({ authToken, onEvent: onStatus });
    const mock = createCallApiMock({
      flavour: 'twilio',
      callsPerSecond: 1000,
      ...simulatorKnobs(scenario),
      deliverStatusCallback: async (request) => {
        const answer = await handle({
          url: request.url,
          params: request.params,
          signature: request.headers['x-twilio-signature'],
        });
        if (answer.status >= 300) throw new Error(`receiver answered ${answer.status}`);
      },
    });
    server.use(...mock.handlers);
    return {
      provider: createTwilioClient({
        accountSid,
        authToken,
        from,
        baseUrl: mock.baseUrl,
        statusCallbackUrl: 'https://app.example/webhooks/twilio',
        retry,
      }),
      calls: () => mock.calls(),
      close: () => mock.close(),
    };
  },
});
