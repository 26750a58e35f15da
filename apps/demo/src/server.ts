import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { loadConfig, type Config } from './config.js';

/** Starts the server; resolves with its URL and a close function. */
export async function startServer(config: Config) {
  const app = createApp();
  const server = app.listen(config.PORT, config.HOST);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${config.HOST === '127.0.0.1' ? 'localhost' : config.HOST}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  try {
    const running = await startServer(loadConfig());
    console.log(`ringkit demo listening on ${running.url}`);
    const shutdown = () => void running.close().then(() => process.exit(0));
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
