import { readFileSync } from 'node:fs';
import { strictObject } from '@ringkit/internal';
import type { z } from 'zod';
import { NUMBER_KNOBS, STRING_KNOBS, type NumberKnob } from './_cli-knob-table.js';
import { checkAnswers } from './_answers.js';
import { PRESETS } from './_cli-presets.js';
import { FLAVOUR_ONLY, inboundFields, knobsShape, MAX_STEP_MS } from './_options.js';
import type {
  SimulatedOutcome,
  SimulatorFlavour,
  SimulatorInboundKnobs,
  SimulatorKnobs,
} from './types.js';

// The `ringkit-sim` options (and variables) of the simulator's knobs, and `--scenario FILE` (or a
// preset's name): what `startCallApiSimulator` can be told, from a command line. Each value is
// read from its option, else its variable, else the scenario, else the simulator's default.

/** The knobs a scenario may set: every option of `startCallApiSimulator` but the flavour and the functions. */
const SCENARIO_KEYS = [
  'stepMs',
  'outcomes',
  'errorRate',
  'earlyWebhookRate',
  'duplicateWebhookRate',
  'outOfOrderRate',
  'responseDelayMs',
  'seed',
  'ringMs',
  'talkMs',
  'twilio',
  'signalwire',
  'callsPerSecond',
  'machineRate',
  'humanRate',
  'agentAnswerMs',
  'talkMeanMs',
  'talkSigma',
  'timeScale',
  'telnyx',
  'telnyxSigningKey',
  'inbound',
] as const satisfies ReadonlyArray<keyof SimulatorKnobs>;

type ScenarioKey = (typeof SCENARIO_KEYS)[number];
/** What a scenario file holds: knobs by their `startCallApiSimulator` names. */
export type Scenario = Pick<SimulatorKnobs, ScenarioKey>;

const scenarioFields = Object.fromEntries(SCENARIO_KEYS.map((key) => [key, knobsShape[key]])) as {
  [K in ScenarioKey]: (typeof knobsShape)[K];
};
/**
 * The knobs a scenario or the options give, each checked as `startCallApiSimulator` checks it.
 * `inbound` is checked field by field here (its URL may come from `--inbound-url`), and whole
 * by `checkInbound` once every source is read.
 */
const scenarioSchema = strictObject({ ...scenarioFields, inbound: inboundFields.optional() });

/** The `parseArgs` options of the knobs. */
export const KNOB_OPTIONS = Object.fromEntries(
  [...NUMBER_KNOBS, ...STRING_KNOBS, { flag: 'scenario' }].map(({ flag }) => [
    flag,
    { type: 'string' as const },
  ]),
);

const pad = (text: string, width: number) => text.padEnd(width);

/** The `--help` lines of the knobs, each with its variable and its default. */
export const KNOBS_USAGE = `
Outcomes, webhooks and accounts (each also read from its variable; a share is a fraction 0..1):
${[...NUMBER_KNOBS, ...STRING_KNOBS]
  .map(
    (k) =>
      `  ${pad(`--${k.flag} ${'kind' in k ? { rate: 'R', ms: 'MS', number: 'N' }[k.kind] : 'S'}`, 36)}${k.help}\n` +
      `  ${pad('', 36)}(env ${k.variable}) [${k.default}]`,
  )
  .join('\n')}
  Calls that are neither busy, no-answer nor failed complete; forwards likewise.
  With --human-rate, the polling and webhook flavours' calls that no person or machine answers
  and that are neither busy nor failed ring out (no-answer).
  --scenario FILE                     a JSON object of startCallApiSimulator options (outcomes,
                                      machineRate, earlyWebhookRate, inbound, twilio…) that sets
                                      them all; an option or a variable given wins over it
                                      (env SIM_SCENARIO)
${Object.entries(PRESETS)
  .map(
    ([name, preset]) =>
      `  ${pad(`--scenario ${name}`, 36)}${preset.help.join(`\n  ${pad('', 36)}`)}`,
  )
  .join('\n')}
`;

/** What the knob options and variables ask for: the knobs to give each flavour, or what is wrong. */
export type KnobsRead =
  | {
      ok: true;
      knobs: Scenario;
      scenario: string | undefined;
      /**
       * The polling and webhook flavours' `outcomes` when outcome shares were given as options
       * beside `humanRate`: the shares as given, the rest no-answer.
       */
      practiceOutcomes?: Scenario['outcomes'];
    }
  | { ok: false; message: string };

/**
 * Reads the knob options (else their variables, else the scenario file) into one set of knobs.
 * `values` are `parseArgs` values; `started` says which flavours run, so a knob none of them
 * reads is refused rather than silently dropped.
 */
export function readKnobOptions(
  values: Record<string, string | boolean | undefined>,
  env: Record<string, string | undefined>,
  started: ReadonlySet<SimulatorFlavour>,
  inboundOptions: SimulatorInboundKnobs = {},
): KnobsRead {
  const given = (flag: string, variable: string) => {
    const value = values[flag];
    if (typeof value === 'string') return { value, name: `--${flag}` };
    const fromEnv = env[variable];
    return fromEnv === undefined || fromEnv === '' ? undefined : { value: fromEnv, name: variable };
  };
  const file = given('scenario', 'SIM_SCENARIO');
  let scenario: Scenario = {};
  const preset = file && Object.hasOwn(PRESETS, file.value) ? PRESETS[file.value] : undefined;
  if (preset) scenario = { ...preset.knobs };
  else if (file) {
    const read = readScenario(file.value);
    if (!read.ok) return read;
    scenario = read.scenario;
  }
  const knobs: Scenario = { ...scenario };
  const inbound: SimulatorInboundKnobs = { ...scenario.inbound, ...inboundOptions };
  const shares: Record<
    'outcomes' | 'forwardOutcomes',
    Partial<Record<SimulatedOutcome, number>>
  > = { outcomes: {}, forwardOutcomes: {} };
  const problems: string[] = [];
  /** The knobs set by an option or a variable, by path: their errors name it. */
  const named = new Map<string, string>();
  for (const knob of NUMBER_KNOBS) {
    const at = given(knob.flag, knob.variable);
    if (!at) continue;
    const parsed = numberOf(knob, at.value, at.name);
    if (typeof parsed === 'string') {
      problems.push(parsed);
      continue;
    }
    if ('knob' in knob.to) {
      knobs[knob.to.knob] = parsed;
      named.set(knob.to.knob, at.name);
    } else if ('inbound' in knob.to) inbound[knob.to.inbound] = parsed;
    else shares[knob.to.of][knob.to.outcome] = parsed;
  }
  let practiceOutcomes: Scenario['outcomes'];
  for (const of of ['outcomes', 'forwardOutcomes'] as const) {
    const set = shares[of];
    const entries = Object.entries(set);
    if (entries.length === 0) continue;
    const sum = entries.reduce((total, [, share]) => total + share, 0);
    const flags = NUMBER_KNOBS.filter((k) => 'of' in k.to && k.to.of === of).map(
      (k) => `--${k.flag}`,
    );
    if (sum > 1 + 1e-9) {
      problems.push(`${flags.join(', ')} add up to ${round(sum)}, more than 1`);
      continue;
    }
    const outcomes = { completed: Math.max(0, 1 - sum), ...set };
    if (of === 'outcomes') knobs.outcomes = outcomes;
    else inbound.forwardOutcomes = outcomes;
    if (of === 'outcomes' && knobs.humanRate !== undefined) {
      const answered = knobs.humanRate + (knobs.machineRate ?? 0);
      const rest = 1 - answered - sum;
      if (rest < -1e-9) {
        problems.push(
          `the shares of calls answered (${round(answered)}) and ${flags.join(', ')} add up to ${round(answered + sum)}, more than 1`,
        );
        continue;
      }
      const practice = { ...set, 'no-answer': (set['no-answer'] ?? 0) + Math.max(0, rest) };
      if (Object.values(practice).some((share) => share > 0)) practiceOutcomes = practice;
    }
  }
  const twilioSid = given('twilio-account-sid', 'SIM_TWILIO_ACCOUNT_SID');
  const twilioToken = given('twilio-auth-token', 'SIM_TWILIO_AUTH_TOKEN');
  if (twilioSid || twilioToken) {
    const account = { ...knobs.twilio } as Partial<NonNullable<Scenario['twilio']>>;
    if (twilioSid) {
      account.accountSid = twilioSid.value;
      named.set('twilio.accountSid', twilioSid.name);
    }
    if (twilioToken) {
      account.authToken = twilioToken.value;
      named.set('twilio.authToken', twilioToken.name);
    }
    if (!account.accountSid || !account.authToken) {
      problems.push('--twilio-account-sid and --twilio-auth-token go together');
    } else knobs.twilio = account as NonNullable<Scenario['twilio']>;
  }
  const telnyxKey = given('telnyx-api-key', 'SIM_TELNYX_API_KEY');
  const telnyxConnection = given('telnyx-connection-id', 'SIM_TELNYX_CONNECTION_ID');
  if (telnyxKey || telnyxConnection) {
    const account = { ...knobs.telnyx } as Partial<NonNullable<Scenario['telnyx']>>;
    if (telnyxKey) {
      account.apiKey = telnyxKey.value;
      named.set('telnyx.apiKey', telnyxKey.name);
    }
    if (telnyxConnection) {
      account.connectionId = telnyxConnection.value;
      named.set('telnyx.connectionId', telnyxConnection.name);
    }
    if (!account.apiKey || !account.connectionId) {
      problems.push('--telnyx-api-key and --telnyx-connection-id go together');
    } else knobs.telnyx = account as NonNullable<Scenario['telnyx']>;
  }
  const signalwire = readSignalWireAccount(given, knobs.signalwire, named);
  if (typeof signalwire === 'string') problems.push(signalwire);
  else if (signalwire) knobs.signalwire = signalwire;
  const signingKey = given('telnyx-signing-key', 'SIM_TELNYX_SIGNING_KEY');
  if (signingKey) {
    knobs.telnyxSigningKey = signingKey.value;
    named.set('telnyxSigningKey', signingKey.name);
  }
  if (Object.keys(inbound).length > 0) knobs.inbound = inbound;
  else delete knobs.inbound;
  if (problems.length > 0) return { ok: false, message: problems.join('; ') };

  // One check of the whole: what each knob accepts is what startCallApiSimulator accepts.
  const checked = scenarioSchema.safeParse(knobs);
  if (!checked.success) {
    return { ok: false, message: describeIssues(checked.error.issues, file?.value, named) };
  }
  for (const [key, flavours] of FLAVOUR_ONLY) {
    // `inbound` is checked with the flavours' own rules (one app rung, Twilio-only parts).
    if (key === 'inbound' || knobs[key as ScenarioKey] === undefined) continue;
    if (flavours.some((flavour) => started.has(flavour))) continue;
    const needs = flavours.map((flavour) => `--${flavour}-port`).join(' or ');
    return { ok: false, message: `${nameOf(key)} needs ${needs}: no flavour started reads it` };
  }
  const practice = knobsFor('polling', checked.data as Scenario, practiceOutcomes);
  const wrongAnswers = checkAnswers({ ...practice, flavour: 'polling' });
  if (wrongAnswers) {
    const [key] = wrongAnswers.path as [string];
    const where = named.get(key) ?? (file ? `--scenario ${file.value}: ${key}` : key);
    return { ok: false, message: `${where}: ${wrongAnswers.message}` };
  }
  return {
    ok: true,
    knobs: checked.data as Scenario,
    scenario: file?.value,
    ...(practiceOutcomes && { practiceOutcomes }),
  };
}

type Given = (flag: string, variable: string) => { value: string; name: string } | undefined;

/**
 * The SignalWire project the options (or variables) give, over the scenario's (`undefined`: none
 * given), or why they do not fit: its id, token and signing key go together.
 */
function readSignalWireAccount(
  given: Given,
  scenario: Scenario['signalwire'],
  named: Map<string, string>,
): Scenario['signalwire'] | string | undefined {
  const fields = [
    ['projectId', given('signalwire-project-id', 'SIM_SIGNALWIRE_PROJECT_ID')],
    ['apiToken', given('signalwire-api-token', 'SIM_SIGNALWIRE_API_TOKEN')],
    ['signingKey', given('signalwire-signing-key', 'SIM_SIGNALWIRE_SIGNING_KEY')],
  ] as const;
  if (fields.every(([, at]) => at === undefined)) return undefined;
  const account: Partial<NonNullable<Scenario['signalwire']>> = { ...scenario };
  for (const [key, at] of fields) {
    if (!at) continue;
    account[key] = at.value;
    named.set(`signalwire.${key}`, at.name);
  }
  if (!account.projectId || !account.apiToken || !account.signingKey) {
    return '--signalwire-project-id, --signalwire-api-token and --signalwire-signing-key go together';
  }
  return account as NonNullable<Scenario['signalwire']>;
}

/**
 * The knobs a flavour reads, of those read: the others are another flavour's. The polling and
 * webhook flavours take `practiceOutcomes` for `outcomes` when there are some.
 */
export function knobsFor(
  flavour: SimulatorFlavour,
  knobs: Scenario,
  practiceOutcomes?: Scenario['outcomes'],
): Scenario {
  const own = { ...knobs } as Record<string, unknown>;
  for (const [key, flavours] of FLAVOUR_ONLY) {
    if (!flavours.includes(flavour)) delete own[key];
  }
  if (practiceOutcomes && (flavour === 'polling' || flavour === 'webhook')) {
    own.outcomes = practiceOutcomes;
  }
  return own as Scenario;
}

function readScenario(
  path: string,
): { ok: true; scenario: Scenario } | { ok: false; message: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const names = Object.keys(PRESETS).join(', ');
    return {
      ok: false,
      message: `--scenario ${path}: ${(error as Error).message} (nor is it a scenario's name: ${names})`,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `--scenario ${path} is not JSON: ${(error as Error).message}` };
  }
  const parsed = scenarioSchema.safeParse(json);
  if (!parsed.success) return { ok: false, message: describeIssues(parsed.error.issues, path) };
  return { ok: true, scenario: parsed.data as Scenario };
}

/**
 * The issues as one line: each at the option or variable that gave the value (`named`, by knob
 * path), else at its place in the scenario file.
 */
function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  scenario: string | undefined,
  named: ReadonlyMap<string, string> = new Map(),
) {
  return issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const keys = `unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
        return `${scenario === undefined ? '' : `--scenario ${scenario}: `}${keys} (a scenario takes ${SCENARIO_KEYS.join(', ')})`;
      }
      const path = issue.path.join('.');
      const flag = named.get(path);
      if (flag) return `${flag}: ${issue.message}`;
      const where = scenario === undefined ? '' : `--scenario ${scenario}: `;
      return `${where}${path ? `${path}: ` : ''}${issue.message}`;
    })
    .join('; ');
}

/** The option that sets a flavour-only knob, as a person would look for it. */
function nameOf(key: string): string {
  const flag = {
    machineRate: '--machine-rate',
    callsPerSecond: '--calls-per-second',
    twilio: '--twilio-account-sid',
    signalwire: '--signalwire-project-id',
    telnyx: '--telnyx-api-key',
    telnyxSigningKey: '--telnyx-signing-key',
    inbound: 'the --inbound-… options',
  }[key];
  return flag ? `${flag} (or the scenario's ${key})` : key;
}

function numberOf(knob: NumberKnob, value: string, name: string): number | string {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) return `${name} must be a number`;
  if (knob.kind === 'number') {
    const { min = -Infinity, max = Infinity } = knob;
    return number < min || number > max ? `${name} must be between ${min} and ${max}` : number;
  }
  if (knob.kind === 'rate' && (number < 0 || number > 1)) {
    return `${name} must be between 0 and 1`;
  }
  const max = knob.max ?? MAX_STEP_MS;
  if (knob.kind === 'ms' && (number < 0 || number > max)) {
    return `${name} must be between 0 and ${max} ms`;
  }
  return number;
}

const round = (n: number) => Math.round(n * 1000) / 1000;
