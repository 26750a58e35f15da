import { createServer } from 'node:net';
import { startCallApiSimulator, type CallApiSimulator } from '@ringkit/simulator';
import { loadConfig, type Config } from './config.js';
import { listed, REAL_PROVIDERS } from './_config-providers.js';
import {
  REAL_SIMULATORS,
  simulatedProviderConfig,
  simulatorOf,
  OUTCOMES,
  type SimulatedProvider,
} from './demo-providers.js';
import { startScenarioSimulators } from './demo-scenario.js';
import { SIGNALWIRE_VOICE_PATH, SIGNALWIRE_WEBHOOK_PATH } from './signalwire.js';
import { TELNYX_WEBHOOK_PATH } from './telnyx.js';
import { TWILIO_VOICE_PATH, TWILIO_WEBHOOK_PATH } from './twilio.js';
import { VONAGE_ANSWER_PATH, VONAGE_WEBHOOK_PATH } from './vonage.js';

/** Which provider `pnpm demo` simulates. */
export type DemoProvider = 'mock' | 'twilio' | 'telnyx' | 'signalwire' | 'vonage';

const DEMO_PROVIDERS: readonly DemoProvider[] = [
  'mock',
  'twilio',
  'telnyx',
  'signalwire',
  'vonage',
];

const USAGE = `usage: pnpm demo [-- --provider ${DEMO_PROVIDERS.join('|')}]`;

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
  const names = listed(DEMO_PROVIDERS);
  throw new Error(`${from}: must be ${names}, not ${JSON.stringify(chosen)}; ${USAGE}`);
}

const isLocal = (url: string) => /^(localhost|127\.[\d.]+|\[::1\])$/.test(new URL(url).hostname);

/** A URL as given, or a bare host (a SignalWire space's, as its dashboard shows it) with https. */
const withScheme = (url: string) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `https://${url}`);

/**
 * The configuration of the server `pnpm demo` starts: demo history on unless `DEMO_HISTORY=0`,
 * and, with a provider's simulator, `CALL_PROVIDER` set to it and `PUBLIC_URL` (the server's own
 * URL) unless given, the provider's URL variable (`TWILIO_API_URL` http://localhost:5010,
 * `TELNYX_API_URL` 5020, `SIGNALWIRE_SPACE_URL` 5030, `VONAGE_API_URL` 5040) unless given, and
 * its test account where none is given ({@link simulatedProviderConfig}).
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
  const { label, apiUrl: apiUrlVariable, defaultUrl, sends } = REAL_SIMULATORS[provider];
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
    // A SignalWire space may be given as its bare host, as its dashboard shows it.
    local = isLocal(provider === 'signalwire' ? withScheme(apiUrl) : apiUrl);
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
      `PORT: ${flag} tells the simulator where to send ${sends}, so it needs a fixed PORT (or PUBLIC_URL)`,
    );
  }
  const common = {
    DEMO_HISTORY: '1',
    ...env,
    CALL_PROVIDER: provider,
    [apiUrlVariable]: apiUrl,
    PUBLIC_URL: given('PUBLIC_URL') ?? `http://localhost:${port}`,
  };
  return simulatedProviderConfig(provider, common, given);
}

/** Where a simulator listens: the port of the URL the app calls it at. */
function portOf(url: string, fallback: number) {
  return Number(new URL(url).port || fallback);
}

type UrlVariable =
  | 'CALL_API_URL'
  | 'DIALER_API_URL'
  | 'TWILIO_API_URL'
  | 'TELNYX_API_URL'
  | 'SIGNALWIRE_SPACE_URL'
  | 'VONAGE_API_URL';
const DEFAULT_PORTS: Record<UrlVariable, number> = {
  CALL_API_URL: 5000,
  DIALER_API_URL: 4830,
  TWILIO_API_URL: 5010,
  TELNYX_API_URL: 5020,
  SIGNALWIRE_SPACE_URL: 5030,
  VONAGE_API_URL: 5040,
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

/** How often, on average, `pnpm demo` rings the app unless `DEMO_INBOUND_EVERY_S` says. */
export const DEMO_INBOUND_EVERY_S = 20;

/** Where and how often the simulator of `pnpm demo` rings the app's own number. */
export interface DemoInbound {
  /** Twilio's or SignalWire's voice URL, Telnyx's webhook URL, or Vonage's answer URL, of the app. */
  url: string;
  /** Twilio, SignalWire: the number's status callback URL, the app's status callbacks' route. */
  statusCallbackUrl?: string;
  /** Vonage: the application's event URL, the app's events' route. */
  eventUrl?: string;
  /** A call about every this many ms; absent with `DEMO_INBOUND_EVERY_S=0` (none by itself). */
  everyMs?: number;
  /** The number called: `CALLER_ID`. */
  to: string;
}

/** The app's paths a simulator rings it at, by provider. */
const INBOUND_PATHS: Record<
  SimulatedProvider,
  { url: string; statusCallbackUrl?: string; eventUrl?: string }
> = {
  twilio: { url: TWILIO_VOICE_PATH, statusCallbackUrl: TWILIO_WEBHOOK_PATH },
  signalwire: { url: SIGNALWIRE_VOICE_PATH, statusCallbackUrl: SIGNALWIRE_WEBHOOK_PATH },
  telnyx: { url: TELNYX_WEBHOOK_PATH },
  vonage: { url: VONAGE_ANSWER_PATH, eventUrl: VONAGE_WEBHOOK_PATH },
};

/**
 * The inbound calls of `pnpm demo -- --provider twilio|telnyx|signalwire|vonage`: the simulator
 * rings `CALLER_ID` at the app's own URLs (`PUBLIC_URL` + the voice webhook's path and the
 * status callbacks' for Twilio and SignalWire, the webhook's for Telnyx, the answer URL's and the
 * event URL's for Vonage) about every `DEMO_INBOUND_EVERY_S` seconds (20; `0`: never by itself,
 * though `POST /_sim/inbound` still rings one). The mock provider has none: `undefined`.
 */
export function demoInbound(config: Config): DemoInbound | undefined {
  const provider = config.CALL_PROVIDER;
  if (provider === 'mock' || config.PUBLIC_URL === undefined) return undefined;
  const everyS = config.DEMO_INBOUND_EVERY_S ?? DEMO_INBOUND_EVERY_S;
  const base = config.PUBLIC_URL;
  const { url, statusCallbackUrl, eventUrl } = INBOUND_PATHS[provider];
  return {
    url: `${base}${url}`,
    ...(statusCallbackUrl === undefined
      ? {}
      : { statusCallbackUrl: `${base}${statusCallbackUrl}` }),
    ...(eventUrl === undefined ? {} : { eventUrl: `${base}${eventUrl}` }),
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
 * With `CALL_PROVIDER=signalwire`: SignalWire's on the port of `SIGNALWIRE_SPACE_URL` (5030),
 * playing the configured project. With `CALL_PROVIDER=vonage`: Vonage's on the port of
 * `VONAGE_API_URL` (5040), playing the configured application (the public half of
 * `VONAGE_PRIVATE_KEY` checks the client's tokens) and signing its events with
 * `VONAGE_SIGNATURE_SECRET`. Each real provider's rings the app's own number as
 * {@link demoInbound} says. With `DEMO_SCENARIO` (mock provider only), the two practice flavours are `ringkit-sim --scenario`'s.
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
    const real = simulatorOf(config, inbound);
    if (real) {
      const simulator = await startOn(real.variable, real.url, real.start);
      started.push(entry(real.name, simulator));
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
    if (callProvider === undefined || !Object.hasOwn(REAL_PROVIDERS, callProvider)) throw error;
    const { label, required } = REAL_PROVIDERS[callProvider as keyof typeof REAL_PROVIDERS];
    const missing = Object.keys(required).filter((key) => given(key) === undefined);
    if (missing.length === 0) throw error;
    throw new Error(
      `${(error as Error).message}. With CALL_PROVIDER=${callProvider}, pnpm demo calls through ${label} itself and needs ${missing.join(', ')}; to try ${label}'s simulator instead, unset CALL_PROVIDER and run pnpm demo -- --provider ${callProvider}`,
      { cause: error },
    );
  }
}
