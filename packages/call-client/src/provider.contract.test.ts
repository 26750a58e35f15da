import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testProviderContract } from '../test/provider-contract.js';
import { startCallApiSimulator } from './testing/index.js';

/** Both flavours through the real simulator, webhooks POSTed over a real socket. */
for (const flavour of ['polling', 'webhook'] as const) {
  testProviderContract({
    name: `${flavour} flavour over HTTP (simulator)`,
    flavour,
    async start(knobs, deliver) {
      const receiver = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          void deliver(req.url ?? '', body).then((status) => res.writeHead(status).end());
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
      const sim = await startCallApiSimulator({
        flavour,
        port: 0,
        ...knobs,
        // The client hands out http://receiver.test/…; deliver to the local receiver instead.
        deliverWebhook: async (url, body, { signal }) => {
          const response = await fetch(`${receiverUrl}${new URL(url).pathname}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
            signal,
          });
          if (!response.ok) throw new Error(`receiver answered ${response.status}`);
        },
      });
      return {
        baseUrl: sim.url,
        calls: () => sim.calls(),
        close: async () => {
          await sim.close();
          await new Promise((resolve) => receiver.close(resolve));
        },
      };
    },
  });
}
