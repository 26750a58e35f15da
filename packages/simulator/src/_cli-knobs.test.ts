import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as SimulatorModule from './simulator.js';
import type { SimulatorOptions } from './simulator.js';
import type { SimulatorFlavour } from './types.js';

/** What the CLI asked each flavour for: the real simulator starts with it, and is closed. */
const started = vi.hoisted(() => new Map<string, Record<string, unknown>>());

vi.mock('./simulator.js', async (importActual) => {
  const actual = await importActual<typeof SimulatorModule>();
  return {
    ...actual,
    startCallApiSimulator: async (options: SimulatorOptions) => {
      // The real one checks the options as a user's program would have them checked.
      const simulator = await actual.startCallApiSimulator({ ...options, port: 0 });
      started.set(options.flavour, { ...options });
      return simulator;
    },
  };
});

const { runSimulatorCli } = await import('./_cli.js');

const PORTS = ['--polling-port', '0', '--webhook-port', '0'];
const dir = mkdtempSync(join(tmpdir(), 'ringkit-sim-scenario-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI until it has started every flavour, then stops it; its exit code and lines. */
async function run(argv: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const controller = new AbortController();
  controller.abort();
  const code = await runSimulatorCli(argv, {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    signal: controller.signal,
    env,
  });
  return { code, out, err: err.trim() };
}

function scenario(content: unknown): string {
  const path = join(dir, `scenario-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const signingKey = generateKeyPairSync('ed25519')
  .privateKey.export({ format: 'der', type: 'pkcs8' })
  .toString('base64');

beforeEach(() => started.clear());

/** Each option, a value, the flavours it needs started, and what the flavour is then given. */
const CASES: Array<{
  flag: string;
  variable: string;
  value: string;
  ports?: string[];
  flavour: SimulatorFlavour;
  expected: Record<string, unknown>;
}> = [
  {
    flag: '--busy-rate',
    variable: 'SIM_BUSY_RATE',
    value: '0.25',
    flavour: 'polling',
    expected: { outcomes: { completed: 0.75, busy: 0.25 } },
  },
  {
    flag: '--no-answer-rate',
    variable: 'SIM_NO_ANSWER_RATE',
    value: '0.5',
    flavour: 'webhook',
    expected: { outcomes: { completed: 0.5, 'no-answer': 0.5 } },
  },
  {
    flag: '--failed-rate',
    variable: 'SIM_FAILED_RATE',
    value: '1',
    flavour: 'polling',
    expected: { outcomes: { completed: 0, failed: 1 } },
  },
  {
    flag: '--machine-rate',
    variable: 'SIM_MACHINE_RATE',
    value: '0.9',
    ports: ['--twilio-port', '0'],
    flavour: 'twilio',
    expected: { machineRate: 0.9 },
  },
  {
    flag: '--machine-rate',
    variable: 'SIM_MACHINE_RATE',
    value: '1',
    ports: ['--telnyx-port', '0'],
    flavour: 'telnyx',
    expected: { machineRate: 1 },
  },
  {
    flag: '--machine-rate',
    variable: 'SIM_MACHINE_RATE',
    value: '0.25',
    flavour: 'webhook',
    expected: { machineRate: 0.25 },
  },
  {
    flag: '--human-rate',
    variable: 'SIM_HUMAN_RATE',
    value: '0.3',
    flavour: 'polling',
    expected: { humanRate: 0.3 },
  },
  {
    flag: '--agent-answer-ms',
    variable: 'SIM_AGENT_ANSWER_MS',
    value: '750',
    flavour: 'webhook',
    expected: { agentAnswerMs: 750 },
  },
  {
    flag: '--talk-mean-ms',
    variable: 'SIM_TALK_MEAN_MS',
    value: '90000',
    flavour: 'polling',
    expected: { talkMeanMs: 90_000 },
  },
  {
    flag: '--talk-sigma',
    variable: 'SIM_TALK_SIGMA',
    value: '0',
    flavour: 'webhook',
    expected: { talkSigma: 0 },
  },
  {
    flag: '--time-scale',
    variable: 'SIM_TIME_SCALE',
    value: '60',
    flavour: 'polling',
    expected: { timeScale: 60 },
  },
  {
    flag: '--error-rate',
    variable: 'SIM_ERROR_RATE',
    value: '0.1',
    flavour: 'polling',
    expected: { errorRate: 0.1 },
  },
  {
    flag: '--early-webhook-rate',
    variable: 'SIM_EARLY_WEBHOOK_RATE',
    value: '0.5',
    flavour: 'webhook',
    expected: { earlyWebhookRate: 0.5 },
  },
  {
    flag: '--duplicate-webhook-rate',
    variable: 'SIM_DUPLICATE_WEBHOOK_RATE',
    value: '0.2',
    flavour: 'webhook',
    expected: { duplicateWebhookRate: 0.2 },
  },
  {
    flag: '--late-webhook-rate',
    variable: 'SIM_LATE_WEBHOOK_RATE',
    value: '0.3',
    flavour: 'webhook',
    expected: { outOfOrderRate: 0.3 },
  },
  {
    flag: '--response-delay-ms',
    variable: 'SIM_RESPONSE_DELAY_MS',
    value: '250',
    flavour: 'polling',
    expected: { responseDelayMs: 250 },
  },
  {
    flag: '--ring-ms',
    variable: 'SIM_RING_MS',
    value: '60000',
    flavour: 'webhook',
    expected: { ringMs: 60_000 },
  },
  {
    flag: '--talk-ms',
    variable: 'SIM_TALK_MS',
    value: '1500',
    flavour: 'polling',
    expected: { talkMs: 1500 },
  },
  {
    flag: '--calls-per-second',
    variable: 'SIM_CALLS_PER_SECOND',
    value: '5',
    ports: ['--twilio-port', '0'],
    flavour: 'twilio',
    expected: { callsPerSecond: 5 },
  },
  {
    flag: '--step-ms',
    variable: 'SIM_STEP_MS',
    value: '5-10',
    flavour: 'polling',
    expected: { stepMs: [5, 10] },
  },
  {
    flag: '--seed',
    variable: 'SIM_SEED',
    value: '42',
    flavour: 'webhook',
    expected: { seed: 42 },
  },
  {
    flag: '--host',
    variable: 'SIM_HOST',
    value: '127.0.0.1',
    flavour: 'polling',
    expected: { host: '127.0.0.1' },
  },
  {
    flag: '--inbound-voicemail-rate',
    variable: 'SIM_INBOUND_VOICEMAIL_RATE',
    value: '0.5',
    ports: ['--twilio-port', '0'],
    flavour: 'twilio',
    expected: { inbound: { voicemailRate: 0.5 } },
  },
  {
    flag: '--inbound-hang-up-rate',
    variable: 'SIM_INBOUND_HANG_UP_RATE',
    value: '0',
    ports: ['--telnyx-port', '0'],
    flavour: 'telnyx',
    expected: { inbound: { hangUpWhileRingingRate: 0 } },
  },
  {
    flag: '--inbound-forward-hang-up-rate',
    variable: 'SIM_INBOUND_FORWARD_HANG_UP_RATE',
    value: '0.4',
    ports: ['--twilio-port', '0'],
    flavour: 'twilio',
    expected: { inbound: { hangUpWhileForwardRingsRate: 0.4 } },
  },
  {
    flag: '--inbound-forward-busy-rate',
    variable: 'SIM_INBOUND_FORWARD_BUSY_RATE',
    value: '1',
    ports: ['--twilio-port', '0'],
    flavour: 'twilio',
    expected: { inbound: { forwardOutcomes: { completed: 0, busy: 1 } } },
  },
  {
    flag: '--inbound-forward-no-answer-rate',
    variable: 'SIM_INBOUND_FORWARD_NO_ANSWER_RATE',
    value: '0.5',
    ports: ['--telnyx-port', '0'],
    flavour: 'telnyx',
    expected: { inbound: { forwardOutcomes: { completed: 0.5, 'no-answer': 0.5 } } },
  },
  {
    flag: '--inbound-forward-failed-rate',
    variable: 'SIM_INBOUND_FORWARD_FAILED_RATE',
    value: '0.5',
    ports: ['--twilio-port', '0'],
    flavour: 'twilio',
    expected: { inbound: { forwardOutcomes: { completed: 0.5, failed: 0.5 } } },
  },
  {
    flag: '--telnyx-signing-key',
    variable: 'SIM_TELNYX_SIGNING_KEY',
    value: signingKey,
    ports: ['--telnyx-port', '0'],
    flavour: 'telnyx',
    expected: { telnyxSigningKey: signingKey },
  },
];

describe('ringkit-sim: an option and a variable for every knob', () => {
  it.each(CASES)(
    '$flag $value reaches the $flavour flavour as $expected',
    async ({ flag, value, ports = [], flavour, expected }) => {
      const { code, err } = await run([...PORTS, ...ports, flag, value]);
      expect(err).toBe('');
      expect(code).toBe(0);
      expect(started.get(flavour)).toMatchObject(expected);
    },
  );

  it.each(CASES)(
    '$variable=$value reaches the $flavour flavour as $expected',
    async ({ variable, value, ports = [], flavour, expected }) => {
      const { code, err } = await run([...PORTS, ...ports], { [variable]: value });
      expect(err).toBe('');
      expect(code).toBe(0);
      expect(started.get(flavour)).toMatchObject(expected);
    },
  );

  it('lists every option in --help with its variable and its default', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    for (const { flag, variable } of CASES) {
      const line = out.split('\n').findIndex((l) => l.trimStart().startsWith(`${flag} `));
      expect(line, flag).toBeGreaterThan(-1);
      const block = out
        .split('\n')
        .slice(line, line + 2)
        .join('\n');
      expect(block, flag).toContain(`env ${variable}`);
      expect(block, flag).toMatch(/\[[^\]]+\]/);
    }
    expect(out).toContain('--scenario FILE');
  });

  it('gives a flavour only the knobs it reads: agents to the practice flavours, pacing to Twilio', async () => {
    const argv = [...PORTS, '--twilio-port', '0', '--telnyx-port', '0'];
    const { code } = await run([
      ...argv,
      '--machine-rate',
      '0.5',
      '--calls-per-second',
      '2',
      '--busy-rate',
      '0.5',
      '--talk-mean-ms',
      '60000',
      '--time-scale',
      '30',
    ]);
    expect(code).toBe(0);
    for (const flavour of ['polling', 'webhook']) {
      expect(started.get(flavour)).toMatchObject({
        machineRate: 0.5,
        talkMeanMs: 60_000,
        timeScale: 30,
      });
      expect(started.get(flavour)).not.toHaveProperty('callsPerSecond');
    }
    expect(started.get('telnyx')).toMatchObject({ machineRate: 0.5 });
    expect(started.get('telnyx')).not.toHaveProperty('callsPerSecond');
    expect(started.get('twilio')).toMatchObject({ machineRate: 0.5, callsPerSecond: 2 });
    for (const flavour of ['twilio', 'telnyx']) {
      expect(started.get(flavour)).not.toHaveProperty('talkMeanMs');
      expect(started.get(flavour)).not.toHaveProperty('timeScale');
    }
    for (const flavour of ['polling', 'webhook', 'twilio', 'telnyx']) {
      expect(started.get(flavour)).toMatchObject({ outcomes: { completed: 0.5, busy: 0.5 } });
    }
  });

  it('reads the outcome shares beside --human-rate as shares of every call, the rest ringing out', async () => {
    const { code, err } = await run([
      ...PORTS,
      '--twilio-port',
      '0',
      '--human-rate',
      '0.2',
      '--machine-rate',
      '0.15',
      '--busy-rate',
      '0.1',
    ]);
    expect(err).toBe('');
    expect(code).toBe(0);
    for (const flavour of ['polling', 'webhook']) {
      expect(started.get(flavour)).toMatchObject({
        humanRate: 0.2,
        machineRate: 0.15,
        outcomes: { busy: 0.1, 'no-answer': expect.closeTo(0.55, 9) },
      });
    }
    // Twilio reads the shares as ever: what is neither busy, no-answer nor failed completes.
    expect(started.get('twilio')).toMatchObject({ outcomes: { completed: 0.9, busy: 0.1 } });
    expect(started.get('twilio')).not.toHaveProperty('humanRate');
  });

  it('takes the Twilio and Telnyx accounts from their options, in pairs', async () => {
    const accountSid = `AC${'1'.repeat(32)}`;
    const { code } = await run(
      [...PORTS, '--twilio-port', '0', '--twilio-account-sid', accountSid],
      { SIM_TWILIO_AUTH_TOKEN: 'secret' },
    );
    expect(code).toBe(0);
    expect(started.get('twilio')).toMatchObject({ twilio: { accountSid, authToken: 'secret' } });
    const telnyx = await run([
      ...PORTS,
      '--telnyx-port',
      '0',
      '--telnyx-api-key',
      'KEY1',
      '--telnyx-connection-id',
      'conn-1',
    ]);
    expect(telnyx.code).toBe(0);
    expect(started.get('telnyx')).toMatchObject({
      telnyx: { apiKey: 'KEY1', connectionId: 'conn-1' },
    });
  });
});

describe('ringkit-sim --scenario FILE', () => {
  it('sets every knob it names, each flavour getting those it reads', async () => {
    const file = scenario({
      stepMs: [5, 20],
      outcomes: { completed: 6, busy: 2, 'no-answer': 1, failed: 1 },
      errorRate: 0.01,
      earlyWebhookRate: 0.05,
      duplicateWebhookRate: 0.05,
      outOfOrderRate: 0.05,
      responseDelayMs: 10,
      seed: 9,
      machineRate: 0.4,
      callsPerSecond: 20,
      inbound: { everyMs: 60_000, url: 'http://127.0.0.1:1/voice', voicemailRate: 0.5 },
    });
    const { code, out, err } = await run([...PORTS, '--twilio-port', '0', '--scenario', file]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain(`seed 9 (scenario ${file})`);
    const common = {
      stepMs: [5, 20],
      outcomes: { completed: 6, busy: 2, 'no-answer': 1, failed: 1 },
      errorRate: 0.01,
      duplicateWebhookRate: 0.05,
      outOfOrderRate: 0.05,
      responseDelayMs: 10,
      seed: 9,
    };
    expect(started.get('polling')).toMatchObject(common);
    expect(started.get('polling')).not.toHaveProperty('inbound');
    expect(started.get('twilio')).toMatchObject({
      ...common,
      machineRate: 0.4,
      callsPerSecond: 20,
      inbound: { everyMs: 60_000, url: 'http://127.0.0.1:1/voice', voicemailRate: 0.5 },
    });
  });

  it('knows the predictive scenario by its name, and an option wins over it', async () => {
    const { code, out, err } = await run([
      ...PORTS,
      '--twilio-port',
      '0',
      '--scenario',
      'predictive',
      '--time-scale',
      '60',
    ]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('(scenario predictive)');
    for (const flavour of ['polling', 'webhook']) {
      expect(started.get(flavour)).toMatchObject({
        humanRate: 0.2,
        machineRate: 0.15,
        talkMeanMs: 120_000,
        talkSigma: 0.8,
        talkMs: 30_000,
        stepMs: [2000, 15_000],
        timeScale: 60,
      });
    }
    expect(started.get('twilio')).not.toHaveProperty('humanRate');
    expect(started.get('twilio')).not.toHaveProperty('timeScale');
    const help = await run(['--help']);
    expect(help.out).toContain('--scenario predictive');
    expect(help.out).toMatch(/20 % of calls a person answers, 15 % a machine/);
  });

  it('is read from SIM_SCENARIO by name too', async () => {
    const { code } = await run(PORTS, { SIM_SCENARIO: 'predictive', SIM_HUMAN_RATE: '0.3' });
    expect(code).toBe(0);
    expect(started.get('webhook')).toMatchObject({
      humanRate: 0.3,
      machineRate: 0.15,
      timeScale: 10,
    });
  });

  it('lets an option, then a variable, win over the scenario', async () => {
    const file = scenario({ outcomes: { busy: 1 }, machineRate: 0.1, seed: 3, stepMs: 50 });
    const { code } = await run(
      [
        ...PORTS,
        '--twilio-port',
        '0',
        '--scenario',
        file,
        '--no-answer-rate',
        '0.2',
        '--seed',
        '4',
      ],
      { SIM_MACHINE_RATE: '0.7', SIM_SEED: '5' },
    );
    expect(code).toBe(0);
    expect(started.get('twilio')).toMatchObject({
      outcomes: { completed: 0.8, 'no-answer': 0.2 },
      machineRate: 0.7,
      seed: 4,
      stepMs: 50,
    });
  });

  it('is read from SIM_SCENARIO, and its inbound app may come from --inbound-url', async () => {
    const file = scenario({ inbound: { everyMs: 30_000 } });
    const { code, err } = await run(
      [...PORTS, '--twilio-port', '0', '--inbound-url', 'http://127.0.0.1:1/voice'],
      { SIM_SCENARIO: file },
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(started.get('twilio')).toMatchObject({
      inbound: { everyMs: 30_000, url: 'http://127.0.0.1:1/voice' },
    });
  });
});

describe('ringkit-sim: bad knobs exit 2 with one line and start nothing', () => {
  it.each([
    [['--busy-rate', '1.5'], {}, '--busy-rate must be between 0 and 1'],
    [['--busy-rate', 'lots'], {}, '--busy-rate must be a number'],
    [[], { SIM_NO_ANSWER_RATE: '-1' }, 'SIM_NO_ANSWER_RATE must be between 0 and 1'],
    [['--ring-ms=-5'], {}, '--ring-ms must be between 0 and 86400000 ms'],
    [['--ring-ms', '-5'], {}, "Option '--ring-ms' argument is ambiguous"],
    [['--response-delay-ms', '700000'], {}, '--response-delay-ms must be between 0 and 600000 ms'],
    [
      ['--busy-rate', '0.6', '--failed-rate', '0.6'],
      {},
      '--busy-rate, --no-answer-rate, --failed-rate add up to 1.2, more than 1',
    ],
    [
      ['--human-rate', '0.8', '--machine-rate', '0.5'],
      {},
      '--human-rate: humanRate and machineRate add up to 1.3, more than 1',
    ],
    [
      ['--machine-rate', '0.6', '--no-answer-rate', '0.5'],
      {},
      '--machine-rate: machineRate 0.6 is more than the share of calls answered (0.5',
    ],
    [
      ['--human-rate', '0.5', '--busy-rate', '0.6'],
      {},
      'the shares of calls answered (0.5) and --busy-rate, --no-answer-rate, --failed-rate add up to 1.1, more than 1',
    ],
    [['--talk-sigma', '3.5'], {}, '--talk-sigma must be between 0 and 3'],
    [['--time-scale', '0.5'], {}, '--time-scale must be between 1 and 10000'],
    [[], { SIM_TIME_SCALE: 'fast' }, 'SIM_TIME_SCALE must be a number'],
    [['--talk-mean-ms', '0'], {}, '--talk-mean-ms: talkMeanMs must be above 0'],
    [['--agent-answer-ms', '-1'], {}, "Option '--agent-answer-ms' argument is ambiguous"],
    [['--scenario', 'predictve'], {}, "nor is it a scenario's name: predictive"],
    [['--telnyx-signing-key', 'nope', '--telnyx-port', '0'], {}, '--telnyx-signing-key: '],
    [
      ['--twilio-port', '0', '--twilio-account-sid', `AC${'1'.repeat(32)}`],
      {},
      '--twilio-account-sid and --twilio-auth-token go together',
    ],
    [
      ['--twilio-port', '0', '--twilio-account-sid', 'AC1', '--twilio-auth-token', 't'],
      {},
      '--twilio-account-sid: accountSid must be AC + 32 hex digits',
    ],
    [['--inbound-voicemail-rate', '0.5'], {}, '--inbound-… options need --twilio-port'],
    [['--scenario', '/nonexistent/ringkit.json'], {}, '--scenario /nonexistent/ringkit.json: '],
  ] as const)('%j %j', async (argv, env, says) => {
    const { code, err, out } = await run([...PORTS, ...argv], env);
    expect(code).toBe(2);
    expect(err.split('\n')).toHaveLength(1);
    expect(err).toContain(says);
    expect(out).toBe('');
    expect(started.size).toBe(0);
  });

  it.each([
    ['not JSON', '{ "outcomes": ', 'is not JSON'],
    ['an unknown knob', { busyRate: 0.5 }, 'unknown option busyRate (a scenario takes stepMs'],
    ['a knob out of range', { machineRate: 2 }, 'machineRate: must be between 0 and 1'],
    ['a function knob', { onEvent: 'x' }, 'unknown option onEvent'],
    ['no outcome with a weight', { outcomes: { busy: 0 } }, 'at least one outcome needs a weight'],
    ['a knob no flavour started reads', { callsPerSecond: 5 }, '--calls-per-second'],
  ])('a scenario with %s', async (_, content, says) => {
    const file = scenario(content);
    const { code, err } = await run([...PORTS, '--scenario', file]);
    expect(code).toBe(2);
    expect(err).toContain(says);
    expect(started.size).toBe(0);
  });
});
