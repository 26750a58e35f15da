import { startCallApiSimulator } from '@ringkit/call-client/testing';
import { loadConfig } from './config.js';
import { main } from './server.js';

/**
 * `pnpm demo`: both simulator flavours on their default ports (polling on 5000, webhooks on
 * 4830), then the server, with demo history unless `DEMO_HISTORY=0`.
 */
try {
  const config = loadConfig({ DEMO_HISTORY: '1', ...process.env });
  const polling = await startCallApiSimulator({
    flavour: 'polling',
    port: Number(new URL(config.CALL_API_URL).port || 5000),
    stepMs: [800, 2500],
    outcomes: { completed: 7, busy: 1, 'no-answer': 1 },
  });
  const webhook = await startCallApiSimulator({
    flavour: 'webhook',
    port: Number(new URL(config.DIALER_API_URL).port || 4830),
    stepMs: [800, 2500],
    outcomes: { completed: 7, busy: 1, 'no-answer': 1 },
    earlyWebhookRate: 0.1,
    duplicateWebhookRate: 0.1,
    outOfOrderRate: 0.05,
  });
  console.log(`Call API simulator (polling)  ${polling.url}`);
  console.log(`Call API simulator (webhooks) ${webhook.url}`);
  const server = await main(config, {}, async () => {
    await Promise.all([polling.close(), webhook.close()]);
  });
  console.log(`\n  ringkit demo ready: open ${server.url}\n`);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
