import { loadConfig } from './config.js';
import { main } from './server.js';

/**
 * `pnpm start` (`node dist/server.js`): the server alone, configured by the environment; a bad
 * configuration stops it with a one-line reason and exit code 1.
 */
try {
  const running = await main(loadConfig());
  console.log(`ringkit demo listening on ${running.url}`);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
