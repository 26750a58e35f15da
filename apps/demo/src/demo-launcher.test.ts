import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { startDemoSimulators } from './demo-launcher.js';

const blockers: Server[] = [];
afterEach(async () => {
  for (const blocker of blockers.splice(0)) await new Promise((r) => blocker.close(r));
});

async function takenPort(): Promise<number> {
  const blocker = createServer();
  blockers.push(blocker);
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  return (blocker.address() as { port: number }).port;
}

async function freePort(): Promise<number> {
  const port = await takenPort();
  await new Promise((r) => blockers.pop()!.close(r));
  return port;
}

describe('the simulators of pnpm demo', () => {
  it('listen on the ports of CALL_API_URL and DIALER_API_URL', async () => {
    const [a, b] = [await freePort(), await freePort()];
    const config = loadConfig({
      CALL_API_URL: `http://localhost:${a}`,
      DIALER_API_URL: `http://localhost:${b}`,
    });
    const { polling, webhook } = await startDemoSimulators(config);
    expect([polling.port, webhook.port]).toEqual([a, b]);
    await Promise.all([polling.close(), webhook.close()]);
  });

  it('say which variable to change when the polling port is taken', async () => {
    const port = await takenPort();
    const config = loadConfig({ CALL_API_URL: `http://localhost:${port}` });
    await expect(startDemoSimulators(config)).rejects.toThrow(
      `CALL_API_URL: port ${port} is already in use (the simulator listens where CALL_API_URL points); set CALL_API_URL to a free port, e.g. CALL_API_URL=http://localhost:${port + 1}`,
    );
  });

  it('say which variable to change when the webhook port is taken, and free the other port', async () => {
    const port = await takenPort();
    const free = await freePort();
    const config = loadConfig({
      CALL_API_URL: `http://localhost:${free}`,
      DIALER_API_URL: `http://localhost:${port}`,
    });
    await expect(startDemoSimulators(config)).rejects.toThrow(
      /^DIALER_API_URL: port \d+ is already in use/,
    );
    // The polling simulator it had started is closed again.
    const again = await startDemoSimulators(
      loadConfig({
        CALL_API_URL: `http://localhost:${free}`,
        DIALER_API_URL: `http://localhost:${await freePort()}`,
      }),
    );
    await Promise.all([again.polling.close(), again.webhook.close()]);
  });
});
