import { startCallApiSimulator } from '@ringkit/call-client/testing';
import { loadConfig } from './config.js';
import { startServer } from './server.js';

/**
 * `pnpm demo`: both simulator flavours on their default ports, then the server.
 */
try {
  const config = loadConfig();
  const polling = await startCallApiSimulator({ flavour: 'polling', port: 5000 });
  const webhook = await startCallApiSimulator({ flavour: 'webhook', port: 4830 });
  console.log(`Call API simulator (polling) on ${polling.url}`);
  console.log(`Call API simulator (webhooks) on ${webhook.url}`);
  const server = await startServer(config);
  console.log(`\nringkit demo ready: open ${server.url}\n`);
  const shutdown = () =>
    void Promise.all([server.close(), polling.close(), webhook.close()]).then(() =>
      process.exit(0),
    );
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
