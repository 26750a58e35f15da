// The types of the Twilio flavour; `types.ts` re-exports them.

/** The `CallStatus` of a Twilio status callback (and of the `webhook_*` events it causes). */
export type TwilioCallbackStatus =
  | 'initiated'
  | 'ringing'
  | 'in-progress'
  | 'canceled'
  | 'completed'
  | 'busy'
  | 'no-answer'
  | 'failed';

/**
 * One Twilio (or SignalWire) status callback as the simulator sends it: `method` `POST` carries
 * the form in `body`; `GET` (when the call asked `StatusCallbackMethod=GET`) carries it in
 * `url`'s query and `body` is empty. `headers` holds `content-type` (for `POST`) and the
 * signature, computed over `url` and `params` (no params for `GET`) as Twilio does: Twilio's in
 * `x-twilio-signature` keyed by the auth token, SignalWire's in `x-signalwire-signature` keyed by
 * the project's signing key.
 */
export interface TwilioStatusCallbackRequest {
  method: 'POST' | 'GET';
  /**
   * Where the callback goes, and the URL signed: the call's `StatusCallback` percent-encoded as
   * a request line carries it (spaces and non-ASCII characters escaped, `%`-escapes already there
   * kept, a default port and any fragment dropped), so a receiver that rebuilds the URL from the
   * request verifies it.
   */
  url: string;
  headers: Record<string, string>;
  /**
   * The callback's parameters, `CallSid` … `SequenceNumber`, `Timestamp`, `CallDuration`, and
   * `AnsweredBy` from the answer on when the call asked for machine detection. SignalWire's
   * `CallStatus` is `answered` where Twilio's is `in-progress`.
   */
  params: Record<string, string>;
  /** The form-encoded parameters for `POST`; `''` for `GET`. */
  body: string;
}

/**
 * Sends one Twilio status callback. Resolve when the receiver took it; reject when it did not (the
 * simulator then reports a `webhook_failed` event). `signal` aborts when the simulator closes.
 */
export type StatusCallbackDeliverer = (
  request: TwilioStatusCallbackRequest,
  context: { signal: AbortSignal },
) => Promise<void>;

/**
 * Twilio's `MachineDetection`: `Enable` says who answered as soon as it is known;
 * `DetectMessageEnd` waits, for a machine, until its greeting ends.
 */
export type TwilioMachineDetection = 'Enable' | 'DetectMessageEnd';

/**
 * Twilio's word for who answered a call that asked for machine detection (`answered_by`,
 * `AnsweredBy`): `machine_start` with `Enable`, a `machine_end_…` word with `DetectMessageEnd`.
 */
export type TwilioAnsweredBy =
  | 'human'
  | 'machine_start'
  | 'machine_end_beep'
  | 'machine_end_silence'
  | 'machine_end_other'
  | 'fax'
  | 'unknown';

/** The account the Twilio flavour plays, and the credentials it accepts. */
export interface SimulatorTwilioAccount {
  /** The account's SID, `AC` + 32 hex digits: requests under another one are answered 404. */
  accountSid: string;
  /** Its auth token: HTTP Basic `accountSid:authToken` is accepted, and callbacks are signed with it. */
  authToken: string;
  /**
   * API keys also accepted as HTTP Basic `sid:secret` (`sid` is `SK` + 32 hex digits).
   * @default []
   */
  apiKeys?: Array<{ sid: string; secret: string }>;
}
