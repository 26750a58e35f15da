// What `pnpm demo` and `pnpm sim` do before their program starts: the ports it will listen on
// first (taken ones end it at once, before any build, with the line the program itself would
// print), then the builds that are not up to date, then the program.
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';

/** The port of a URL: its own, else `fallback` (443 for https). */
function portOf(url, fallback) {
  const parsed = new URL(url);
  return Number(parsed.port || (parsed.protocol === 'https:' ? 443 : fallback));
}

function simulatorPort(variable, url, fallback) {
  const port = portOf(url, fallback);
  const other = new URL(url);
  other.port = String(port + 1);
  return {
    port,
    host: '127.0.0.1',
    message:
      `${variable}: port ${port} is already in use (the simulator listens where ${variable} points); ` +
      `set ${variable} to a free port, e.g. ${variable}=${other.origin}`,
  };
}

/** The simulator of each real provider `pnpm demo` can play: its URL variable and default port. */
const DEMO_SIMULATORS = {
  twilio: ['TWILIO_API_URL', 5010],
  telnyx: ['TELNYX_API_URL', 5020],
  signalwire: ['SIGNALWIRE_SPACE_URL', 5030],
  vonage: ['VONAGE_API_URL', 5040],
};

/**
 * The ports of `pnpm demo [-- --provider mock|twilio|telnyx|signalwire|vonage]`, in the order it
 * takes them: the simulators' (the ports of `CALL_API_URL` and `DIALER_API_URL`, or of the real
 * provider's `TWILIO_API_URL`, `TELNYX_API_URL`, `SIGNALWIRE_SPACE_URL` or `VONAGE_API_URL`), then
 * the server's `PORT` on `HOST`. Arguments or values it cannot read give
 * none: the demo itself says what is wrong with them.
 */
export function demoPorts(argv, env) {
  const given = (key) => (env[key]?.trim() ? env[key].trim() : undefined);
  let provider = given('DEMO_PROVIDER') ?? 'mock';
  for (let i = 0; i < argv.length; i += 1) {
    const inline = /^--provider=(.*)$/.exec(argv[i]);
    if (inline) provider = inline[1];
    else if (argv[i] === '--provider') provider = argv[(i += 1)];
    else if (argv[i] !== '--') return [];
  }
  if (provider !== 'mock' && !Object.hasOwn(DEMO_SIMULATORS, provider)) return [];
  // The mock demo with another CALL_PROVIDER is the demo's to explain.
  if (provider === 'mock' && (given('CALL_PROVIDER') ?? 'mock') !== 'mock') return [];
  const host = given('HOST') ?? '127.0.0.1';
  const port = Number(given('PORT') ?? '4000');
  try {
    const real = DEMO_SIMULATORS[provider];
    const simulators = real
      ? [simulatorPort(real[0], given(real[0]) ?? `http://localhost:${real[1]}`, real[1])]
      : [
          simulatorPort('CALL_API_URL', given('CALL_API_URL') ?? 'http://localhost:5000', 5000),
          simulatorPort('DIALER_API_URL', given('DIALER_API_URL') ?? 'http://localhost:4830', 4830),
        ];
    if (!Number.isInteger(port) || port <= 0 || port > 65_535) return simulators;
    return [
      ...simulators,
      {
        port,
        host,
        message: `PORT: ${host}:${port} is already in use; set PORT to a free port (e.g. PORT=${port + 1})`,
      },
    ];
  } catch {
    return [];
  }
}

const SIM_FLAVOURS = [
  ['polling', 'polling-port', 'SIM_POLLING_PORT', '5000'],
  ['webhook', 'webhook-port', 'SIM_WEBHOOK_PORT', '4830'],
  ['twilio', 'twilio-port', 'SIM_TWILIO_PORT', undefined],
  ['telnyx', 'telnyx-port', 'SIM_TELNYX_PORT', undefined],
  ['signalwire', 'signalwire-port', 'SIM_SIGNALWIRE_PORT', undefined],
  ['vonage', 'vonage-port', 'SIM_VONAGE_PORT', undefined],
];

/**
 * The line `ringkit-sim` prints when the port of a flavour is taken (the simulator CLI of
 * `@ringkit/call-client` prints the same).
 */
export function simPortMessage(flavour, port) {
  const [, option, variable] = SIM_FLAVOURS.find(([name]) => name === flavour);
  return (
    `ringkit-sim: port ${port} is already in use (the ${flavour} flavour listens on --${option}); ` +
    `set --${option} (or ${variable}) to a free port, e.g. --${option} ${port + 1}`
  );
}

/**
 * The ports of `pnpm sim [-- options]`: each flavour's, from its option, else its variable,
 * else its default, on `--host`. `--help` and arguments it cannot read give none.
 */
export function simPorts(argv, env) {
  let values;
  try {
    const args = argv[0] === '--' ? argv.slice(1) : argv;
    const options = Object.fromEntries(
      [...SIM_FLAVOURS.map(([, option]) => option), 'host'].map((o) => [o, { type: 'string' }]),
    );
    ({ values } = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: false,
      allowPositionals: true,
    }));
  } catch {
    return [];
  }
  if (values.help) return [];
  const host = typeof values.host === 'string' ? values.host : '127.0.0.1';
  const wanted = [];
  for (const [flavour, option, variable, fallback] of SIM_FLAVOURS) {
    const text = values[option] ?? env[variable] ?? fallback;
    if (text === undefined) continue;
    const port = Number(text);
    if (typeof text !== 'string' || !/^\d+$/.test(text) || port === 0 || port > 65_535) continue;
    wanted.push({ port, host, message: simPortMessage(flavour, port) });
  }
  return wanted;
}

/** Whether `port` can be listened on at `host` now (it is closed again at once). */
export function isPortFree(port, host) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error) => resolve(error.code !== 'EADDRINUSE'));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** The message of every port in `wanted` that is taken, in order; none when all are free. */
export async function takenPorts(wanted, isFree = isPortFree) {
  const taken = [];
  for (const { port, host, message } of wanted) {
    if (port !== 0 && !(await isFree(port, host))) taken.push(message);
  }
  return taken;
}

/**
 * Checks `ports`, then runs `build`, then `start`. Resolves with the exit code to stop with
 * (1, after printing a line through `error` for each taken port, all of them at once, or for the
 * failed build), or `undefined` once `start` resolved (the program then runs until it stops
 * itself).
 */
export async function launch({ ports, build, start, error = console.error, isFree = isPortFree }) {
  const taken = await takenPorts(ports, isFree);
  if (taken.length > 0) {
    for (const line of taken) error(line);
    return 1;
  }
  try {
    await build();
  } catch (failure) {
    error(failure instanceof Error ? failure.message : String(failure));
    return 1;
  }
  await start();
  return undefined;
}
