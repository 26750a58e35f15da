import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimulatorWebhookBody } from './types.js';

/** A real HTTP server that records the webhooks it gets (a test helper). */
export interface WebhookReceiver {
  url: string;
  /** Every webhook body received, in arrival order, whatever it was answered. */
  received: SimulatorWebhookBody[];
  /** The statuses received for one call id, in arrival order. */
  statusesOf(id: number): string[];
  close(): Promise<void>;
}

/**
 * Starts a webhook receiver on a free port. `answer` picks the HTTP status of each request
 * (by its index from 0); it answers 204 by default.
 */
export async function startWebhookReceiver(
  answer: (index: number) => number = () => 204,
): Promise<WebhookReceiver> {
  const received: SimulatorWebhookBody[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const index = received.length;
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as SimulatorWebhookBody);
      res.writeHead(answer(index)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/calls`,
    received,
    statusesOf: (id) => received.filter((body) => body.id === id).map((body) => body.status),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
