import { Buffer } from 'node:buffer';
import type { Random } from './_random.js';
import type { DialRequest } from './_telnyx-params.js';
import type {
  SimulatedForward,
  SimulatedOutcome,
  SimulatedRecording,
  TelnyxAnsweredBy,
  TelnyxCallStatus,
  TelnyxEventType,
  TelnyxHangupCause,
  TelnyxMachineDetection,
} from './types.js';

/** How a Telnyx call ends: its `hangup_cause`, `hangup_source` and `sip_hangup_cause`. */
export interface Hangup {
  cause: TelnyxHangupCause;
  source: 'caller' | 'callee' | 'unknown';
  sip: string;
}

/** The hangup of a call that ends with `outcome` before it was answered. */
export const UNANSWERED: Readonly<Record<Exclude<SimulatedOutcome, 'completed'>, Hangup>> = {
  busy: { cause: 'user_busy', source: 'callee', sip: '486' },
  'no-answer': { cause: 'timeout', source: 'unknown', sip: '480' },
  failed: { cause: 'unspecified', source: 'unknown', sip: '503' },
};
export const CALLEE_HUNG_UP: Hangup = { cause: 'normal_clearing', source: 'callee', sip: '200' };
export const TIME_LIMIT: Hangup = { cause: 'time_limit', source: 'unknown', sip: 'unspecified' };
export const HUNG_UP_ANSWERED: Hangup = { cause: 'normal_clearing', source: 'caller', sip: '200' };
export const CANCELED: Hangup = { cause: 'originator_cancel', source: 'caller', sip: '487' };

/**
 * The webhooks whose doubling is drawn when a call is created, one draw each, so every call
 * takes the same number of draws whatever happens to it later.
 */
export const EVENT_TYPES: readonly TelnyxEventType[] = [
  'call.initiated',
  'call.answered',
  'call.hangup',
  'call.machine.detection.ended',
  'call.machine.greeting.ended',
  'call.machine.premium.detection.ended',
  'call.machine.premium.greeting.ended',
  'call.speak.started',
  'call.speak.ended',
];

/**
 * Every event type a call may send, {@link EVENT_TYPES} first: an incoming call draws the
 * doubling of each (an outgoing call never sends the ones after them).
 */
export const ALL_EVENT_TYPES: readonly TelnyxEventType[] = [
  ...EVENT_TYPES,
  'call.bridged',
  'call.recording.saved',
];

/** Who answers a call with machine detection, and what its greeting ends with (if it reports one). */
export interface Detection {
  result: TelnyxAnsweredBy;
  /** The `result` of the greeting webhook that follows, or `undefined` for none. */
  greeting: 'ended' | 'beep_detected' | undefined;
}

/** A recording of an incoming call under way (`record_start`). */
export interface TelnyxRecording {
  id: string;
  format: 'mp3' | 'wav';
  channels: 'single' | 'dual';
  /** 0: no limit. */
  maxLengthS: number;
  startedAt: number;
  /** When the caller's message ended, once it has; `null` while recording or for no message. */
  messageEndedAt: number | null;
}

/** What happens to an incoming call besides its lifecycle. */
export interface TelnyxInboundState {
  forwards: SimulatedForward[];
  recordings: SimulatedRecording[];
  /** A transfer under way: its B leg and its forward. */
  transfer: { leg: TelnyxCall; forward: SimulatedForward } | undefined;
  recording: TelnyxRecording | undefined;
  /** Bumped at each command: a caller left waiting long after the last one hangs up. */
  activity: number;
}

/** One call of the Telnyx flavour, everything drawn when it was dialed. */
export interface TelnyxCall extends Omit<DialRequest, 'clientState' | 'commandId'> {
  controlId: string;
  /** `outgoing`: dialed by the app (or a transfer's B leg); `incoming`: rung by the simulator. */
  direction: 'outgoing' | 'incoming';
  /** Incoming calls only. */
  inbound?: TelnyxInboundState;
  legId: string;
  sessionId: string;
  connectionId: string;
  recordingId: string | undefined;
  outcome: SimulatedOutcome;
  /** From the dial to `call.initiated`, ringing, and talking, in ms. */
  gaps: readonly [number, number, number];
  detection: Detection | undefined;
  status: TelnyxCallStatus;
  clientState: string | undefined;
  createdAt: number;
  /** When `call.initiated` went. */
  initiatedAt: number | null;
  answeredAt: number | null;
  endedAt: number | null;
  /** When the detection webhook went (from then on `answeredBy` is known). */
  detectedAt: number | null;
  hangupCause: TelnyxHangupCause | undefined;
  spoken: string[];
  /** Speaks not yet ended, the first one playing. */
  speaking: number;
  /** The `command_id`s of the commands the call took. */
  commandIds: Set<string>;
  /** Bumped when the call ends from outside, so its pending steps do nothing. */
  generation: number;
  early: boolean;
  outOfOrder: boolean;
  /** Per event type, in {@link EVENT_TYPES} order: whether it is delivered twice. */
  duplicates: boolean[];
}

/** A `call_control_id` as Telnyx writes one: `v3:` + 48 URL-safe base64 characters (36 bytes). */
export function drawControlId(random: Random): string {
  const bytes = new Uint8Array(36);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 9; i += 1) view.setUint32(i * 4, random.next() * 2 ** 32);
  return `v3:${Buffer.from(bytes).toString('base64url')}`;
}

/**
 * Who answers a call dialed with `answering_machine_detection`: a machine with `machineRate`;
 * the rare answers (`not_sure`; premium: `silence`, `fax_detected`) take
 * `machineRate × (1 − machineRate) / 20` each; a human the rest. Always two draws, so a seed
 * replays the same calls.
 */
export function drawTelnyxDetection(
  random: Random,
  machineRate: number,
  mode: TelnyxMachineDetection,
): Detection {
  const roll = random.next();
  const second = random.next();
  const rare = (machineRate * (1 - machineRate)) / 20;
  const beep = second < 0.6;
  if (mode === 'premium') {
    if (roll < machineRate - rare) {
      return { result: 'machine', greeting: beep ? 'beep_detected' : undefined };
    }
    if (roll < machineRate) return { result: 'fax_detected', greeting: undefined };
    if (roll < machineRate + rare) return { result: 'silence', greeting: undefined };
    const human = second < 0.7 ? 'human_residence' : 'human_business';
    return { result: human, greeting: undefined };
  }
  if (roll < machineRate - rare) {
    const greeting =
      mode === 'detect'
        ? undefined
        : mode === 'detect_beep'
          ? beep
            ? 'beep_detected'
            : undefined
          : beep
            ? 'beep_detected'
            : 'ended';
    return { result: 'machine', greeting };
  }
  if (roll < machineRate + rare) return { result: 'not_sure', greeting: undefined };
  return { result: 'human', greeting: undefined };
}

export const isAlive = (call: TelnyxCall) => call.endedAt === null;

/** Whole seconds since the answer (to the end, once ended); 0 when never answered. */
export function callDurationS(call: TelnyxCall, now: number): number {
  if (call.answeredAt === null) return 0;
  return Math.floor(((call.endedAt ?? now) - call.answeredAt) / 1000);
}

const iso = (ms: number) => new Date(ms).toISOString();
const ids = (call: TelnyxCall) => ({
  call_control_id: call.controlId,
  call_leg_id: call.legId,
  call_session_id: call.sessionId,
});

/** The `data` of the dial's answer (`CallDialResponse`). */
export function renderDial(call: TelnyxCall) {
  return {
    ...ids(call),
    is_alive: false,
    record_type: 'call',
    ...(call.clientState === undefined ? {} : { client_state: call.clientState }),
    ...(call.recordingId === undefined ? {} : { recording_id: call.recordingId }),
  };
}

/** The `data` of `GET /v2/calls/{id}` (`CallRetrieveStatusResponse`). */
export function renderStatus(call: TelnyxCall, now: number) {
  return {
    ...ids(call),
    is_alive: isAlive(call),
    record_type: 'call',
    call_duration: callDurationS(call, now),
    ...(call.clientState === undefined ? {} : { client_state: call.clientState }),
    start_time: iso(call.createdAt),
    ...(call.endedAt === null ? {} : { end_time: iso(call.endedAt) }),
  };
}

/** One entry of `GET /v2/connections/{id}/active_calls` (`ConnectionListActiveCallsResponse`). */
export function renderActive(call: TelnyxCall, now: number) {
  return {
    call_control_id: call.controlId,
    call_duration: callDurationS(call, now),
    call_leg_id: call.legId,
    call_session_id: call.sessionId,
    client_state: call.clientState ?? '',
    record_type: 'call',
  };
}
