import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:net';
import {
  startCallApiSimulator,
  TELNYX_TEST_CREDENTIALS,
  TWILIO_TEST_CREDENTIALS,
  type CallApiSimulator,
} from '@ringkit/simulator';
import { loadConfig, type Config } from './config.js';
import { REAL_PROVIDERS } from './_config-providers.js';
import { startScenarioSimulators } from './demo-scenario.js';
import { TELNYX_WEBHOOK_PATH } from './telnyx.js';
import { TWILIO_VOICE_PATH, TWILIO_WEBHOOK_PATH } from './twilio.js';

/** Which provider `pnpm demo` simulates. */
export type DemoProvider = 'mock' | 'twilio' | 'telnyx';

const DEMO_PROVIDERS: readonly DemoProvider[] = ['mock', 'twilio', 'telnyx'];

const USAGE = `usage: pnpm demo [-- --provider ${DEMO_PROVIDERS.join('|')}]`;

/** Where the Twilio simulator of `pnpm demo -- --provider twilio` listens unless told. */
export const DEMO_TWILIO_API_URL = 'http://localhost:5010';

/** Where the Telnyx simulator of `pnpm demo -- --provider telnyx` listens unless told. */
export const DEMO_TELNYX_API_URL = 'http://localhost:5020';

/** The provider's simulator: its name, its URL variable, and where it listens unless told. */
const REAL_SIMULATORS = {
  twilio: { label: 'Twilio', apiUrl: 'TWILIO_API_URL', defaultUrl: DEMO_TWILIO_API_URL },
  telnyx: { label: 'Telnyx', apiUrl: 'TELNYX_API_URL', defaultUrl: DEMO_TELNYX_API_URL },
} as const;

/**
 * The private key (base64 PKCS#8 DER) the Telnyx simulator signs its webhooks with, for each
 * configuration {@link demoConfig} made with the public half as `TELNYX_PUBLIC_KEY`.
 */
const telnyxSigningKeys = new WeakMap<Config, string>();

/**
 * A new Ed25519 key pair: the private key as the simulator takes it, the public one as Telnyx
 * shows it.
 */
function telnyxKeyPair() {
  const { privateKey } = generateKeyPairSync('ed25519');
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' });
  return {
    signingKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    publicKey: Buffer.from(String(x), 'base64url').toString('base64'),
  };
}

/**
 * The provider `pnpm demo` simulates: `--provider twilio` (or `--provider=twilio`) on the command
 * line, else `DEMO_PROVIDER`, else `mock`. Anything else is a one-line error.
 */
export function demoProvider(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): DemoProvider {
  let chosen = env['DEMO_PROVIDER']?.trim() || undefined;
  let from = 'DEMO_PROVIDER';
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--') continue; // what `pnpm demo -- …` may pass along
    const inline = /^--provider=(.*)$/.exec(arg);
    if (inline) chosen = inline[1];
    else if (arg === '--provider' && i + 1 < argv.length) chosen = argv[(i += 1)];
    else throw new Error(`Unknown argument ${arg}; ${USAGE}`);
    from = '--provider';
  }
  if (chosen === undefined) return 'mock';
  const provider = DEMO_PROVIDERS.find((name) => name === chosen);
  if (provider) return provider;
  const names = `${DEMO_PROVIDERS.slice(0, -1).join(', ')} or ${DEMO_PROVIDERS.at(-1)}`;
  throw new Error(`${from}: must be ${names}, not ${JSON.stringify(chosen)}; ${USAGE}`);
}

const isLocal = (url: string) => /^(localhost|127\.[\d.]+|\[::1\])$/.test(new URL(url).hostname);

/**
 * The configuration of the server `pnpm demo` starts: demo history on unless `DEMO_HISTORY=0`,
 * and, with a provider's simulator, `CALL_PROVIDER` set to it and `PUBLIC_URL` (the server's own
 * URL) unless given. Twilio's: its test credentials and `TWILIO_API_URL` (http://localhost:5010)
 * unless given. Telnyx's: its test credentials, `TELNYX_API_URL` (http://localhost:5020) and
 * `CALLER_ID` (+14155550100) unless given, and `TELNYX_PUBLIC_KEY` always the public half of a key
 * pair made here, whose private half the simulator signs with.
 */
export function demoConfig(
  provider: DemoProvider,
  env: Record<string, string | undefined>,
): Config {
  const given = (key: string) => {
    const value = env[key]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  if (provider === 'mock') return withSimulatorHint(given, env);
  const { label, apiUrl: apiUrlVariable, defaultUrl } = REAL_SIMULATORS[provider];
  const flag = `pnpm demo -- --provider ${provider}`;
  if (given('CALL_PROVIDER') !== undefined && given('CALL_PROVIDER') !== provider) {
    throw new Error(
      `CALL_PROVIDER: ${flag} places calls through ${label}'s simulator; unset CALL_PROVIDER (it is ${given('CALL_PROVIDER')})`,
    );
  }
  if (given('DEMO_SCENARIO') !== undefined) {
    throw new Error(
      `DEMO_SCENARIO: a scenario is played by the practice simulators of pnpm demo without --provider, not by ${label}'s; unset DEMO_SCENARIO (it is ${given('DEMO_SCENARIO')})`,
    );
  }
  const apiUrl = given(apiUrlVariable) ?? defaultUrl;
  let local: boolean;
  try {
    local = isLocal(apiUrl);
  } catch {
    local = true; // not a URL: loadConfig says so
  }
  if (!local) {
    throw new Error(
      `${apiUrlVariable}: ${flag} starts ${label}'s simulator where ${apiUrlVariable} points, which must be on this machine (it is ${apiUrl}); to call through ${label} itself, run pnpm start with CALL_PROVIDER=${provider}`,
    );
  }
  const port = given('PORT') ?? '4000';
  if (given('PUBLIC_URL') === undefined && port === '0') {
    throw new Error(
      `PORT: ${flag} tells the simulator where to send ${provider === 'twilio' ? 'callbacks' : 'webhooks'}, so it needs a fixed PORT (or PUBLIC_URL)`,
    );
  }
  const common = {
    DEMO_HISTORY: '1',
    ...env,
    CALL_PROVIDER: provider,
    [apiUrlVariable]: apiUrl,
    PUBLIC_URL: given('PUBLIC_URL') ?? `http://localhost:${port}`,
  };
  if (provider === 'twilio') {
    return loadConfig({
      ...common,
      TWILIO_ACCOUNT_SID: given('TWILIO_ACCOUNT_SID') ?? TWILIO_TEST_CREDENTIALS.accountSid,
      TWILIO_AUTH_TOKEN: given('TWILIO_AUTH_TOKEN') ?? TWILIO_TEST_CREDENTIALS.authToken,
    });
  }
  const { signingKey, publicKey } = telnyxKeyPair();
  const config = loadConfig({
    ...common,
    TELNYX_API_KEY: given('TELNYX_API_KEY') ?? TELNYX_TEST_CREDENTIALS.apiKey,
    TELNYX_CONNECTION_ID: given('TELNYX_CONNECTION_ID') ?? TELNYX_TEST_CREDENTIALS.connectionId,
    // The simulator signs with a key of its own: only its public half checks the webhooks.
    TELNYX_PUBLIC_KEY: publicKey,
    CALLER_ID: given('CALLER_ID') ?? '+14155550100',
  });
  telnyxSigningKeys.set(config, signingKey);
  return config;
}

/** Where a simulator listens: the port of the URL the app calls it at. */
function portOf(url: string, fallback: number) {
  return Number(new URL(url).port || fallback);
}

type UrlVariable = 'CALL_API_URL' | 'DIALER_API_URL' | 'TWILIO_API_URL' | 'TELNYX_API_URL';
const DEFAULT_PORTS: Record<UrlVariable, number> = {
  CALL_API_URL: 5000,
  DIALER_API_URL: 4830,
  TWILIO_API_URL: 5010,
  TELNYX_API_URL: 5020,
};

/**
 * Starts a simulator on the port of the variable that names its URL; a port already taken is
 * an error that says which variable to change.
 */
async function startOn<T>(
  variable: UrlVariable,
  url: string,
  start: (port: number) => Promise<T>,
): Promise<T> {
  const port = portOf(url, new URL(url).protocol === 'https:' ? 443 : DEFAULT_PORTS[variable]);
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

/** Listens on `port` of 127.0.0.1 for a moment: rejects (`EADDRINUSE`) when it is taken. */
function probePort(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** One simulator `pnpm demo` started: the name it is printed under, and where it listens. */
export interface DemoSimulator {
  name: string;
  url: string;
  port: number;
  /** The simulator itself when it runs in this process (not with `DEMO_SCENARIO`). */
  simulator?: CallApiSimulator;
}

/** The simulators `pnpm demo` started. */
export interface DemoSimulators {
  simulators: DemoSimulator[];
  /** With `DEMO_SCENARIO`: the scenario `ringkit-sim` plays, and the seed of its draws. */
  scenario?: { name: string; seed: string };
  close(): Promise<void>;
}

/** An entry of {@link DemoSimulators} for a simulator of this process. */
const entry = (name: string, simulator: CallApiSimulator): DemoSimulator => ({
  name,
  url: simulator.url,
  port: simulator.port,
  simulator,
});

/**
 * The practice simulators playing `DEMO_SCENARIO`: `ringkit-sim --scenario` as a process of its
 * own (see demo-scenario.ts), on the ports of `CALL_API_URL` and `DIALER_API_URL`.
 */
async function startScenario(config: Config, scenario: string): Promise<DemoSimulators> {
  const pollingPort = portOf(config.CALL_API_URL, DEFAULT_PORTS.CALL_API_URL);
  const webhookPort = portOf(config.DIALER_API_URL, DEFAULT_PORTS.DIALER_API_URL);
  // A port taken is said as without a scenario: which variable to change.
  await startOn('CALL_API_URL', config.CALL_API_URL, probePort);
  await startOn('DIALER_API_URL', config.DIALER_API_URL, probePort);
  const started = await startScenarioSimulators({ scenario, pollingPort, webhookPort });
  return {
    simulators: [
      { name: 'Call API simulator (polling) ', url: started.polling, port: pollingPort },
      { name: 'Call API simulator (webhooks)', url: started.webhook, port: webhookPort },
    ],
    scenario: { name: scenario, seed: started.seed },
    close: started.close,
  };
}

const OUTCOMES = { completed: 7, busy: 1, 'no-answer': 1 };

/** How often, on average, `pnpm demo` rings the app unless `DEMO_INBOUND_EVERY_S` says. */
export const DEMO_INBOUND_EVERY_S = 20;

/** Where and how often the simulator of `pnpm demo` rings the app's own number. */
export interface DemoInbound {
  /** Twilio's voice URL, or Telnyx's webhook URL, of the app. */
  url: string;
  /** Twilio: the number's status callback URL, the app's status callbacks' route. */
  statusCallbackUrl?: string;
  /** A call about every this many ms; absent with `DEMO_INBOUND_EVERY_S=0` (none by itself). */
  everyMs?: number;
  /** The number called: `CALLER_ID`. */
  to: string;
}

/**
 * The inbound calls of `pnpm demo -- --provider twilio|telnyx`: the simulator rings `CALLER_ID`
 * at the app's own URLs (`PUBLIC_URL` + the voice webhook's path and the status callbacks' for
 * Twilio, the webhook's for Telnyx) about every `DEMO_INBOUND_EVERY_S` seconds (20; `0`: never by
 * itself, though `POST /_sim/inbound` still rings one). The mock provider has none: `undefined`.
 */
export function demoInbound(config: Config): DemoInbound | undefined {
  const provider = config.CALL_PROVIDER;
  if (provider === 'mock' || config.PUBLIC_URL === undefined) return undefined;
  const everyS = config.DEMO_INBOUND_EVERY_S ?? DEMO_INBOUND_EVERY_S;
  const base = config.PUBLIC_URL;
  return {
    ...(provider === 'twilio'
      ? { url: `${base}${TWILIO_VOICE_PATH}`, statusCallbackUrl: `${base}${TWILIO_WEBHOOK_PATH}` }
      : { url: `${base}${TELNYX_WEBHOOK_PATH}` }),
    ...(everyS > 0 ? { everyMs: Math.round(everyS * 1000) } : {}),
    to: config.CALLER_ID,
  };
}

/**
 * The simulators of `pnpm demo`. With the mock provider: polling on the port of `CALL_API_URL`
 * (5000), webhooks on the port of `DIALER_API_URL` (4830). With `CALL_PROVIDER=twilio`: Twilio's
 * on the port of `TWILIO_API_URL` (5010), taking the configured account SID and auth token. With
 * `CALL_PROVIDER=telnyx`: Telnyx's on the port of `TELNYX_API_URL` (5020), taking the configured
 * API key and connection id, and signing with the key {@link demoConfig} made for the config.
 * Twilio's and Telnyx's ring the app's own number as {@link demoInbound} says. With
 * `DEMO_SCENARIO` (mock provider only), the two practice flavours are `ringkit-sim --scenario`'s.
 */
export async function startDemoSimulators(config: Config): Promise<DemoSimulators> {
  if (config.CALL_PROVIDER === 'mock' && config.DEMO_SCENARIO !== undefined) {
    return startScenario(config, config.DEMO_SCENARIO);
  }
  const started: DemoSimulators['simulators'] = [];
  const close = async () => {
    await Promise.all(started.map(({ simulator }) => simulator?.close()));
  };
  const ringing = demoInbound(config);
  const inbound = ringing ? { inbound: ringing } : {};
  try {
    if (config.CALL_PROVIDER === 'twilio') {
      const { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken } = config;
      const { TWILIO_API_KEY: sid, TWILIO_API_SECRET: secret } = config;
      const simulator = await startOn('TWILIO_API_URL', config.TWILIO_API_URL, (port) =>
        startCallApiSimulator({
          flavour: 'twilio',
          port,
          twilio: {
            accountSid: accountSid!,
            authToken: authToken!,
            apiKeys: sid && secret ? [{ sid, secret }] : [],
          },
          stepMs: [800, 2500],
          outcomes: OUTCOMES,
          ...inbound,
        }),
      );
      started.push(entry('Twilio API simulator', simulator));
      return { simulators: started, close };
    }
    if (config.CALL_PROVIDER === 'telnyx') {
      const signingKey = telnyxSigningKeys.get(config);
      if (signingKey === undefined) {
        throw new Error(
          "TELNYX_PUBLIC_KEY: pnpm demo -- --provider telnyx signs with a key of its own; make the configuration with demoConfig('telnyx', env)",
        );
      }
      const { TELNYX_API_KEY: apiKey, TELNYX_CONNECTION_ID: connectionId } = config;
      const simulator = await startOn('TELNYX_API_URL', config.TELNYX_API_URL, (port) =>
        startCallApiSimulator({
          flavour: 'telnyx',
          port,
          telnyx: { apiKey: apiKey!, connectionId: connectionId! },
          telnyxSigningKey: signingKey,
          stepMs: [800, 2500],
          outcomes: OUTCOMES,
          ...inbound,
        }),
      );
      started.push(entry('Telnyx API simulator', simulator));
      return { simulators: started, close };
    }
    const polling = await startOn('CALL_API_URL', config.CALL_API_URL, (port) =>
      startCallApiSimulator({ flavour: 'polling', port, stepMs: [800, 2500], outcomes: OUTCOMES }),
    );
    started.push(entry('Call API simulator (polling) ', polling));
    const webhook = await startOn('DIALER_API_URL', config.DIALER_API_URL, (port) =>
      startCallApiSimulator({
        flavour: 'webhook',
        port,
        stepMs: [800, 2500],
        outcomes: OUTCOMES,
        earlyWebhookRate: 0.1,
        duplicateWebhookRate: 0.1,
        outOfOrderRate: 0.05,
      }),
    );
    started.push(entry('Call API simulator (webhooks)', webhook));
    return { simulators: started, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The plain demo's configuration; with `CALL_PROVIDER` set to a real provider whose variables
 * are missing, the error says both ways on: the account's variables to call through the provider
 * itself, or `--provider` to try its simulator.
 */
function withSimulatorHint(
  given: (key: string) => string | undefined,
  env: Record<string, string | undefined>,
) {
  try {
    return loadConfig({ DEMO_HISTORY: '1', ...env });
  } catch (error) {
    const callProvider = given('CALL_PROVIDER');
    if (callProvider !== 'twilio' && callProvider !== 'telnyx') throw error;
    const { label, required } = REAL_PROVIDERS[callProvider];
    const missing = Object.keys(required).filter((key) => given(key) === undefined);
    if (missing.length === 0) throw error;
    throw new Error(
      `${(error as Error).message}. With CALL_PROVIDER=${callProvider}, pnpm demo calls through ${label} itself and needs ${missing.join(', ')}; to try ${label}'s simulator instead, unset CALL_PROVIDER and run pnpm demo -- --provider ${callProvider}`,
      { cause: error },
    );
  }
}
