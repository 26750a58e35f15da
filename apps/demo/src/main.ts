import { loadConfig } from './config.js';
import { announcer } from './logger.js';
import { main } from './server.js';

/**
 * `pnpm start` (`node dist/server.js`): the server alone, configured by the environment. Every
 * line it prints once started is a JSON log line; a start that fails (a bad configuration, a port
 * taken) prints one plain line, the reason, and exits with code 1.
 */
try {
  const running = await main(loadConfig());
  announcer(running.logger).info({ url: running.url }, `ringkit demo listening on ${running.url}`);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
