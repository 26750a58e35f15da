import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMockCallApiClient } from '@ringkit/call-client';
import { createNumDialerClient } from '@ringkit/call-client';
import { simulatorKnobs, testProvider } from './contract.js';
import { startCallApiSimulator } from './index.js';
import { createWebhookHandler, createWebhookToken } from '@ringkit/call-client';

const retry = { limit: 5, baseDelayMs: 1, maxDelayMs: 5 };

/** The polling flavour through the real simulator. */
testProvider({
  name: 'polling flavour over HTTP (simulator)',
  async setup({ scenario }) {
    const sim = await startCallApiSimulator({ flavour: 'polling', ...simulatorKnobs(scenario) });
    return {
      provider: createMockCallApiClient({ baseUrl: sim.url, retry }),
      calls: () => sim.calls(),
      close: () => sim.close(),
    };
  },
});

/** The webhook flavour through the real simulator, webhooks POSTed to a real receiver. */
testProvider({
  name: 'webhook flavour over HTTP (simulator)',
  async setup({ scenario, onStatus }) {
    const token = createWebhookToken();
    const handle = createWebhookHandler({ token, onEvent: onStatus });
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        void handle({ token: req.url?.split('/').pop(), body }).then((answer) =>
          res.writeHead(answer.status).end(),
        );
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    const sim = await startCallApiSimulator({ flavour: 'webhook', ...simulatorKnobs(scenario) });
    return {
      provider: createNumDialerClient({
        baseUrl: sim.url,
        webhookUrl: `http://127.0.0.1:${port}/webhooks/${token}`,
        retry,
      }),
      calls: () => sim.calls(),
      close: async () => {
        await sim.close();
        await new Promise((resolve) => receiver.close(resolve));
      },
    };
  },
});
