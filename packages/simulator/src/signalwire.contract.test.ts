/**
 * The provider contract, run against the SignalWire client over the SignalWire simulator: polled,
 * and followed by callbacks signed with the project's signing key.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simulatorKnobs, testProvider } from './contract.js';
import { SIGNALWIRE_TEST_CREDENTIALS, startCallApiSimulator } from './index.js';
import {
  createSignalWireClient,
  createSignalWireWebhookHandler,
} from '@ringkit/call-client/signalwire';
import type { CallStatusEvent } from '@ringkit/call-client';

const retry = { limit: 5, baseDelayMs: 1, maxDelayMs: 5 };
const { projectId, apiToken, signingKey } = SIGNALWIRE_TEST_CREDENTIALS;
const from = '+15005550006';

async function startReceiver(onStatus: (event: CallStatusEvent) => void) {
  const handle = createSignalWireWebhookHandler({ signingKey, projectId, onEvent: onStatus });
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const signature = req.headers['x-signalwire-signature'];
      void handle({
        url: `http://127.0.0.1:${port}${req.url ?? '/'}`,
        params,
        signature: typeof signature === 'string' ? signature : undefined,
      }).then((answer) => res.writeHead(answer.status).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/webhooks/signalwire`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

for (const follow of ['polling', 'webhooks'] as const) {
  testProvider({
    name: `signalwire over HTTP (simulator), followed by ${follow}`,
    follow,
    async setup({ scenario, onStatus }) {
      const receiver = await startReceiver(onStatus);
      const sim = await startCallApiSimulator({
        flavour: 'signalwire',
        callsPerSecond: 1000,
        ...simulatorKnobs(scenario),
      });
      return {
        provider: createSignalWireClient({
          spaceUrl: sim.url,
          projectId,
          apiToken,
          from,
          retry,
          ...(follow === 'webhooks' ? { statusCallbackUrl: receiver.url } : {}),
        }),
        calls: () => sim.calls(),
        close: async () => {
          await sim.close();
          await receiver.close();
        },
      };
    },
  });
}
