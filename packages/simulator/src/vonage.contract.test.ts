/**
 * The provider contract, run against the Vonage client over the Vonage simulator (HTTP and MSW):
 * polled, and followed by its signed events through the Vonage webhook handler, which checks
 * them with the signature secret the simulator signs with.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallStatusEvent } from '@ringkit/call-client';
import {
  createVonageClient,
  createVonageWebhookHandler,
  type VonageProvider,
} from '@ringkit/call-client/vonage';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { simulatorKnobs, testProvider, type ProviderScenario } from './contract.js';
import { startCallApiSimulator, VONAGE_TEST_CREDENTIALS } from './index.js';
import { createCallApiMock } from './msw.js';

const retry = { limit: 5, baseDelayMs: 1, maxDelayMs: 5 };
const { applicationId, privateKey } = VONAGE_TEST_CREDENTIALS;
/** The simulator's own secret (not the default one), so only its events pass the handler. */
const signatureSecret = 'vonage-contract-signature-secret-9f3c1a';
const from = '+14155550100';
const FOLLOWS = ['polling', 'webhooks'] as const;

/**
 * A local receiver of Vonage's events: checked by the handler with `signatureSecret`, handed to
 * `onStatus`. `close()` fails the test if the handler refused any of them.
 */
async function startReceiver(onStatus: (event: CallStatusEvent) => void) {
  const refused: unknown[] = [];
  const handle = createVonageWebhookHandler({
    signatureSecret,
    onEvent: onStatus,
    onError: (error) => refused.push(error),
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
    url: `http://127.0.0.1:${port}/webhooks/vonage/events`,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      expect(refused.map(String), 'events the webhook handler refused').toEqual([]);
    },
  };
}

/** The simulator's knobs for `scenario`, signing its events with `signatureSecret`. */
const knobs = (scenario: ProviderScenario) => ({
  flavour: 'vonage' as const,
  vonage: { signatureSecret },
  ...simulatorKnobs(scenario),
});

/** The client under test; its events go to the receiver only when the test follows them. */
const client = (
  follow: (typeof FOLLOWS)[number],
  receiverUrl: string,
  baseUrl?: string,
): VonageProvider =>
  createVonageClient({
    applicationId,
    privateKey,
    from,
    retry,
    reconcile: { attempts: 1, delayMs: 0 },
    ...(baseUrl === undefined ? {} : { baseUrl }),
    ...(follow === 'webhooks' ? { eventUrl: receiverUrl } : {}),
  });

for (const follow of FOLLOWS) {
  testProvider({
    name: `vonage over HTTP (simulator), followed by ${follow === 'webhooks' ? 'its signed events' : 'polling'}`,
    follow,
    async setup({ scenario, onStatus }) {
      const receiver = await startReceiver(onStatus);
      const sim = await startCallApiSimulator(knobs(scenario));
      return {
        provider: client(follow, receiver.url, sim.url),
        calls: () => sim.calls(),
        close: async () => {
          await sim.close();
          await receiver.close();
        },
      };
    },
  });
}

describe('under MSW', () => {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
  afterAll(() => server.close());

  for (const follow of FOLLOWS) {
    testProvider({
      name: `vonage under MSW, followed by ${follow === 'webhooks' ? 'its signed events' : 'polling'}`,
      follow,
      async setup({ scenario, onStatus }) {
        const mock = createCallApiMock(knobs(scenario));
        server.resetHandlers(...mock.handlers);
        const receiver = await startReceiver(onStatus);
        return {
          provider: client(follow, receiver.url),
          calls: () => mock.calls(),
          close: async () => {
            mock.close();
            await receiver.close();
          },
        };
      },
    });
  }
});
