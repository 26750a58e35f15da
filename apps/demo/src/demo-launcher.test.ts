import { createServer, type Server } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { createSignalWireClient } from '@ringkit/call-client/signalwire';
import { createVonageClient, verifyVonageSignature } from '@ringkit/call-client/vonage';
import {
  SIGNALWIRE_TEST_CREDENTIALS,
  TELNYX_TEST_CREDENTIALS,
  TWILIO_TEST_CREDENTIALS,
  VONAGE_TEST_CREDENTIALS,
} from '@ringkit/simulator';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from './config.js';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { demoConfig, demoInbound, demoProvider, startDemoSimulators } from './demo-launcher.js';
import { freePort } from './_test-utils.js';

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
  it('is the mock unless --provider or DEMO_PROVIDER names a real provider', () => {
    expect(demoProvider([], {})).toBe('mock');
    expect(demoProvider(['--', '--provider', 'signalwire'], {})).toBe('signalwire');
    expect(demoProvider(['--provider=vonage'], {})).toBe('vonage');
    expect(demoProvider([], { DEMO_PROVIDER: 'vonage' })).toBe('vonage');
    expect(demoProvider(['--', '--provider', 'telnyx'], {})).toBe('telnyx');
    expect(demoProvider(['--provider=telnyx'], {})).toBe('telnyx');
    expect(demoProvider([], { DEMO_PROVIDER: 'telnyx' })).toBe('telnyx');
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
    expect(thrown(() => demoProvider(['--provider', 'nexmo'], {}))).toBe(
      '--provider: must be mock, twilio, telnyx, signalwire or vonage, not "nexmo"; usage: pnpm demo [-- --provider mock|twilio|telnyx|signalwire|vonage]',
    );
    expect(thrown(() => demoProvider([], { DEMO_PROVIDER: 'plivo' }))).toMatch(
      /^DEMO_PROVIDER: must be mock, twilio, telnyx, signalwire or vonage, not "plivo"/,
    );
    expect(thrown(() => demoProvider(['--fast'], {}))).toBe(
      'Unknown argument --fast; usage: pnpm demo [-- --provider mock|twilio|telnyx|signalwire|vonage]',
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

  it.each([
    ['twilio', 'Twilio', 'TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, PUBLIC_URL'],
    [
      'telnyx',
      'Telnyx',
      'TELNYX_API_KEY, TELNYX_CONNECTION_ID, TELNYX_PUBLIC_KEY, CALLER_ID, PUBLIC_URL',
    ],
    [
      'signalwire',
      'SignalWire',
      'SIGNALWIRE_SPACE_URL, SIGNALWIRE_PROJECT_ID, SIGNALWIRE_API_TOKEN, SIGNALWIRE_SIGNING_KEY, CALLER_ID, PUBLIC_URL',
    ],
    [
      'vonage',
      'Vonage',
      'VONAGE_APPLICATION_ID, VONAGE_PRIVATE_KEY, VONAGE_SIGNATURE_SECRET, CALLER_ID, PUBLIC_URL',
    ],
  ])(
    'with CALL_PROVIDER=%s and no account, names what is missing and points to --provider',
    (provider, label, missing) => {
      expect(() => demoConfig('mock', { CALL_PROVIDER: provider })).toThrow(
        `pnpm demo calls through ${label} itself and needs ${missing}; to try ${label}'s simulator instead, unset CALL_PROVIDER and run pnpm demo -- --provider ${provider}`,
      );
    },
  );

  it('with CALL_PROVIDER=twilio and its account, calls through Twilio itself', () => {
    const config = demoConfig('mock', {
      CALL_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: `AC${'a1'.repeat(16)}`,
      TWILIO_AUTH_TOKEN: 'b'.repeat(32),
      PUBLIC_URL: 'https://example.com',
    });
    expect(config.CALL_PROVIDER).toBe('twilio');
  });

  it('keeps other refusals as they are', () => {
    expect(() => demoConfig('mock', { CALL_PROVIDER: 'nexmo' })).toThrow(
      /^Invalid configuration: CALL_PROVIDER: must be one of/,
    );
    expect(() => demoConfig('mock', { CALL_PROVIDER: 'mock', PORT: 'x' })).not.toThrow(
      /--provider/,
    );
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

describe('the configuration of pnpm demo -- --provider telnyx', () => {
  it('points the server at the Telnyx simulator with its test credentials', () => {
    const config = demoConfig('telnyx', { PORT: '4100' });
    expect(config).toMatchObject({
      CALL_PROVIDER: 'telnyx',
      TELNYX_API_URL: 'http://localhost:5020',
      TELNYX_API_KEY: TELNYX_TEST_CREDENTIALS.apiKey,
      TELNYX_CONNECTION_ID: TELNYX_TEST_CREDENTIALS.connectionId,
      TELNYX_PUBLIC_KEY: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
      CALLER_ID: '+14155550100',
      PUBLIC_URL: 'http://localhost:4100',
      DEMO_HISTORY: true,
    });
    expect(demoConfig('telnyx', {}).PUBLIC_URL).toBe('http://localhost:4000');
    // A key pair of its own each time: nothing signs with a key anyone else knows.
    expect(demoConfig('telnyx', {}).TELNYX_PUBLIC_KEY).not.toBe(config.TELNYX_PUBLIC_KEY);
  });

  it('keeps the Telnyx variables it is given, but always checks with its simulator’s public key', () => {
    const own = Buffer.alloc(32, 1).toString('base64');
    const config = demoConfig('telnyx', {
      TELNYX_API_URL: 'http://127.0.0.1:6020',
      TELNYX_API_KEY: 'KEYmy-own-key-0123456789',
      TELNYX_CONNECTION_ID: '42',
      TELNYX_PUBLIC_KEY: own,
      CALLER_ID: '+14155550199',
      PUBLIC_URL: 'http://localhost:9999',
      CALLS_PER_SECOND: '2',
    });
    expect(config).toMatchObject({
      TELNYX_API_URL: 'http://127.0.0.1:6020',
      TELNYX_API_KEY: 'KEYmy-own-key-0123456789',
      TELNYX_CONNECTION_ID: '42',
      CALLER_ID: '+14155550199',
      PUBLIC_URL: 'http://localhost:9999',
      CALLS_PER_SECOND: 2,
    });
    expect(config.TELNYX_PUBLIC_KEY).not.toBe(own);
  });

  it('refuses what the Telnyx simulator cannot stand in for, in one line', () => {
    expect(thrown(() => demoConfig('telnyx', { TELNYX_API_URL: 'https://api.telnyx.com' }))).toBe(
      "TELNYX_API_URL: pnpm demo -- --provider telnyx starts Telnyx's simulator where TELNYX_API_URL points, which must be on this machine (it is https://api.telnyx.com); to call through Telnyx itself, run pnpm start with CALL_PROVIDER=telnyx",
    );
    expect(thrown(() => demoConfig('telnyx', { CALL_PROVIDER: 'twilio' }))).toBe(
      "CALL_PROVIDER: pnpm demo -- --provider telnyx places calls through Telnyx's simulator; unset CALL_PROVIDER (it is twilio)",
    );
    expect(thrown(() => demoConfig('telnyx', { PORT: '0' }))).toMatch(
      /^PORT: pnpm demo -- --provider telnyx tells the simulator where to send webhooks, so it needs a fixed PORT/,
    );
    expect(thrown(() => demoConfig('telnyx', { TELNYX_API_URL: 'nope' }))).toMatch(
      /^Invalid configuration: TELNYX_API_URL: /,
    );
  });
});

describe('the configuration of pnpm demo -- --provider signalwire or vonage', () => {
  it('points the server at the SignalWire simulator with its test project', () => {
    const config = demoConfig('signalwire', { PORT: '4100' });
    expect(config).toMatchObject({
      CALL_PROVIDER: 'signalwire',
      SIGNALWIRE_SPACE_URL: 'http://localhost:5030',
      SIGNALWIRE_PROJECT_ID: SIGNALWIRE_TEST_CREDENTIALS.projectId,
      SIGNALWIRE_API_TOKEN: SIGNALWIRE_TEST_CREDENTIALS.apiToken,
      SIGNALWIRE_SIGNING_KEY: SIGNALWIRE_TEST_CREDENTIALS.signingKey,
      CALLER_ID: '+14155550100',
      PUBLIC_URL: 'http://localhost:4100',
      DEMO_HISTORY: true,
    });
  });

  it('points the server at the Vonage simulator with its test application', () => {
    expect(demoConfig('vonage', {})).toMatchObject({
      CALL_PROVIDER: 'vonage',
      VONAGE_API_URL: 'http://localhost:5040',
      VONAGE_APPLICATION_ID: VONAGE_TEST_CREDENTIALS.applicationId,
      VONAGE_PRIVATE_KEY: VONAGE_TEST_CREDENTIALS.privateKey,
      VONAGE_SIGNATURE_SECRET: VONAGE_TEST_CREDENTIALS.signatureSecret,
      CALLER_ID: '+14155550100',
      PUBLIC_URL: 'http://localhost:4000',
    });
  });

  it('keeps the variables it is given', () => {
    const project = '11111111-2222-4333-8444-555555555555';
    expect(
      demoConfig('signalwire', {
        SIGNALWIRE_SPACE_URL: 'http://127.0.0.1:6030',
        SIGNALWIRE_PROJECT_ID: project,
        CALLER_ID: '+14155550199',
      }),
    ).toMatchObject({
      SIGNALWIRE_SPACE_URL: 'http://127.0.0.1:6030',
      SIGNALWIRE_PROJECT_ID: project,
      CALLER_ID: '+14155550199',
    });
    expect(
      demoConfig('vonage', { VONAGE_SIGNATURE_SECRET: 'another-signature-secret' }),
    ).toMatchObject({ VONAGE_SIGNATURE_SECRET: 'another-signature-secret' });
  });

  it('refuses what the simulators cannot stand in for, in one line', () => {
    // A space's bare host is SignalWire's own space, not a simulator of this machine.
    expect(
      thrown(() => demoConfig('signalwire', { SIGNALWIRE_SPACE_URL: 'example.signalwire.com' })),
    ).toBe(
      "SIGNALWIRE_SPACE_URL: pnpm demo -- --provider signalwire starts SignalWire's simulator where SIGNALWIRE_SPACE_URL points, which must be on this machine (it is example.signalwire.com); to call through SignalWire itself, run pnpm start with CALL_PROVIDER=signalwire",
    );
    expect(thrown(() => demoConfig('vonage', { VONAGE_API_URL: 'https://api.nexmo.com' }))).toBe(
      "VONAGE_API_URL: pnpm demo -- --provider vonage starts Vonage's simulator where VONAGE_API_URL points, which must be on this machine (it is https://api.nexmo.com); to call through Vonage itself, run pnpm start with CALL_PROVIDER=vonage",
    );
    expect(thrown(() => demoConfig('vonage', { CALL_PROVIDER: 'signalwire' }))).toBe(
      "CALL_PROVIDER: pnpm demo -- --provider vonage places calls through Vonage's simulator; unset CALL_PROVIDER (it is signalwire)",
    );
    expect(thrown(() => demoConfig('signalwire', { PORT: '0' }))).toMatch(
      /^PORT: pnpm demo -- --provider signalwire tells the simulator where to send callbacks, so it needs a fixed PORT/,
    );
    expect(thrown(() => demoConfig('vonage', { PORT: '0' }))).toMatch(
      /^PORT: pnpm demo -- --provider vonage tells the simulator where to send events, so it needs a fixed PORT/,
    );
  });
});

describe('the scenario of pnpm demo (DEMO_SCENARIO)', () => {
  it("is a scenario's name or the absolute path of a file, and only for the practice simulators", () => {
    expect(loadConfig({ DEMO_SCENARIO: 'predictive' }).DEMO_SCENARIO).toBe('predictive');
    expect(loadConfig({ DEMO_SCENARIO: import.meta.filename }).DEMO_SCENARIO).toBe(
      import.meta.filename,
    );
    const rule =
      'must be the name of a scenario of ringkit-sim (predictive) or the absolute path of a scenario file (JSON) that exists';
    for (const bad of ['Predictive!', 'scenario.json', '/nonexistent/scenario.json']) {
      expect(thrown(() => loadConfig({ DEMO_SCENARIO: bad }))).toBe(
        `Invalid configuration: DEMO_SCENARIO: ${rule}`,
      );
    }
    expect(thrown(() => demoConfig('twilio', { DEMO_SCENARIO: 'predictive' }))).toBe(
      "DEMO_SCENARIO: a scenario is played by the practice simulators of pnpm demo without --provider, not by Twilio's; unset DEMO_SCENARIO (it is predictive)",
    );
  });

  it('starts ringkit-sim with the scenario on the ports of CALL_API_URL and DIALER_API_URL, and stops it', async () => {
    const [a, b] = [await freePort(), await freePort()];
    const config = loadConfig({
      CALL_API_URL: `http://localhost:${a}`,
      DIALER_API_URL: `http://localhost:${b}`,
      DEMO_SCENARIO: 'predictive',
    });
    const started = await startDemoSimulators(config);
    try {
      expect(started.simulators.map(({ url }) => url)).toEqual([
        `http://127.0.0.1:${a}`,
        `http://127.0.0.1:${b}`,
      ]);
      expect(started.scenario).toEqual({
        name: 'predictive',
        seed: expect.stringMatching(/^\d+$/),
      });
      // The practice APIs play agents: a call not answered yet cannot be connected to one.
      const placed = await fetch(`http://127.0.0.1:${a}/api/call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone_number: '+14155552671' }),
      });
      const { id } = (await placed.json()) as { id: string };
      const connect = await fetch(`http://127.0.0.1:${a}/api/call/${id}/connect`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to: '+14155550123', ring_s: 20 }),
      });
      expect(connect.status).toBe(409);
    } finally {
      await started.close();
    }
    // Stopped: both ports are free again.
    const again = await startDemoSimulators(
      loadConfig({
        CALL_API_URL: `http://localhost:${a}`,
        DIALER_API_URL: `http://localhost:${b}`,
      }),
    );
    await again.close();
  });

  it("says ringkit-sim's reason when it does not start, and which variable to change for a port taken", async () => {
    const config = (env: Record<string, string>) =>
      loadConfig({
        CALL_API_URL: `http://localhost:${env['polling']}`,
        DIALER_API_URL: `http://localhost:${env['webhook']}`,
        DEMO_SCENARIO: env['scenario']!,
      });
    const [a, b] = [String(await freePort()), String(await freePort())];
    await expect(
      startDemoSimulators(config({ polling: a, webhook: b, scenario: 'predictve' })),
    ).rejects.toThrow(/^DEMO_SCENARIO: --scenario predictve: .*predictive/);
    const taken = String(await takenPort());
    await expect(
      startDemoSimulators(config({ polling: a, webhook: taken, scenario: 'predictive' })),
    ).rejects.toThrow(`DIALER_API_URL: port ${taken} is already in use`);
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
    expect(started.simulators.map(({ port }) => port)).toEqual([a, b]);
    expect(started.simulators.map(({ url }) => url)).toEqual([
      `http://127.0.0.1:${a}`,
      `http://127.0.0.1:${b}`,
    ]);
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
      expect(started.simulators.map(({ name, port }) => [name, port])).toEqual([
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

  it('with Telnyx, start only the Telnyx simulator, on the port of TELNYX_API_URL, taking the configured credentials and signing with the key of TELNYX_PUBLIC_KEY', async () => {
    const port = await freePort();
    const config = demoConfig('telnyx', { TELNYX_API_URL: `http://localhost:${port}` });
    const started = await startDemoSimulators(config);
    try {
      expect(started.simulators.map(({ name, port }) => [name, port])).toEqual([
        ['Telnyx API simulator', port],
      ]);
      const simulator = started.simulators[0]!.simulator!;
      expect(simulator.publicKey).toBe(config.TELNYX_PUBLIC_KEY);
      const active = `http://127.0.0.1:${port}/v2/connections/${TELNYX_TEST_CREDENTIALS.connectionId}/active_calls`;
      const listed = await fetch(active, {
        headers: { authorization: `Bearer ${TELNYX_TEST_CREDENTIALS.apiKey}` },
      });
      expect(listed.status).toBe(200);
      const refused = await fetch(active, { headers: { authorization: 'Bearer not-the-key' } });
      expect(refused.status).toBe(401);
    } finally {
      await started.close();
    }
  });

  it('with Telnyx, say to change TELNYX_API_URL when its port is taken', async () => {
    const port = await takenPort();
    const config = demoConfig('telnyx', { TELNYX_API_URL: `http://localhost:${port}` });
    await expect(startDemoSimulators(config)).rejects.toThrow(
      `TELNYX_API_URL: port ${port} is already in use (the simulator listens where TELNYX_API_URL points); set TELNYX_API_URL to a free port, e.g. TELNYX_API_URL=http://localhost:${port + 1}`,
    );
  });

  it('with SignalWire, start only the SignalWire simulator, on the port of SIGNALWIRE_SPACE_URL, playing the configured project', async () => {
    const port = await freePort();
    const config = demoConfig('signalwire', { SIGNALWIRE_SPACE_URL: `http://localhost:${port}` });
    const started = await startDemoSimulators(config);
    try {
      expect(started.simulators.map(({ name, port }) => [name, port])).toEqual([
        ['SignalWire API simulator', port],
      ]);
      const { projectId, apiToken } = SIGNALWIRE_TEST_CREDENTIALS;
      const client = (token: string) =>
        createSignalWireClient({
          spaceUrl: `http://127.0.0.1:${port}`,
          projectId,
          apiToken: token,
          from: '+14155550100',
          reconcile: false,
        });
      const placed = await client(apiToken).placeCall({ to: '+14155552671' });
      expect(started.simulators[0]!.simulator!.calls().map((c) => c.id)).toEqual([placed.id]);
      await expect(client('PT-not-the-token').placeCall({ to: '+14155552671' })).rejects.toThrow();
      expect(started.simulators[0]!.simulator!.calls()).toHaveLength(1);
    } finally {
      await started.close();
    }
  });

  it('with Vonage, start only the Vonage simulator, on the port of VONAGE_API_URL, taking the configured application’s key', async () => {
    const port = await freePort();
    const config = demoConfig('vonage', { VONAGE_API_URL: `http://localhost:${port}` });
    const started = await startDemoSimulators(config);
    try {
      expect(started.simulators.map(({ name, port }) => [name, port])).toEqual([
        ['Vonage API simulator', port],
      ]);
      const client = (privateKey: string) =>
        createVonageClient({
          applicationId: VONAGE_TEST_CREDENTIALS.applicationId,
          privateKey,
          from: '+14155550100',
          baseUrl: `http://127.0.0.1:${port}`,
          reconcile: false,
        });
      const placed = await client(VONAGE_TEST_CREDENTIALS.privateKey).placeCall({
        to: '+14155552671',
      });
      expect(started.simulators[0]!.simulator!.calls().map((c) => c.id)).toEqual([placed.id]);
      const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString();
      await expect(client(otherKey).placeCall({ to: '+14155552671' })).rejects.toThrow();
      expect(started.simulators[0]!.simulator!.calls()).toHaveLength(1);
    } finally {
      await started.close();
    }
  });

  it.each([
    ['signalwire', 'SIGNALWIRE_SPACE_URL'],
    ['vonage', 'VONAGE_API_URL'],
  ] as const)('with %s, say to change %s when its port is taken', async (provider, variable) => {
    const port = await takenPort();
    const config = demoConfig(provider, { [variable]: `http://localhost:${port}` });
    await expect(startDemoSimulators(config)).rejects.toThrow(
      `${variable}: port ${port} is already in use (the simulator listens where ${variable} points); set ${variable} to a free port, e.g. ${variable}=http://localhost:${port + 1}`,
    );
  });

  it('with each real provider, ring the app’s own number at its own URLs about every 20 s', () => {
    expect(demoInbound(demoConfig('signalwire', { PORT: '4100' }))).toEqual({
      url: 'http://localhost:4100/webhooks/signalwire/voice',
      statusCallbackUrl: 'http://localhost:4100/webhooks/signalwire',
      everyMs: 20_000,
      to: '+14155550100',
    });
    expect(demoInbound(demoConfig('vonage', { PORT: '4100' }))).toEqual({
      url: 'http://localhost:4100/webhooks/vonage/answer',
      eventUrl: 'http://localhost:4100/webhooks/vonage',
      everyMs: 20_000,
      to: '+14155550100',
    });
    expect(demoInbound(demoConfig('twilio', { PORT: '4100' }))).toEqual({
      url: 'http://localhost:4100/webhooks/twilio/voice',
      statusCallbackUrl: 'http://localhost:4100/webhooks/twilio',
      everyMs: 20_000,
      to: '+14155550100',
    });
    expect(
      demoInbound(
        demoConfig('telnyx', {
          PUBLIC_URL: 'https://tunnel.example',
          CALLER_ID: '+14155550199',
          DEMO_INBOUND_EVERY_S: '5',
        }),
      ),
    ).toEqual({ url: 'https://tunnel.example/webhooks/telnyx', everyMs: 5000, to: '+14155550199' });
    // 0: no call by itself; POST /_sim/inbound still rings one.
    expect(demoInbound(demoConfig('twilio', { DEMO_INBOUND_EVERY_S: '0' }))).toEqual({
      url: 'http://localhost:4000/webhooks/twilio/voice',
      statusCallbackUrl: 'http://localhost:4000/webhooks/twilio',
      to: '+14155550100',
    });
    expect(demoInbound(demoConfig('mock', {}))).toBeUndefined();
  });

  it.each(['twilio', 'telnyx', 'signalwire'] as const)(
    'with %s, start a simulator that rings the app when asked',
    async (provider) => {
      const requests: { path: string | undefined; body: string }[] = [];
      const appServer = createHttpServer((req: IncomingMessage, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        req.on('end', () => {
          requests.push({ path: req.url, body });
          if (provider !== 'telnyx') {
            res
              .writeHead(200, { 'content-type': 'text/xml' })
              .end('<Response><Hangup/></Response>');
          } else res.writeHead(200).end();
        });
      });
      await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
      const appPort = (appServer.address() as { port: number }).port;
      const simPort = await freePort();
      const config = demoConfig(provider, {
        PUBLIC_URL: `http://127.0.0.1:${appPort}`,
        [{ twilio: 'TWILIO_API_URL', telnyx: 'TELNYX_API_URL', signalwire: 'SIGNALWIRE_SPACE_URL' }[
          provider
        ]]: `http://localhost:${simPort}`,
        DEMO_INBOUND_EVERY_S: '0',
      });
      const started = await startDemoSimulators(config);
      try {
        const rung = await fetch(`http://127.0.0.1:${simPort}/_sim/inbound`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ from: '+14155552671' }),
        });
        expect(rung.status).toBe(201);
        await vi.waitFor(() => expect(requests.length).toBeGreaterThan(0));
        const first = requests[0]!;
        if (provider !== 'telnyx') {
          expect(first.path).toBe(`/webhooks/${provider}/voice`);
          expect(new URLSearchParams(first.body).get('To')).toBe('+14155550100');
        } else {
          expect(first.path).toBe('/webhooks/telnyx');
          expect(JSON.parse(first.body).data.payload).toMatchObject({
            direction: 'incoming',
            to: '+14155550100',
          });
        }
      } finally {
        await started.close();
        await new Promise((resolve) => appServer.close(resolve));
      }
    },
  );

  it('with Vonage, start a simulator that asks the app’s answer URL and sends the caller’s events to its event URL, signed', async () => {
    const requests: { method: string; url: URL; body: string; valid: boolean }[] = [];
    const appServer = createHttpServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://app.test');
        const signed =
          req.method === 'GET' ? JSON.stringify(Object.fromEntries(url.searchParams)) : body;
        const { valid } = verifyVonageSignature({
          signatureSecret: VONAGE_TEST_CREDENTIALS.signatureSecret,
          authorization: req.headers.authorization,
          rawBody: signed,
        });
        requests.push({ method: req.method ?? '', url, body, valid });
        if (req.method === 'GET')
          res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
        else res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
    const appPort = (appServer.address() as { port: number }).port;
    const simPort = await freePort();
    const config = demoConfig('vonage', {
      PUBLIC_URL: `http://127.0.0.1:${appPort}`,
      VONAGE_API_URL: `http://localhost:${simPort}`,
      DEMO_INBOUND_EVERY_S: '0',
    });
    const started = await startDemoSimulators(config);
    try {
      const rung = await fetch(`http://127.0.0.1:${simPort}/_sim/inbound`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: '+14155552671' }),
      });
      expect(rung.status).toBe(201);
      const { id } = (await rung.json()) as { id: string };
      const events = () =>
        requests
          .filter((r) => r.method === 'POST' && r.url.pathname === '/webhooks/vonage')
          .map((r) => JSON.parse(r.body) as Record<string, unknown>);
      // The empty NCCO: the call ends at once, and its end reaches the event URL. The simulator
      // has a caller hang up while it rings one time in ten (its default): that call ends
      // `cancelled`, never answered, once the app has answered its answer URL all the same.
      await vi.waitFor(() =>
        expect(['completed', 'cancelled']).toContain(events().at(-1)?.['status']),
      );
      const end = events().at(-1)!['status'];
      const answers = requests.filter((r) => r.method === 'GET');
      expect(answers.map((r) => r.url.pathname)).toEqual(['/webhooks/vonage/answer']);
      expect(answers[0]!.url.searchParams.get('to')).toBe('14155550100');
      expect(answers[0]!.url.searchParams.get('from')).toBe('14155552671');
      expect(answers[0]!.url.searchParams.get('uuid')).toBe(id);
      expect(events().map((e) => [e['uuid'], e['direction'], e['status']])).toEqual([
        [id, 'inbound', 'started'],
        [id, 'inbound', 'ringing'],
        ...(end === 'completed' ? [[id, 'inbound', 'answered']] : []),
        [id, 'inbound', end],
      ]);
      expect(requests.every((r) => r.valid)).toBe(true);
    } finally {
      await started.close();
      await new Promise((resolve) => appServer.close(resolve));
    }
  });
});
