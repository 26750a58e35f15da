import type { Random } from './_random.js';
import type { TwilioDialect } from './_twilio-dialect.js';
import { rfc2822, type FormParams } from './_twilio-format.js';
import type {
  SimulatedForward,
  SimulatedOutcome,
  SimulatedRecording,
  TwilioAnsweredBy,
  TwilioCallbackStatus,
  TwilioMachineDetection,
} from './types.js';

/** A Twilio call's status as the simulator tracks it (`initiated` shows as `queued` in the resource). */
export type TwilioStatus = 'queued' | TwilioCallbackStatus;
export type CallbackEvent = 'initiated' | 'ringing' | 'answered' | 'completed';

export const API_VERSION = '2010-04-01';
export const CALLBACK_EVENTS: readonly CallbackEvent[] = [
  'initiated',
  'ringing',
  'answered',
  'completed',
];
export const ENDED = new Set<TwilioStatus>([
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
]);
export const CANCELABLE = new Set<TwilioStatus>(['queued', 'initiated', 'ringing']);

/** One call of the Twilio flavour, everything drawn when it was created. */
export interface TwilioCall {
  sid: string;
  /** `outbound-api`: a call the app created; `inbound`: one the simulator rang the app with. */
  direction: 'outbound-api' | 'inbound';
  /** Inbound calls: what the app's TwiML did. */
  inbound?: TwilioInboundRecord;
  order: number;
  to: string;
  from: string;
  outcome: SimulatedOutcome;
  gaps: readonly [number, number, number];
  status: TwilioStatus;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  answeredAt: number | null;
  endedAt: number | null;
  statusCallback: string | undefined;
  callbackMethod: 'GET' | 'POST';
  events: ReadonlySet<CallbackEvent>;
  twiml: string | undefined;
  url: string | undefined;
  machineDetection: TwilioMachineDetection | undefined;
  /** Who answers, drawn when the call was created (`null`: no machine detection). */
  detection: TwilioAnsweredBy | null;
  /** The parameters the call was created with. */
  createParams: FormParams;
  /** Bumped when the call is ended from outside, so its pending steps do nothing. */
  generation: number;
  /** The next callback's `SequenceNumber`. */
  sequence: number;
  outOfOrder: boolean;
  /** Per callback event, in {@link CALLBACK_EVENTS} order: whether it is delivered twice. */
  duplicates: boolean[];
  /** The `in-progress` callback held back until the end (`outOfOrderRate`). */
  held: (() => Promise<void>) | undefined;
  deliveries: Promise<void>;
}

/** What an inbound call's TwiML did, for `calls()`. */
export interface TwilioInboundRecord {
  spoken: string[];
  forwards: SimulatedForward[];
  recordings: SimulatedRecording[];
}

/** The `StatusCallbackEvent` a status belongs to. */
export function eventOf(status: TwilioStatus): CallbackEvent | undefined {
  if (status === 'initiated' || status === 'ringing') return status;
  if (status === 'in-progress') return 'answered';
  return ENDED.has(status) ? 'completed' : undefined;
}

/** `answered_by`: who answered, once the call was answered with machine detection on. */
export const answeredBy = (call: TwilioCall): TwilioAnsweredBy | null =>
  call.answeredAt === null ? null : call.detection;

const MESSAGE_ENDS = { machine_end_beep: 6, machine_end_silence: 3, machine_end_other: 1 } as const;

/**
 * Who answers a call that asked for machine detection: a machine with `machineRate`, else a
 * human, `fax` and `unknown` each taking `machineRate × (1 − machineRate) / 20` (from the
 * machines and from the humans). Always two draws, so a seed replays the same calls.
 */
export function drawDetection(
  random: Random,
  machineRate: number,
  mode: TwilioMachineDetection,
): TwilioAnsweredBy {
  const roll = random.next();
  const end = random.pick(MESSAGE_ENDS);
  const rare = (machineRate * (1 - machineRate)) / 20;
  if (roll < machineRate - rare) return mode === 'Enable' ? 'machine_start' : end;
  if (roll < machineRate) return 'fax';
  if (roll < machineRate + rare) return 'unknown';
  return 'human';
}

/** The call's length in whole seconds, from its answer to its end (0 when never answered). */
export function durationS(call: TwilioCall): number {
  if (call.answeredAt === null || call.endedAt === null) return 0;
  return Math.ceil((call.endedAt - call.answeredAt) / 1000);
}

/** The resource's `status`: the description's enum has no `initiated`, so such a call is `queued`. */
export const resourceStatus = (call: TwilioCall): string =>
  call.status === 'initiated' ? 'queued' : call.status;

/**
 * The call as the Calls resource answers it (`api.v2010.account.call`), its URIs under the
 * dialect's prefix (SignalWire: `/api/laml`).
 */
export function renderCall(
  call: TwilioCall,
  dialect: Pick<TwilioDialect, 'accountSid' | 'pathPrefix'>,
  now: number,
) {
  const { accountSid, pathPrefix } = dialect;
  const uri = `${pathPrefix}/${API_VERSION}/Accounts/${accountSid}/Calls/${call.sid}`;
  return {
    sid: call.sid,
    date_created: rfc2822(call.createdAt),
    date_updated: rfc2822(call.updatedAt),
    parent_call_sid: null,
    account_sid: accountSid,
    to: call.to,
    to_formatted: call.to,
    from: call.from,
    from_formatted: call.from,
    phone_number_sid: null,
    status: resourceStatus(call),
    start_time: call.startedAt === null ? null : rfc2822(call.startedAt),
    end_time: call.endedAt === null ? null : rfc2822(call.endedAt),
    duration: call.status === 'completed' ? String(durationS(call)) : null,
    price: null,
    price_unit: 'USD',
    direction: call.direction,
    answered_by: answeredBy(call),
    api_version: API_VERSION,
    forwarded_from: null,
    group_sid: null,
    caller_name: null,
    queue_time: String((call.startedAt ?? call.endedAt ?? now) - call.createdAt),
    trunk_sid: null,
    uri: `${uri}.json`,
    subresource_uris: Object.fromEntries(
      ['notifications', 'recordings', 'events', 'payments', 'siprec', 'streams'].map((name) => [
        name,
        `${uri}/${name[0]?.toUpperCase()}${name.slice(1)}.json`,
      ]),
    ),
  };
}
