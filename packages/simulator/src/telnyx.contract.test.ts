/**
 * The provider contract, run against the Telnyx client over the Telnyx simulator (HTTP and MSW),
 * followed by its signed webhooks through the handler that speaks each call's `say`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallStatusEvent } from '@ringkit/call-client';
import { createTelnyxClient, createTelnyxWebhookHandler } from '@ringkit/call-client/telnyx';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll } from 'vitest';
import { simulatorKnobs, testProvider } from './contract.js';
import { startCallApiSimulator, TELNYX_TEST_CREDENTIALS } from './index.js';
import { createCallApiMock } from './msw.js';

const retry = { limit: 5, baseDelayMs: 1, maxDelayMs: 5 };
const from = '+14155550100';

/** A local receiver of Telnyx's webhooks: checked, acted on by `client`, handed to `onStatus`. */
async function startReceiver(
  publicKey: string,
  onStatus: (event: CallStatusEvent) => void,
  client: () => ReturnType<typeof createTelnyxClient>,
) {
  const handle = createTelnyxWebhookHandler({
    publicKey,
    onEvent: onStatus,
    client: { actOnWebhook: (body) => client().actOnWebhook(body) },
  });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void handle({ rawBody: Buffer.concat(chunks), headers: req.headers }).then((answer) =>
        res.writeHead(answer.status).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/webhooks/telnyx`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

testProvider({
  name: 'telnyx over HTTP (simulator), followed by its signed webhooks',
  async setup({ scenario, onStatus }) {
    const sim = await startCallApiSimulator({ flavour: 'telnyx', ...simulatorKnobs(scenario) });
    const box: { provider?: ReturnType<typeof createTelnyxClient> } = {};
    const receiver = await startReceiver(sim.publicKey!, onStatus, () => box.provider!);
    const provider = (box.provider = createTelnyxClient({
      ...TELNYX_TEST_CREDENTIALS,
      from,
      baseUrl: sim.url,
      webhookUrl: receiver.url,
      retry,
      reconcile: { attempts: 1, delayMs: 0 },
    }));
    return {
      provider,
      calls: () => sim.calls(),
      close: async () => {
        await sim.close();
        await receiver.close();
      },
    };
  },
});

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'bypass' }));
afterAll(() => server.close());

testProvider({
  name: 'telnyx under MSW, followed by its signed webhooks',
  async setup({ scenario, onStatus }) {
    const mock = createCallApiMock({ flavour: 'telnyx', ...simulatorKnobs(scenario) });
    server.resetHandlers(...mock.handlers);
    const box: { provider?: ReturnType<typeof createTelnyxClient> } = {};
    const receiver = await startReceiver(mock.publicKey!, onStatus, () => box.provider!);
    const provider = (box.provider = createTelnyxClient({
      ...TELNYX_TEST_CREDENTIALS,
      from,
      webhookUrl: receiver.url,
      retry,
      reconcile: { attempts: 1, delayMs: 0 },
    }));
    return {
      provider,
      calls: () => mock.calls(),
      close: async () => {
        mock.close();
        await receiver.close();
      },
    };
  },
});
