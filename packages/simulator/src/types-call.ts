/** A call the simulator created, as `calls()` and the events report it. */
import type { SimulatedForward, SimulatedRecording } from './types-inbound.js';
import type {
  TelnyxAnsweredBy,
  TelnyxHangupCause,
  TelnyxMachineDetection,
} from './types-telnyx.js';
import type { TwilioAnsweredBy, TwilioMachineDetection } from './types-twilio.js';
import type { SimulatedOutcome, SimulatedStatus, SimulatorFlavour } from './types-status.js';

/**
 * A call the simulator created, as it stands now. A call of the SignalWire flavour reads as one
 * of the Twilio flavour: what a field says of the Twilio flavour holds for SignalWire's too.
 */
export interface SimulatedCall {
  /**
   * The provider's id as a string (`'1001'` for the webhook flavour, a UUID for polling and for
   * SignalWire, `CA` + 32 hex digits for Twilio, the `call_control_id` for Telnyx: `v3:` + 48
   * URL-safe base64 characters).
   */
  id: string;
  flavour: SimulatorFlavour;
  /** The number called, in E.164. */
  phone: string;
  createdAt: Date;
  /** The provider's status word now. */
  status: SimulatedStatus;
  /**
   * How the call ends (drawn when it was created). An inbound call's outcome is known only once
   * it ended: `completed` until then, and after a reject or a caller who hung up while it rang
   * `busy` or `no-answer` (Twilio: as its status; Telnyx: `user_busy` is `busy`, any other end
   * before an answer `no-answer`), `failed` when the app's answer could not be played.
   */
  outcome: SimulatedOutcome;
  /**
   * Webhook flavour: where its webhooks go; Twilio flavour: its `StatusCallback`, if any; Telnyx
   * flavour: its `webhook_url`, if any.
   */
  webhookUrl?: string;
  /** Twilio and Telnyx flavours: the caller id (`From`, `from`). */
  from?: string;
  /**
   * Twilio flavour: the call's `Twiml`, as created or as last redirected by an update with `Twiml`
   * or `Url` (left out: none). Twilio runs `url` instead when both are given.
   */
  twiml?: string;
  /** Twilio flavour: the URL of the call's TwiML (`Url`), as created or as last redirected. */
  url?: string;
  /**
   * Twilio flavour: the machine detection the call runs, its `MachineDetection` (left out: none;
   * Twilio ignores `MachineDetection` when `SendDigits` is given, and so does the simulator).
   * Telnyx flavour: its `answering_machine_detection` (left out: none, or `disabled`).
   */
  machineDetection?: TwilioMachineDetection | TelnyxMachineDetection;
  /**
   * Twilio flavour: who answered (`answered_by`): `null` until the call is answered, and always
   * without machine detection. Telnyx flavour: the `result` of its machine detection webhook,
   * `null` until that webhook is sent, and always without machine detection. Polling and webhook
   * flavours with `humanRate` or `machineRate`: `'human'` or `'machine'` once answered, `null`
   * before (left out without those knobs).
   */
  answeredBy?: TwilioAnsweredBy | TelnyxAnsweredBy | null;
  /**
   * Twilio flavour: every parameter of the request that created the call, each with its values in
   * the order given (`StatusCallbackEvent` may have several); for an inbound call, those of the
   * voice request the simulator sent. Telnyx flavour: the dial's JSON body as received (none for
   * an inbound call).
   * @example call.createParams?.Timeout // ['15'] (Twilio)
   * @example call.createParams?.timeout_secs // 20 (Telnyx)
   */
  createParams?: Readonly<Record<string, unknown>>;
  /**
   * Telnyx flavour: the `payload` of every `speak` command the call took, in order. Twilio
   * flavour, inbound calls: the text of every `<Say>` played. Polling and webhook flavours: the
   * message of its `abandon`.
   */
  spoken?: string[];
  /**
   * Telnyx flavour: the call's `client_state` now: the dial's, replaced by the `client_state` of
   * each later command (left out: none).
   */
  clientState?: string;
  /** Telnyx flavour: why the call ended, once it has (its `call.hangup`'s `hangup_cause`). */
  hangupCause?: TelnyxHangupCause;
  /**
   * `'inbound'` for a call the simulator rang an app with (`ringApp`, `POST /_sim/inbound`,
   * `inbound.everyMs`); left out for a call the app placed. An inbound call's `phone` is the app's
   * number called, its `from` the caller, its `spoken` what the app said (Twilio: each `<Say>`).
   */
  direction?: 'inbound';
  /**
   * Inbound calls: each forward the app made (`<Dial>`, `transfer`), in order. Polling and
   * webhook flavours: the agent of its `connect` (id `<call id>-agent`): `ringing`,
   * `in-progress` once the agent answered, then `completed` with their talk's `durationS`, or
   * `no-answer` when the agent let it ring past `ring_s`.
   */
  forwards?: SimulatedForward[];
  /** Inbound calls: each voicemail the caller left, in order. */
  recordings?: SimulatedRecording[];
}
