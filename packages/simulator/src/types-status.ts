/** What a simulated call says of itself: its provider's flavour, its status words, how it ends. */
import type { TelnyxCallStatus } from './types-telnyx.js';
import type { VonageCallStatus } from './types-vonage.js';

/**
 * Which provider a simulator plays: the polling "Mock Call API", the webhook "Num Dialer API",
 * Twilio's Calls resource (API 2010-04-01: form-encoded, Basic auth, signed status callbacks),
 * Telnyx Call Control v2 (JSON, Bearer auth, webhooks signed with Ed25519), or SignalWire's
 * Compatibility ("LaML") API (Twilio's Calls resource under `/api/laml`, a project id and API
 * token, callbacks signed with the project's signing key). `vonage`: Vonage's Voice API (JSON,
 * a JWT signed RS256 by the application, events signed with a JWT HS256); it keeps the answer URL
 * of a call it is asked to place without fetching it, and rings an app with inbound calls by
 * requesting the application's answer URL and playing the NCCO it answers.
 */
export type SimulatorFlavour =
  'polling' | 'webhook' | 'twilio' | 'telnyx' | 'signalwire' | 'vonage';

/** How a simulated call ends. */
export type SimulatedOutcome = 'completed' | 'busy' | 'no-answer' | 'failed';

/**
 * A status word as the simulated provider says it: the polling flavour says `connected`, the
 * webhook flavour `answered`, the Twilio and SignalWire flavours `in-progress` (SignalWire's
 * status callbacks say `answered`). A webhook call is `initiated`
 * until its first step; a Twilio call is `queued` until the account's calls-per-second lets it
 * out, then `initiated`, and `canceled` when canceled before it was answered. A Telnyx call is
 * `initiated`, `answered`, then `hangup:<cause>` (see {@link TelnyxCallStatus}). A Vonage call says
 * Vonage's words (see {@link VonageCallStatus}).
 */
export type SimulatedStatus =
  | 'queued'
  | 'initiated'
  | 'ringing'
  | 'connected'
  | 'answered'
  | 'in-progress'
  | 'canceled'
  | SimulatedOutcome
  | TelnyxCallStatus
  | VonageCallStatus;

/** The JSON body of a status webhook of the webhook flavour. */
export interface SimulatorWebhookBody {
  id: number;
  status: 'ringing' | 'answered' | SimulatedOutcome;
  /**
   * Who answered, from the `answered` webhook on, when the simulator is told (`humanRate`,
   * `machineRate`): an extension a real server may add.
   */
  answered_by?: 'human' | 'machine';
}
