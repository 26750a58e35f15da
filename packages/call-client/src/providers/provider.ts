import type { AnsweredBy, CallOptionName, CallOptions } from './call-options.js';
import type { CallStatus } from '../status.js';

/** What a provider can do besides placing calls. */
export interface ProviderCapabilities {
  /**
   * The provider's `getCall(id)` tells every status a call reaches and how it ended, so a call
   * can be followed by polling. A provider may have `getCall` without it, as a look-up that
   * tells less (Telnyx: alive or ended, answered or not).
   */
  polling: boolean;
  /** The provider POSTs status changes to a webhook URL. */
  webhooks: boolean;
  /**
   * The {@link CallOptions} the provider honours; `placeCall` refuses any other with an
   * `UnsupportedCallOptionError` before anything is sent (see `checkCallOptions`).
   * @default [] (none: the practice APIs take only a number)
   */
  options?: readonly CallOptionName[];
  /**
   * The statuses before the end that the provider reports (its webhooks or `getCall`), besides
   * the terminal ones, which every provider reports. Telnyx has no ringing event: its calls go
   * from `initiated` to `answered` or to their end.
   * @default ['initiated', 'ringing', 'answered']
   */
  statuses?: readonly CallStatus[];
}

/** One call to place: the number, what the call is for ({@link CallOptions}), and a signal. */
export interface PlaceCallRequest extends CallOptions {
  /** The number to call, in any form {@link toE164} accepts. */
  to: string;
  /** Aborts the request (and its retries). */
  signal?: AbortSignal;
  /**
   * Runs right before each attempt of the request that creates the call leaves, after every wait
   * of the client (its `callsPerSecond` pacer, a retry's delay): the last word on whether the
   * call may still be placed (a do-not-call list, calling hours). When it throws or rejects,
   * nothing is sent and `placeCall` rejects with a `PlacementWithheldError` whose `cause` is what
   * it threw. Not sent to the provider; a provider of your own may ignore it (the scheduler also
   * runs its checks before it calls `placeCall`).
   */
  beforeSend?: () => void | Promise<void>;
}

/** A call as the provider reported it. */
export interface ProviderCall {
  /** The provider's id for the call, always a string. */
  id: string;
  /** The provider's status mapped onto the shared vocabulary. */
  status: CallStatus;
  /**
   * The provider's own status word, verbatim. When it is a word ringkit does not know, `status`
   * stays `initiated` (a call the provider reports has at least been accepted).
   */
  providerStatus: string;
  /** The provider's response body as received. */
  raw: unknown;
  /** Who answered, where the provider detected it (`machineDetection`). */
  answeredBy?: AnsweredBy;
  /**
   * `true` when the placement's answer was lost (a timeout, a gateway error) and the call was
   * then found by looking it up: it is surely this placement's.
   */
  reconciled?: boolean;
}

/**
 * One interface over every provider flavour. Implement it to bring another telephony API to the
 * dialer and the scheduler.
 */
export interface CallProvider {
  /** A short name for logs, e.g. `'mock-call-api'`. */
  readonly name: string;
  readonly capabilities: ProviderCapabilities;
  /**
   * Places a call. Never retried in a way that could place it twice. Options the provider does
   * not honour, or malformed ones, are refused before anything is sent.
   */
  placeCall(request: PlaceCallRequest): Promise<ProviderCall>;
  /**
   * Checks call options the provider's own way, sending nothing (e.g. Twilio's `extra` names
   * against its API, the length of the rendered TwiML): throws what `placeCall` would throw for
   * them. Called by `checkCallOptions` after the shared checks; optional.
   */
  checkCallOptions?(options: CallOptions): void;
  /** Reads a call's current status; present when `capabilities.polling` is true. */
  getCall?(id: string, options?: { signal?: AbortSignal }): Promise<ProviderCall>;
  /**
   * Cancels a placed call that is not answered yet (queued or ringing), and never more: an
   * answered call is left as it is, so nobody who has just picked up is cut off (Twilio's
   * `Status=canceled`). Resolves with the call as the provider reports it afterwards: `canceled`,
   * or `answered` when it was answered before the request arrived (it goes on to its end), or,
   * for a call that had already ended, its end, unchanged. Absent when the provider cannot end
   * calls.
   */
  cancelCall?(id: string, options?: { signal?: AbortSignal }): Promise<ProviderCall>;
  /**
   * Hangs up a placed call, answered or not: the explicit act of ending a conversation (Twilio's
   * `Status=completed`). An answered call ends `completed`; one not answered yet ends as the
   * provider reports it (Twilio: `canceled`); one that had already ended resolves as it is,
   * unchanged. Resolves with the call as the provider reports it afterwards. Absent when the
   * provider cannot hang up answered calls.
   */
  hangUpCall?(id: string, options?: { signal?: AbortSignal }): Promise<ProviderCall>;
  /**
   * Connects an answered call to `to`, an agent's number (E.164) or `sip:` URI: the provider
   * rings them for `ringS` seconds and bridges the two (Twilio: the call's TwiML becomes a
   * `<Dial>`). Resolves once the provider took the request. Absent when the provider cannot.
   */
  connectCall?(id: string, to: string, options?: ConnectCallOptions): Promise<void>;
  /**
   * Speaks `message` on an answered call, then ends it: what a person hears when no agent was
   * free for them (the safe-harbour message of an abandoned call). Resolves once the provider
   * took the request. Absent when the provider cannot.
   */
  abandonCall?(id: string, message: string, options?: { signal?: AbortSignal }): Promise<void>;
}

/** Options of {@link CallProvider.connectCall}. */
export interface ConnectCallOptions {
  signal?: AbortSignal;
  /**
   * How long the agent's line rings before the bridge is given up.
   * @default 20
   */
  ringS?: number;
}

/** A status change of one call, from a webhook or from polling. */
export interface CallStatusEvent {
  /** The provider's id of the call. */
  callId: string;
  /**
   * The name of the provider that sent it (`CallProvider.name`), where the receiver serves
   * several: its `callId` is that provider's, and only a call placed through that provider has
   * it. Absent: the provider of whoever handles it.
   */
  provider?: string;
  status: CallStatus;
  /** The provider's own status word, verbatim. */
  providerStatus: string;
  /** When the change was received. */
  at: Date;
  /** The call's length in seconds, where the provider reports it with its end (Twilio's `CallDuration`). */
  durationS?: number;
  /**
   * The provider's own order of this call's events (Twilio's `SequenceNumber`), where it sends
   * one: a higher number happened later, whatever order the events arrive in.
   */
  sequence?: number;
  /** Who answered, where the provider detected it (Twilio's `AnsweredBy`). */
  answeredBy?: AnsweredBy;
  /**
   * The event as the provider sent it: a webhook's fields (a Twilio callback's parameters, with
   * `ErrorCode`, `SipResponseCode`, `ParentCallSid`…), or the call read by a poll.
   */
  raw?: unknown;
}
