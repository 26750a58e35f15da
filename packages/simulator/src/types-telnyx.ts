// The types of the Telnyx flavour; `types.ts` re-exports them.

/**
 * Why a Telnyx call ended: the `hangup_cause` of its `call.hangup` webhook, as the official
 * `telnyx` package's `CallHangup` type lists them.
 */
export type TelnyxHangupCause =
  | 'call_rejected'
  | 'normal_clearing'
  | 'originator_cancel'
  | 'timeout'
  | 'time_limit'
  | 'user_busy'
  | 'not_found'
  | 'no_answer'
  | 'unspecified';

/**
 * A Telnyx call's status in Telnyx's words (Telnyx has no ringing event): `initiated` from the
 * dial on (its `call.initiated` webhook), `answered` (`call.answered`), and once ended
 * `hangup:` + the `hangup_cause` of its `call.hangup`, e.g. `hangup:user_busy`.
 */
export type TelnyxCallStatus = 'initiated' | 'answered' | `hangup:${TelnyxHangupCause}`;

/** Telnyx's `answering_machine_detection` of a dial, other than `disabled`. */
export type TelnyxMachineDetection =
  'premium' | 'detect' | 'detect_beep' | 'detect_words' | 'greeting_end';

/**
 * Who answered a Telnyx call that asked for machine detection: the `result` of its
 * `call.machine.detection.ended` (`human`, `machine`, `not_sure`) or, with `premium`, of its
 * `call.machine.premium.detection.ended` (`human_residence`, `human_business`, `machine`,
 * `silence`, `fax_detected`).
 */
export type TelnyxAnsweredBy =
  | 'human'
  | 'machine'
  | 'not_sure'
  | 'human_residence'
  | 'human_business'
  | 'silence'
  | 'fax_detected';

/** The `event_type` of every webhook the Telnyx flavour sends. */
export type TelnyxEventType =
  | 'call.initiated'
  | 'call.answered'
  | 'call.hangup'
  | 'call.machine.detection.ended'
  | 'call.machine.greeting.ended'
  | 'call.machine.premium.detection.ended'
  | 'call.machine.premium.greeting.ended'
  | 'call.speak.started'
  | 'call.speak.ended'
  | 'call.bridged'
  | 'call.recording.saved';

/** The Telnyx account the Telnyx flavour plays, and the credentials it accepts. */
export interface SimulatorTelnyxAccount {
  /** The API key: every request needs `Authorization: Bearer <apiKey>`. */
  apiKey: string;
  /** The Call Control application (connection) id: a dial with another `connection_id` is refused. */
  connectionId: string;
  /**
   * Not an option: the public key webhooks are verified with comes from `telnyxSigningKey`;
   * read it from the simulator's (or the mock's) `publicKey`.
   */
  publicKey?: never;
}

/** One Telnyx webhook as the simulator sends it: a signed JSON `POST`. */
export interface TelnyxWebhookRequest {
  /** The call's `webhook_url`. */
  url: string;
  /** `content-type: application/json`, `telnyx-timestamp` and `telnyx-signature-ed25519`. */
  headers: Record<string, string>;
  /** The JSON body, exactly as signed. */
  body: string;
  /** The body, parsed. */
  event: TelnyxWebhookEvent;
}

/** The JSON body of a Telnyx webhook: `{ data: { record_type: 'event', … }, meta }`. */
export interface TelnyxWebhookEvent {
  data: {
    record_type: 'event';
    event_type: TelnyxEventType;
    /** A UUID, the same for both copies of a doubled webhook. */
    id: string;
    /** When it happened, ISO 8601 with milliseconds. */
    occurred_at: string;
    /** `call_control_id`, `call_leg_id`, `call_session_id`, `connection_id`, `client_state`… */
    payload: Record<string, unknown>;
  };
  /** `attempt` is 1, and 2 for the second copy of a doubled webhook. */
  meta: { attempt: number; delivered_to: string };
}

/**
 * Sends one Telnyx webhook. Resolve when the receiver took it; reject when it did not (the
 * simulator then reports a `webhook_failed` event). `signal` aborts when the simulator closes.
 */
export type TelnyxWebhookDeliverer = (
  request: TelnyxWebhookRequest,
  context: { signal: AbortSignal },
) => Promise<void>;
