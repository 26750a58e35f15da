import { loadConfig } from './config.js';
import { startDemoSimulators } from './demo-launcher.js';
import { main } from './server.js';

/**
 * `pnpm demo`: both simulator flavours on the ports of `CALL_API_URL` (5000) and
 * `DIALER_API_URL` (4830), then the server on `PORT` (4000), with demo history unless
 * `DEMO_HISTORY=0`. A port already taken stops it with a line naming the variable to change.
 */
try {
  const config = loadConfig({ DEMO_HISTORY: '1', ...process.env });
  const { polling, webhook } = await startDemoSimulators(config);
  console.log(`Call API simulator (polling)  ${polling.url}`);
  console.log(`Call API simulator (webhooks) ${webhook.url}`);
  try {
    const server = await main(config, {}, async () => {
      await Promise.all([polling.close(), webhook.close()]);
    });
    console.log(`\n  ringkit demo ready: open ${server.url}\n`);
  } catch (error) {
    await Promise.all([polling.close(), webhook.close()]);
    throw error;
  }
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
