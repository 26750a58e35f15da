import { createServer, type Server } from 'node:net';
import { TWILIO_TEST_CREDENTIALS } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { demoConfig, demoProvider, startDemoSimulators } from './demo-launcher.js';

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

/** The message `fn` throws, or '' when it does not. */
function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}

describe('the provider of pnpm demo', () => {
  it('is the mock unless --provider or DEMO_PROVIDER says twilio', () => {
    expect(demoProvider([], {})).toBe('mock');
    expect(demoProvider(['--provider', 'twilio'], {})).toBe('twilio');
    expect(demoProvider(['--', '--provider', 'twilio'], {})).toBe('twilio');
    expect(demoProvider(['--provider=twilio'], {})).toBe('twilio');
    expect(demoProvider([], { DEMO_PROVIDER: 'twilio' })).toBe('twilio');
    expect(demoProvider([], { DEMO_PROVIDER: '' })).toBe('mock');
  });

  it('follows the command line over DEMO_PROVIDER', () => {
    expect(demoProvider(['--provider', 'mock'], { DEMO_PROVIDER: 'twilio' })).toBe('mock');
  });

  it('refuses another provider or argument in one line', () => {
    expect(thrown(() => demoProvider(['--provider', 'vonage'], {}))).toBe(
      '--provider: must be mock or twilio, not "vonage"; usage: pnpm demo [-- --provider mock|twilio]',
    );
    expect(thrown(() => demoProvider([], { DEMO_PROVIDER: 'plivo' }))).toMatch(
      /^DEMO_PROVIDER: must be mock or twilio, not "plivo"/,
    );
    expect(thrown(() => demoProvider(['--fast'], {}))).toBe(
      'Unknown argument --fast; usage: pnpm demo [-- --provider mock|twilio]',
    );
    expect(thrown(() => demoProvider(['--provider'], {}))).toMatch(/^Unknown argument --provider;/);
  });
});

describe('the configuration of pnpm demo', () => {
  it('seeds demo history unless DEMO_HISTORY=0', () => {
    expect(demoConfig('mock', {}).DEMO_HISTORY).toBe(true);
    expect(demoConfig('mock', { DEMO_HISTORY: '0' }).DEMO_HISTORY).toBe(false);
    expect(demoConfig('mock', {}).CALL_PROVIDER).toBe('mock');
  });

  it('points the server at the Twilio simulator with its test credentials', () => {
    expect(demoConfig('twilio', { PORT: '4100' })).toMatchObject({
      CALL_PROVIDER: 'twilio',
      TWILIO_API_URL: 'http://localhost:5010',
      TWILIO_ACCOUNT_SID: TWILIO_TEST_CREDENTIALS.accountSid,
      TWILIO_AUTH_TOKEN: TWILIO_TEST_CREDENTIALS.authToken,
      PUBLIC_URL: 'http://localhost:4100',
      DEMO_HISTORY: true,
    });
    expect(demoConfig('twilio', {}).PUBLIC_URL).toBe('http://localhost:4000');
  });

  it('keeps the Twilio variables it is given', () => {
    const sid = `AC${'0f'.repeat(16)}`;
    const config = demoConfig('twilio', {
      TWILIO_API_URL: 'http://127.0.0.1:6000',
      TWILIO_ACCOUNT_SID: sid,
      TWILIO_AUTH_TOKEN: 'my-own-token-123',
      PUBLIC_URL: 'http://localhost:9999',
      CALLS_PER_SECOND: '2',
    });
    expect(config).toMatchObject({
      TWILIO_API_URL: 'http://127.0.0.1:6000',
      TWILIO_ACCOUNT_SID: sid,
      TWILIO_AUTH_TOKEN: 'my-own-token-123',
      PUBLIC_URL: 'http://localhost:9999',
      CALLS_PER_SECOND: 2,
    });
  });

  it('refuses what the Twilio simulator cannot stand in for, in one line', () => {
    expect(
      thrown(() => demoConfig('twilio', { TWILIO_API_URL: 'https://api.twilio.com' })),
    ).toMatch(
      /^TWILIO_API_URL: pnpm demo -- --provider twilio starts Twilio's simulator where TWILIO_API_URL points, which must be on this machine/,
    );
    expect(thrown(() => demoConfig('twilio', { CALL_PROVIDER: 'mock' }))).toMatch(
      /^CALL_PROVIDER: /,
    );
    expect(thrown(() => demoConfig('twilio', { PORT: '0' }))).toMatch(
      /^PORT: .*needs a fixed PORT/,
    );
    expect(demoConfig('twilio', { PORT: '0', PUBLIC_URL: 'http://localhost:4321' }).PORT).toBe(0);
    expect(thrown(() => demoConfig('twilio', { TWILIO_API_URL: 'nope' }))).toMatch(
      /^Invalid configuration: TWILIO_API_URL: /,
    );
  });
});

describe('the simulators of pnpm demo', () => {
  it('listen on the ports of CALL_API_URL and DIALER_API_URL', async () => {
    const [a, b] = [await freePort(), await freePort()];
    const config = loadConfig({
      CALL_API_URL: `http://localhost:${a}`,
      DIALER_API_URL: `http://localhost:${b}`,
    });
    const started = await startDemoSimulators(config);
    expect(started.simulators.map(({ simulator }) => simulator.port)).toEqual([a, b]);
    await started.close();
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
    await again.close();
  });

  it('with Twilio, start only the Twilio simulator, on the port of TWILIO_API_URL, taking the configured credentials', async () => {
    const port = await freePort();
    const config = demoConfig('twilio', { TWILIO_API_URL: `http://localhost:${port}` });
    const started = await startDemoSimulators(config);
    try {
      expect(started.simulators.map(({ name, simulator }) => [name, simulator.port])).toEqual([
        ['Twilio API simulator', port],
      ]);
      const { accountSid, authToken } = TWILIO_TEST_CREDENTIALS;
      const calls = `http://127.0.0.1:${port}/2010-04-01/Accounts/${accountSid}/Calls.json`;
      const basic = (user: string, password: string) =>
        `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      const listed = await fetch(calls, {
        headers: { authorization: basic(accountSid, authToken) },
      });
      expect(listed.status).toBe(200);
      const refused = await fetch(calls, {
        headers: { authorization: basic(accountSid, 'not-the-token') },
      });
      expect(refused.status).toBe(401);
    } finally {
      await started.close();
    }
  });

  it('with Twilio, say to change TWILIO_API_URL when its port is taken', async () => {
    const port = await takenPort();
    const config = demoConfig('twilio', { TWILIO_API_URL: `http://localhost:${port}` });
    await expect(startDemoSimulators(config)).rejects.toThrow(
      `TWILIO_API_URL: port ${port} is already in use (the simulator listens where TWILIO_API_URL points); set TWILIO_API_URL to a free port, e.g. TWILIO_API_URL=http://localhost:${port + 1}`,
    );
  });
});
