// The types of inbound calls (the Twilio, SignalWire, Telnyx and Vonage flavours ringing an app);
// `types.ts` re-exports them.

import type { SimulatedOutcome } from './types-status.js';

/**
 * How the Twilio, SignalWire, Telnyx and Vonage flavours ring an app with inbound calls, and how
 * the callers behave.
 * Every draw follows `seed`.
 */
export interface SimulatorInboundKnobs {
  /**
   * Where calls ring unless `ringApp` says otherwise: Twilio's voice URL (the number's "A call
   * comes in" webhook), Telnyx's Call Control application webhook URL, or the Vonage
   * application's answer URL (requested by `GET`, signed; it answers an NCCO).
   * @default undefined: `ringApp` (and `POST /_sim/inbound`) must name a `url`
   */
  url?: string;
  /**
   * Twilio and SignalWire flavours: the number's status callback URL, which gets the call's final
   * status.
   * @default undefined: no status callback
   */
  statusCallbackUrl?: string;
  /**
   * Vonage flavour: the application's event URL, which gets the caller's leg's events
   * (`direction: 'inbound'`: `started`, `ringing`, `answered`, then `completed`, or `cancelled`
   * when the caller hangs up while it rings), and the events of the NCCO's `record` and `connect`
   * actions that name no `eventUrl` of their own.
   * @default undefined: those events go nowhere
   */
  eventUrl?: string;
  /**
   * Rings `url` at random, a call every `everyMs` on average (exponential gaps), until the
   * simulator closes. Needs `url`.
   * @default undefined: no call rings by itself
   * @example everyMs: 20_000 // a call about every 20 seconds
   */
  everyMs?: number;
  /**
   * The caller's number (E.164).
   * @default a number drawn from +1 415 555 0100…0199
   */
  from?: string;
  /**
   * The app's number that is called (E.164).
   * @default '+15005550006'
   */
  to?: string;
  /**
   * Relative weights of how a forward (Twilio's `<Dial>`, Telnyx's `transfer`, Vonage's NCCO
   * `connect`) ends: answered by
   * the forwarded party (`completed`), rung out (`no-answer`), `busy` or `failed`. A forward that
   * would ring longer than its timeout rings out at the timeout.
   * @default { completed: 7, 'no-answer': 2, busy: 1 }
   */
  forwardOutcomes?: Partial<Record<SimulatedOutcome, number>>;
  /**
   * Share (0..1) of callers who hang up while the app's number rings, as the call is offered:
   * Twilio plays none of the app's TwiML and the call ends `canceled`; on Telnyx the parked call
   * ends `originator_cancel` before the app can answer it; on Vonage the caller's leg ends
   * `cancelled` and the NCCO is not played.
   * @default 0.1
   */
  hangUpWhileRingingRate?: number;
  /**
   * Share (0..1) of callers who hang up while a forward rings (Twilio: `DialCallStatus=canceled`;
   * Telnyx: both legs hang up, the B leg `originator_cancel`; Vonage: the `connect` leg ends
   * `cancelled`, the caller's `completed`).
   * @default 0.1
   */
  hangUpWhileForwardRingsRate?: number;
  /**
   * Share (0..1) of callers asked to leave a message (Twilio's `<Record>`, Telnyx's
   * `record_start`, Vonage's NCCO `record`) who do; the others hang up without one.
   * @default 0.8
   */
  voicemailRate?: number;
}

/** One inbound call for `ringApp`: each field left out comes from the `inbound` knobs. */
export interface RingAppOptions {
  /**
   * Where to ring: Twilio's voice URL, Telnyx's webhook URL, Vonage's answer URL.
   * @default inbound.url
   */
  url?: string;
  /**
   * Twilio and SignalWire flavours: where the call's final status goes.
   * @default inbound.statusCallbackUrl
   */
  statusCallbackUrl?: string;
  /**
   * Vonage flavour: the application's event URL, where the caller's leg sends its events.
   * @default inbound.eventUrl
   */
  eventUrl?: string;
  /** The caller (E.164). @default inbound.from, else a drawn number */
  from?: string;
  /** The app's number called (E.164). @default inbound.to, else '+15005550006' */
  to?: string;
}

/** How a forward of an inbound call stands: `ringing`, `in-progress`, or how it ended. */
export type SimulatedForwardStatus =
  'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';

/** One forward of an inbound call (Twilio's `<Dial>`, Telnyx's `transfer`, Vonage's `connect`). */
export interface SimulatedForward {
  /**
   * The forwarded leg's id: Twilio's `DialCallSid`, Telnyx's B leg `call_control_id`, the
   * `uuid` of Vonage's `connect` leg.
   */
  id: string;
  /** The number forwarded to. */
  to: string;
  /** `canceled`: the caller hung up while it rang. */
  status: SimulatedForwardStatus;
  /** Once the forwarded party hung up: how long they talked, in whole seconds. */
  durationS?: number;
}

/** One voicemail of an inbound call. */
export interface SimulatedRecording {
  /** Twilio's `RecordingSid` (`RE…`), Telnyx's recording id (a UUID), Vonage's `recording_uuid`. */
  id: string;
  /** Where it is fetched: a URL under the simulator that a `GET` answers with a little audio. */
  url: string;
  /** Its length in whole seconds. */
  durationS: number;
}
