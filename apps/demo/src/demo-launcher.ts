import { startCallApiSimulator, type CallApiSimulator } from '@ringkit/call-client/testing';
import type { Config } from './config.js';

/** Where a simulator listens: the port of the URL the app calls it at. */
function portOf(url: string, fallback: number) {
  return Number(new URL(url).port || fallback);
}

/**
 * Starts a simulator on the port of the variable that names its URL; a port already taken is
 * an error that says which variable to change.
 */
async function startOn(
  variable: 'CALL_API_URL' | 'DIALER_API_URL',
  url: string,
  start: (port: number) => Promise<CallApiSimulator>,
): Promise<CallApiSimulator> {
  const port = portOf(url, variable === 'CALL_API_URL' ? 5000 : 4830);
  try {
    return await start(port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    const other = new URL(url);
    other.port = String(port + 1);
    throw new Error(
      `${variable}: port ${port} is already in use (the simulator listens where ${variable} points); ` +
        `set ${variable} to a free port, e.g. ${variable}=${other.origin}`,
      { cause: error },
    );
  }
}

/**
 * The two simulators of `pnpm demo`: polling on the port of `CALL_API_URL` (5000), webhooks on
 * the port of `DIALER_API_URL` (4830).
 */
export async function startDemoSimulators(config: Config) {
  const polling = await startOn('CALL_API_URL', config.CALL_API_URL, (port) =>
    startCallApiSimulator({
      flavour: 'polling',
      port,
      stepMs: [800, 2500],
      outcomes: { completed: 7, busy: 1, 'no-answer': 1 },
    }),
  );
  try {
    const webhook = await startOn('DIALER_API_URL', config.DIALER_API_URL, (port) =>
      startCallApiSimulator({
        flavour: 'webhook',
        port,
        stepMs: [800, 2500],
        outcomes: { completed: 7, busy: 1, 'no-answer': 1 },
        earlyWebhookRate: 0.1,
        duplicateWebhookRate: 0.1,
        outOfOrderRate: 0.05,
      }),
    );
    return { polling, webhook };
  } catch (error) {
    await polling.close();
    throw error;
  }
}
