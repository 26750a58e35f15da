import {
  startCallApiSimulator,
  TWILIO_TEST_CREDENTIALS,
  type CallApiSimulator,
} from '@ringkit/simulator';
import { loadConfig, type Config } from './config.js';

/** Which provider `pnpm demo` simulates. */
export type DemoProvider = 'mock' | 'twilio';

const USAGE = 'usage: pnpm demo [-- --provider mock|twilio]';

/** Where the Twilio simulator of `pnpm demo -- --provider twilio` listens unless told. */
export const DEMO_TWILIO_API_URL = 'http://localhost:5010';

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
  if (chosen === undefined || chosen === 'mock' || chosen === 'twilio') return chosen ?? 'mock';
  throw new Error(`${from}: must be mock or twilio, not ${JSON.stringify(chosen)}; ${USAGE}`);
}

const isLocal = (url: string) => /^(localhost|127\.[\d.]+|\[::1\])$/.test(new URL(url).hostname);

/**
 * The configuration of the server `pnpm demo` starts: demo history on unless `DEMO_HISTORY=0`,
 * and, with the Twilio simulator, `CALL_PROVIDER=twilio` with the simulator's test credentials,
 * `TWILIO_API_URL` (http://localhost:5010) and `PUBLIC_URL` (the server's own URL) unless given.
 */
export function demoConfig(
  provider: DemoProvider,
  env: Record<string, string | undefined>,
): Config {
  const given = (key: string) => {
    const value = env[key]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  if (provider === 'mock') return loadConfig({ DEMO_HISTORY: '1', ...env });
  if (given('CALL_PROVIDER') !== undefined && given('CALL_PROVIDER') !== 'twilio') {
    throw new Error(
      `CALL_PROVIDER: pnpm demo -- --provider twilio places calls through Twilio's simulator; unset CALL_PROVIDER (it is ${given('CALL_PROVIDER')})`,
    );
  }
  const apiUrl = given('TWILIO_API_URL') ?? DEMO_TWILIO_API_URL;
  let local: boolean;
  try {
    local = isLocal(apiUrl);
  } catch {
    local = true; // not a URL: loadConfig says so
  }
  if (!local) {
    throw new Error(
      `TWILIO_API_URL: pnpm demo -- --provider twilio starts Twilio's simulator where TWILIO_API_URL points, which must be on this machine (it is ${apiUrl}); to call through Twilio itself, run pnpm start with CALL_PROVIDER=twilio`,
    );
  }
  const port = given('PORT') ?? '4000';
  if (given('PUBLIC_URL') === undefined && port === '0') {
    throw new Error(
      'PORT: pnpm demo -- --provider twilio tells the simulator where to send callbacks, so it needs a fixed PORT (or PUBLIC_URL)',
    );
  }
  return loadConfig({
    DEMO_HISTORY: '1',
    ...env,
    CALL_PROVIDER: 'twilio',
    TWILIO_API_URL: apiUrl,
    TWILIO_ACCOUNT_SID: given('TWILIO_ACCOUNT_SID') ?? TWILIO_TEST_CREDENTIALS.accountSid,
    TWILIO_AUTH_TOKEN: given('TWILIO_AUTH_TOKEN') ?? TWILIO_TEST_CREDENTIALS.authToken,
    PUBLIC_URL: given('PUBLIC_URL') ?? `http://localhost:${port}`,
  });
}

/** Where a simulator listens: the port of the URL the app calls it at. */
function portOf(url: string, fallback: number) {
  return Number(new URL(url).port || fallback);
}

type UrlVariable = 'CALL_API_URL' | 'DIALER_API_URL' | 'TWILIO_API_URL';
const DEFAULT_PORTS: Record<UrlVariable, number> = {
  CALL_API_URL: 5000,
  DIALER_API_URL: 4830,
  TWILIO_API_URL: 5010,
};

/**
 * Starts a simulator on the port of the variable that names its URL; a port already taken is
 * an error that says which variable to change.
 */
async function startOn(
  variable: UrlVariable,
  url: string,
  start: (port: number) => Promise<CallApiSimulator>,
): Promise<CallApiSimulator> {
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

/** The simulators `pnpm demo` started, each with the name it is printed under. */
export interface DemoSimulators {
  simulators: { name: string; simulator: CallApiSimulator }[];
  close(): Promise<void>;
}

const OUTCOMES = { completed: 7, busy: 1, 'no-answer': 1 };

/**
 * The simulators of `pnpm demo`. With the mock provider: polling on the port of `CALL_API_URL`
 * (5000), webhooks on the port of `DIALER_API_URL` (4830). With `CALL_PROVIDER=twilio`: Twilio's
 * on the port of `TWILIO_API_URL` (5010), taking the configured account SID and auth token.
 */
export async function startDemoSimulators(config: Config): Promise<DemoSimulators> {
  const started: DemoSimulators['simulators'] = [];
  const close = async () => {
    await Promise.all(started.map(({ simulator }) => simulator.close()));
  };
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
        }),
      );
      started.push({ name: 'Twilio API simulator', simulator });
      return { simulators: started, close };
    }
    const polling = await startOn('CALL_API_URL', config.CALL_API_URL, (port) =>
      startCallApiSimulator({ flavour: 'polling', port, stepMs: [800, 2500], outcomes: OUTCOMES }),
    );
    started.push({ name: 'Call API simulator (polling) ', simulator: polling });
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
    started.push({ name: 'Call API simulator (webhooks)', simulator: webhook });
    return { simulators: started, close };
  } catch (error) {
    await close();
    throw error;
  }
}
