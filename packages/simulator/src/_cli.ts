import { createServer as createNetServer } from 'node:net';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import {
  checkInbound,
  INBOUND_OPTIONS,
  INBOUND_USAGE,
  inboundLine,
  parseInboundOptions,
} from './_cli-inbound.js';
import {
  KNOB_OPTIONS,
  KNOBS_USAGE,
  knobsFor,
  readKnobOptions,
  type Scenario,
} from './_cli-knobs.js';
import { randomSeed } from './_random.js';
import { startCallApiSimulator, type CallApiSimulator } from './simulator.js';
import { SIGNALWIRE_TEST_CREDENTIALS } from './signalwire-credentials.js';
import { TELNYX_TEST_CREDENTIALS } from './telnyx-credentials.js';
import { TWILIO_TEST_CREDENTIALS } from './twilio-credentials.js';
import { VONAGE_TEST_CREDENTIALS } from './vonage-credentials.js';
import type { SimulatorEvent, SimulatorFlavour } from './types.js';

/** Where the CLI writes, and what stops it. */
export interface SimulatorCliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Stops the simulators when aborted. @default SIGINT or SIGTERM of this process */
  signal?: AbortSignal;
  /**
   * Where the variables are read: `SIM_POLLING_PORT`… and one `SIM_…` per option (`--help` names
   * each).
   * @default process.env
   */
  env?: Record<string, string | undefined>;
}

const USAGE = `Usage: ringkit-sim [options]

Starts both Call API simulators: polling ("Mock Call API") and webhook ("Num Dialer API"),
and the Twilio flavour (Twilio API 2010-04-01), the Telnyx flavour (Telnyx Call Control v2)
the SignalWire flavour (SignalWire Compatibility API, LaML) and the Vonage flavour (Vonage Voice
API) when given a port.

Options:
  --polling-port N   port of the polling flavour (env SIM_POLLING_PORT)   [5000]
  --webhook-port N   port of the webhook flavour (env SIM_WEBHOOK_PORT)   [4830]
  --twilio-port N    port of the Twilio flavour (env SIM_TWILIO_PORT)     [off]
  --telnyx-port N    port of the Telnyx flavour (env SIM_TELNYX_PORT)     [off]
  --signalwire-port N  port of the SignalWire flavour                     [off]
                     (env SIM_SIGNALWIRE_PORT)
  --vonage-port N    port of the Vonage flavour (env SIM_VONAGE_PORT)     [off]
  --calls-per-second R  Twilio, SignalWire: calls let out of queued per second [1]
                     (env SIM_CALLS_PER_SECOND)
  --host H           interface to listen on (env SIM_HOST)              [127.0.0.1]
  --step-ms MIN-MAX  time between status steps, ms (or one number)      [200-1000]
                     (env SIM_STEP_MS)
  --seed N           seed of the random draws, to replay a run          [random]
                     (env SIM_SEED)
  --quiet            print only the start lines, not each call event
  --help             print this help
${KNOBS_USAGE}${INBOUND_USAGE}`;

const port = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be an integer`)
    .min(0, `${name} must be between 0 and 65535`)
    .max(65_535, `${name} must be between 0 and 65535`);

const cliSchema = z.object({
  pollingPort: port('--polling-port / SIM_POLLING_PORT').default(5000),
  webhookPort: port('--webhook-port / SIM_WEBHOOK_PORT').default(4830),
  twilioPort: port('--twilio-port / SIM_TWILIO_PORT').optional(),
  telnyxPort: port('--telnyx-port / SIM_TELNYX_PORT').optional(),
  signalwirePort: port('--signalwire-port / SIM_SIGNALWIRE_PORT').optional(),
  vonagePort: port('--vonage-port / SIM_VONAGE_PORT').optional(),
  callsPerSecond: z.coerce
    .number({ error: '--calls-per-second must be a number' })
    .positive('--calls-per-second must be above 0')
    .max(10_000, '--calls-per-second must be at most 10000')
    .optional(),
  host: z.string().min(1, '--host must not be empty').default('127.0.0.1'),
  stepMs: z
    .string()
    .regex(/^\d+(-\d+)?$/, '--step-ms must be N or MIN-MAX, e.g. 200-1000')
    .transform((value) => value.split('-').map(Number) as [number] | [number, number])
    .refine((parts) => (parts[1] ?? parts[0]) >= parts[0], '--step-ms MIN must not exceed MAX')
    .transform(([min, max]): [number, number] => [min, max ?? min])
    .optional(),
  seed: z.coerce
    .number({ error: '--seed must be a number' })
    .int('--seed must be an integer')
    .optional(),
  quiet: z.boolean().default(false),
});

/** Where each flavour's port is set: its option and its variable. */
const PORT_SETTINGS: Record<SimulatorFlavour, [option: string, variable: string]> = {
  polling: ['--polling-port', 'SIM_POLLING_PORT'],
  webhook: ['--webhook-port', 'SIM_WEBHOOK_PORT'],
  twilio: ['--twilio-port', 'SIM_TWILIO_PORT'],
  telnyx: ['--telnyx-port', 'SIM_TELNYX_PORT'],
  signalwire: ['--signalwire-port', 'SIM_SIGNALWIRE_PORT'],
  vonage: ['--vonage-port', 'SIM_VONAGE_PORT'],
};

/**
 * The line for a flavour whose port is taken: which option (or variable) to change, and to a
 * port that was free when it was looked for (`free`), if one was found.
 */
export function portInUseMessage(
  flavour: SimulatorFlavour,
  port: number,
  free: number | undefined,
): string {
  const [option, variable] = PORT_SETTINGS[flavour];
  return (
    `port ${port} is already in use (the ${flavour} flavour listens on ${option}); ` +
    `set ${option} (or ${variable}) to a free port` +
    (free === undefined ? '' : `, e.g. ${option} ${free}`)
  );
}

/** Whether something may listen on `port` of `host` now. */
function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createNetServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/** How far above a taken port a free one is looked for. */
const FREE_PORT_SEARCH = 100;

/**
 * Each flavour of `flavours` whose port is taken on `host`, with a free port above it to suggest:
 * one no other flavour asks for and no other line suggests, so every suggestion can be taken
 * together.
 */
export async function takenPorts(
  flavours: readonly (readonly [SimulatorFlavour, number])[],
  host: string,
): Promise<{ flavour: SimulatorFlavour; port: number; free: number | undefined }[]> {
  const asked = new Set(flavours.map(([, port]) => port));
  const suggested = new Set<number>();
  const taken = [];
  for (const [flavour, port] of flavours) {
    if (port === 0 || (await canListen(port, host))) continue;
    let free: number | undefined;
    for (let p = port + 1; p <= Math.min(65_535, port + FREE_PORT_SEARCH); p += 1) {
      if (asked.has(p) || suggested.has(p)) continue;
      if (await canListen(p, host)) {
        free = p;
        break;
      }
    }
    if (free !== undefined) suggested.add(free);
    taken.push({ flavour, port, free });
  }
  return taken;
}

/**
 * Runs `ringkit-sim`: parses `argv`, starts both flavours, prints one line per call event, and
 * resolves with the exit code once the signal aborts (0), when the arguments are bad (2), or when
 * a flavour cannot start, e.g. its port is taken (1). A first `--` (what `pnpm sim -- …` passes
 * along) is skipped.
 */
export async function runSimulatorCli(argv: string[], io: SimulatorCliIo): Promise<number> {
  const fail = (message: string, code: number) => {
    io.stderr.write(`ringkit-sim: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
    return code;
  };
  let values;
  try {
    values = parseArgs({
      args: argv[0] === '--' ? argv.slice(1) : argv,
      strict: true,
      allowPositionals: false,
      options: {
        'polling-port': { type: 'string' },
        'webhook-port': { type: 'string' },
        'twilio-port': { type: 'string' },
        'telnyx-port': { type: 'string' },
        'signalwire-port': { type: 'string' },
        'vonage-port': { type: 'string' },
        'calls-per-second': { type: 'string' },
        host: { type: 'string' },
        'step-ms': { type: 'string' },
        seed: { type: 'string' },
        ...KNOB_OPTIONS,
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        ...INBOUND_OPTIONS,
      },
    }).values;
  } catch (error) {
    return fail(`${(error as Error).message} (see --help)`, 2);
  }
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const env = io.env ?? process.env;
  const parsed = cliSchema.safeParse({
    pollingPort: values['polling-port'] ?? env.SIM_POLLING_PORT,
    webhookPort: values['webhook-port'] ?? env.SIM_WEBHOOK_PORT,
    twilioPort: values['twilio-port'] ?? env.SIM_TWILIO_PORT,
    telnyxPort: values['telnyx-port'] ?? env.SIM_TELNYX_PORT,
    signalwirePort: values['signalwire-port'] ?? env.SIM_SIGNALWIRE_PORT,
    vonagePort: values['vonage-port'] ?? env.SIM_VONAGE_PORT,
    callsPerSecond: values['calls-per-second'] ?? nonEmpty(env.SIM_CALLS_PER_SECOND),
    host: values.host ?? nonEmpty(env.SIM_HOST),
    stepMs: values['step-ms'] ?? nonEmpty(env.SIM_STEP_MS),
    seed: values.seed ?? nonEmpty(env.SIM_SEED),
    quiet: values.quiet,
  });
  if (!parsed.success) return fail(parsed.error.issues.map((i) => i.message).join('; '), 2);
  const config = parsed.data;
  if (
    config.callsPerSecond !== undefined &&
    config.twilioPort === undefined &&
    config.signalwirePort === undefined
  ) {
    const message =
      '--calls-per-second needs --twilio-port or --signalwire-port (or SIM_TWILIO_PORT, SIM_SIGNALWIRE_PORT)';
    return fail(message, 2);
  }
  const flavours: Array<[SimulatorFlavour, number]> = [
    ['polling', config.pollingPort],
    ['webhook', config.webhookPort],
  ];
  if (config.twilioPort !== undefined) flavours.push(['twilio', config.twilioPort]);
  if (config.telnyxPort !== undefined) flavours.push(['telnyx', config.telnyxPort]);
  if (config.signalwirePort !== undefined) flavours.push(['signalwire', config.signalwirePort]);
  if (config.vonagePort !== undefined) flavours.push(['vonage', config.vonagePort]);
  const inboundOptions = parseInboundOptions(values);
  if (!inboundOptions.ok) return fail(inboundOptions.message, 2);
  const read = readKnobOptions(
    values,
    env,
    new Set(flavours.map(([flavour]) => flavour)),
    inboundOptions.inbound,
  );
  if (!read.ok) return fail(read.message, 2);
  // An option or a variable wins over the scenario.
  const knobs = {
    ...read.knobs,
    ...(config.stepMs ? { stepMs: config.stepMs } : {}),
    ...(config.callsPerSecond !== undefined ? { callsPerSecond: config.callsPerSecond } : {}),
    seed: config.seed ?? read.knobs.seed ?? randomSeed(),
  };
  const inbound = knobs.inbound;
  const wrongInbound = checkInbound(inbound, {
    twilio: config.twilioPort !== undefined,
    telnyx: config.telnyxPort !== undefined,
    signalwire: config.signalwirePort !== undefined,
    vonage: config.vonagePort !== undefined,
  });
  if (wrongInbound) return fail(wrongInbound, 2);

  const { signal, dispose } = stopSignal(io.signal);
  const onEvent = config.quiet
    ? undefined
    : (event: SimulatorEvent) => io.stdout.write(`${formatEvent(event)}\n`);
  const started: CallApiSimulator[] = [];
  let starting: [SimulatorFlavour, number] | undefined;
  try {
    for (const [flavour, port] of flavours) {
      starting = [flavour, port];
      const simulator = await startCallApiSimulator({
        ...knobsFor(flavour, knobs, read.practiceOutcomes),
        flavour,
        port,
        host: config.host,
        onEvent,
      });
      started.push(simulator);
      io.stdout.write(
        `${flavour} (${NAMES[flavour]}) listening on ${simulator.url}${account(simulator, knobs)}\n`,
      );
      if (inbound && flavour !== 'polling' && flavour !== 'webhook') {
        io.stdout.write(`${inboundLine(simulator.url, inbound)}\n`);
      }
    }
    const from = read.scenario === undefined ? '' : ` (scenario ${read.scenario})`;
    io.stdout.write(`seed ${knobs.seed}${from}; press Ctrl+C to stop\n`);
    if (!signal.aborted) {
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    }
    return 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE' && starting) {
      // Every port taken, not only the first: the flavours not started yet are looked at too.
      const rest = flavours.slice(flavours.findIndex(([flavour]) => flavour === starting![0]));
      const taken = await takenPorts(rest, config.host);
      if (taken.length === 0)
        taken.push({ flavour: starting[0], port: starting[1], free: undefined });
      for (const { flavour, port, free } of taken) fail(portInUseMessage(flavour, port, free), 1);
      return 1;
    }
    return fail((error as Error).message, 1);
  } finally {
    dispose();
    await Promise.all(started.map((simulator) => simulator.close()));
  }
}

/** A variable's value, or `undefined` when it is unset or empty. */
const nonEmpty = (value: string | undefined) => (value === '' ? undefined : value);

const NAMES: Record<SimulatorFlavour, string> = {
  polling: 'Mock Call API',
  webhook: 'Num Dialer API',
  twilio: 'Twilio API 2010-04-01',
  telnyx: 'Telnyx Call Control v2',
  signalwire: 'SignalWire Compatibility API',
  vonage: 'Vonage Voice API',
};

/**
 * What a client of a real-provider flavour needs to know: its credentials (and key); for
 * SignalWire, the project the knobs give.
 */
function account(simulator: CallApiSimulator, knobs: Scenario): string {
  if (simulator.flavour === 'twilio') {
    const { accountSid, authToken } = TWILIO_TEST_CREDENTIALS;
    return ` (account ${accountSid}, auth token ${authToken})`;
  }
  if (simulator.flavour === 'telnyx') {
    const { apiKey, connectionId } = TELNYX_TEST_CREDENTIALS;
    return ` (API key ${apiKey}, connection ${connectionId}, public key ${simulator.publicKey ?? ''})`;
  }
  if (simulator.flavour === 'signalwire') {
    const { projectId, apiToken, signingKey } = knobs.signalwire ?? SIGNALWIRE_TEST_CREDENTIALS;
    return ` (project ${projectId}, API token ${apiToken}, signing key ${signingKey})`;
  }
  if (simulator.flavour === 'vonage') {
    const { applicationId, apiKey, signatureSecret } = VONAGE_TEST_CREDENTIALS;
    return ` (application ${applicationId}, private key VONAGE_TEST_CREDENTIALS.privateKey, API key ${apiKey}, signature secret ${signatureSecret})`;
  }
  return '';
}

/** One line for one event, e.g. `12:00:01.234 webhook #1001 +13018040009 ringing`. */
export function formatEvent(event: SimulatorEvent): string {
  const time = clock(event.at);
  switch (event.type) {
    case 'created': {
      const { id, phone, direction, from } = event.call;
      const inbound = direction === 'inbound' ? ` (inbound from ${from ?? 'unknown'})` : '';
      return `${time} ${event.flavour} #${id} ${phone} created${inbound}`;
    }
    case 'status':
      return `${time} ${event.flavour} #${event.callId} ${event.phone} ${event.status}`;
    case 'webhook_sent':
      return `${time} ${event.flavour} #${event.callId} ${event.phone} ${event.status} webhook delivered${event.duplicate ? ' again' : ''}`;
    case 'webhook_failed': {
      const reason = event.error instanceof Error ? event.error.message : String(event.error);
      return `${time} ${event.flavour} #${event.callId} ${event.phone} ${event.status} webhook failed: ${reason}`;
    }
    case 'rejected':
      return `${time} ${event.flavour} ${event.method} ${event.path} ${event.httpStatus} ${event.code}: ${event.message}`;
    case 'forward':
      return `${time} ${event.flavour} #${event.callId} ${event.phone} agent ${event.forward.to} ${event.forward.status}`;
    case 'spoken':
      return `${time} ${event.flavour} #${event.callId} ${event.phone} abandoned: ${JSON.stringify(event.text)}`;
  }
}

function clock(at: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}.${pad(at.getMilliseconds(), 3)}`;
}

/** The caller's signal, or one that aborts on SIGINT/SIGTERM (listeners removed by `dispose`). */
function stopSignal(given: AbortSignal | undefined): { signal: AbortSignal; dispose(): void } {
  if (given) return { signal: given, dispose: () => {} };
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}
