import { MAX_RESPONSE_DELAY_MS, MAX_TIME_SCALE } from './_options.js';
import type { SimulatedOutcome } from './types.js';

// The table of `ringkit-sim`'s knob options: each option's flag, its variable, the knob it sets,
// its range and its help line. Reading them is `_cli-knobs.ts`.

/** A number option: its flag, its variable, where it goes, its range, its help. */
export interface NumberKnob {
  flag: string;
  variable: string;
  /** Where the value goes: a knob, or an outcome's share (the outcomes' or the forwarded ones'). */
  to:
    | { knob: 'errorRate' | 'earlyWebhookRate' | 'duplicateWebhookRate' | 'outOfOrderRate' }
    | { knob: 'machineRate' | 'responseDelayMs' | 'ringMs' | 'talkMs' }
    | { knob: 'humanRate' | 'agentAnswerMs' | 'talkMeanMs' | 'talkSigma' | 'timeScale' }
    | { inbound: 'voicemailRate' | 'hangUpWhileRingingRate' | 'hangUpWhileForwardRingsRate' }
    | { outcome: SimulatedOutcome; of: 'outcomes' | 'forwardOutcomes' };
  kind: 'rate' | 'ms' | 'number';
  /** The smallest value a `number` knob takes. */
  min?: number;
  /** The largest value an `ms` or `number` knob takes: the simulator's own bound. */
  max?: number;
  help: string;
  default: string;
}

/** Every number knob of the simulator that has an option, in the order `--help` lists them. */
export const NUMBER_KNOBS: readonly NumberKnob[] = [
  {
    flag: 'busy-rate',
    variable: 'SIM_BUSY_RATE',
    to: { outcome: 'busy', of: 'outcomes' },
    kind: 'rate',
    help: 'share 0..1 of calls that end busy',
    default: '0',
  },
  {
    flag: 'no-answer-rate',
    variable: 'SIM_NO_ANSWER_RATE',
    to: { outcome: 'no-answer', of: 'outcomes' },
    kind: 'rate',
    help: 'share 0..1 of calls nobody answers',
    default: '0',
  },
  {
    flag: 'failed-rate',
    variable: 'SIM_FAILED_RATE',
    to: { outcome: 'failed', of: 'outcomes' },
    kind: 'rate',
    help: 'share 0..1 of calls that fail',
    default: '0',
  },
  {
    flag: 'human-rate',
    variable: 'SIM_HUMAN_RATE',
    to: { knob: 'humanRate' },
    kind: 'rate',
    help: 'polling, webhook: share 0..1 of calls a person answers; the unanswered ring out',
    default: 'not said',
  },
  {
    flag: 'machine-rate',
    variable: 'SIM_MACHINE_RATE',
    to: { knob: 'machineRate' },
    kind: 'rate',
    help: 'share 0..1 of calls a machine answers (Twilio, Telnyx, SignalWire: of those with detection)',
    default: 'not said; Twilio, Telnyx, SignalWire 0.3',
  },
  {
    flag: 'error-rate',
    variable: 'SIM_ERROR_RATE',
    to: { knob: 'errorRate' },
    kind: 'rate',
    help: 'share 0..1 of call-creating POSTs answered 503 (no call made)',
    default: '0',
  },
  {
    flag: 'early-webhook-rate',
    variable: 'SIM_EARLY_WEBHOOK_RATE',
    to: { knob: 'earlyWebhookRate' },
    kind: 'rate',
    help: "webhook, Telnyx: share 0..1 of calls whose first webhook comes before the POST's answer",
    default: '0',
  },
  {
    flag: 'duplicate-webhook-rate',
    variable: 'SIM_DUPLICATE_WEBHOOK_RATE',
    to: { knob: 'duplicateWebhookRate' },
    kind: 'rate',
    help: 'webhook, Twilio, Telnyx, SignalWire: share 0..1 of webhooks sent twice',
    default: '0',
  },
  {
    flag: 'late-webhook-rate',
    variable: 'SIM_LATE_WEBHOOK_RATE',
    to: { knob: 'outOfOrderRate' },
    kind: 'rate',
    help: 'webhook, Twilio, Telnyx, SignalWire: share 0..1 of answered calls whose answer comes after their end',
    default: '0',
  },
  {
    flag: 'response-delay-ms',
    variable: 'SIM_RESPONSE_DELAY_MS',
    to: { knob: 'responseDelayMs' },
    kind: 'ms',
    max: MAX_RESPONSE_DELAY_MS,
    help: 'wait before answering each call-creating POST, ms',
    default: '0',
  },
  {
    flag: 'ring-ms',
    variable: 'SIM_RING_MS',
    to: { knob: 'ringMs' },
    kind: 'ms',
    help: 'how long a call rings before it is answered or ends, ms',
    default: 'drawn from --step-ms',
  },
  {
    flag: 'talk-ms',
    variable: 'SIM_TALK_MS',
    to: { knob: 'talkMs' },
    kind: 'ms',
    help: 'how long an answered call lasts, ms',
    default: 'drawn from --step-ms',
  },
  {
    flag: 'agent-answer-ms',
    variable: 'SIM_AGENT_ANSWER_MS',
    to: { knob: 'agentAnswerMs' },
    kind: 'ms',
    help: 'polling, webhook: how long an agent a call is connected to takes to answer, ms',
    default: '200-400',
  },
  {
    flag: 'talk-mean-ms',
    variable: 'SIM_TALK_MEAN_MS',
    to: { knob: 'talkMeanMs' },
    kind: 'ms',
    help: 'polling, webhook: mean time a person talks with an agent (lognormal), ms',
    default: '120000',
  },
  {
    flag: 'talk-sigma',
    variable: 'SIM_TALK_SIGMA',
    to: { knob: 'talkSigma' },
    kind: 'number',
    min: 0,
    max: 3,
    help: 'polling, webhook: sigma 0..3 of the talk times (0: all of the mean)',
    default: '0.8',
  },
  {
    flag: 'time-scale',
    variable: 'SIM_TIME_SCALE',
    to: { knob: 'timeScale' },
    kind: 'number',
    min: 1,
    max: MAX_TIME_SCALE,
    help: 'polling, webhook: how many times faster than real time calls run',
    default: '1',
  },
  {
    flag: 'inbound-voicemail-rate',
    variable: 'SIM_INBOUND_VOICEMAIL_RATE',
    to: { inbound: 'voicemailRate' },
    kind: 'rate',
    help: 'share 0..1 of unanswered inbound callers who leave a voicemail',
    default: '0.8',
  },
  {
    flag: 'inbound-hang-up-rate',
    variable: 'SIM_INBOUND_HANG_UP_RATE',
    to: { inbound: 'hangUpWhileRingingRate' },
    kind: 'rate',
    help: 'share 0..1 of inbound callers who hang up while the app is rung',
    default: '0.1',
  },
  {
    flag: 'inbound-forward-hang-up-rate',
    variable: 'SIM_INBOUND_FORWARD_HANG_UP_RATE',
    to: { inbound: 'hangUpWhileForwardRingsRate' },
    kind: 'rate',
    help: 'share 0..1 of inbound callers who hang up while a forward rings',
    default: '0.1',
  },
  {
    flag: 'inbound-forward-busy-rate',
    variable: 'SIM_INBOUND_FORWARD_BUSY_RATE',
    to: { outcome: 'busy', of: 'forwardOutcomes' },
    kind: 'rate',
    help: 'share 0..1 of forwards (<Dial>, transfer) that end busy',
    default: '0.1',
  },
  {
    flag: 'inbound-forward-no-answer-rate',
    variable: 'SIM_INBOUND_FORWARD_NO_ANSWER_RATE',
    to: { outcome: 'no-answer', of: 'forwardOutcomes' },
    kind: 'rate',
    help: 'share 0..1 of forwards nobody answers',
    default: '0.2',
  },
  {
    flag: 'inbound-forward-failed-rate',
    variable: 'SIM_INBOUND_FORWARD_FAILED_RATE',
    to: { outcome: 'failed', of: 'forwardOutcomes' },
    kind: 'rate',
    help: 'share 0..1 of forwards that fail',
    default: '0',
  },
];

/** The string knobs with an option: the accounts the Twilio, Telnyx and SignalWire flavours play. */
export const STRING_KNOBS = [
  {
    flag: 'twilio-account-sid',
    variable: 'SIM_TWILIO_ACCOUNT_SID',
    help: 'Twilio: the account played (AC + 32 hex)',
    default: 'the test account',
  },
  {
    flag: 'twilio-auth-token',
    variable: 'SIM_TWILIO_AUTH_TOKEN',
    help: "Twilio: the account's auth token",
    default: 'the test token',
  },
  {
    flag: 'telnyx-api-key',
    variable: 'SIM_TELNYX_API_KEY',
    help: 'Telnyx: the API key accepted',
    default: 'the test key',
  },
  {
    flag: 'telnyx-connection-id',
    variable: 'SIM_TELNYX_CONNECTION_ID',
    help: 'Telnyx: the connection id accepted',
    default: 'the test connection',
  },
  {
    flag: 'telnyx-signing-key',
    variable: 'SIM_TELNYX_SIGNING_KEY',
    help: 'Telnyx: the Ed25519 private key, base64 PKCS#8 DER',
    default: 'a new one',
  },
  {
    flag: 'signalwire-project-id',
    variable: 'SIM_SIGNALWIRE_PROJECT_ID',
    help: 'SignalWire: the project played (a UUID)',
    default: 'the test project',
  },
  {
    flag: 'signalwire-api-token',
    variable: 'SIM_SIGNALWIRE_API_TOKEN',
    help: "SignalWire: the project's API token",
    default: 'the test token',
  },
  {
    flag: 'signalwire-signing-key',
    variable: 'SIM_SIGNALWIRE_SIGNING_KEY',
    help: "SignalWire: the project's signing key, which signs callbacks",
    default: 'the test key',
  },
] as const;
