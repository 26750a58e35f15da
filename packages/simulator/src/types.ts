/**
 * Which provider a simulator plays: the polling "Mock Call API", the webhook "Num Dialer API", or
 * Twilio's Calls resource (API 2010-04-01: form-encoded, Basic auth, signed status callbacks).
 */
export type SimulatorFlavour = 'polling' | 'webhook' | 'twilio';

/** How a simulated call ends. */
export type SimulatedOutcome = 'completed' | 'busy' | 'no-answer' | 'failed';

/**
 * A status word as the simulated provider says it: the polling flavour says `connected`, the
 * webhook flavour `answered`, the Twilio flavour `in-progress`. A webhook call is `initiated`
 * until its first step; a Twilio call is `queued` until the account's calls-per-second lets it
 * out, then `initiated`, and `canceled` when canceled before it was answered.
 */
export type SimulatedStatus =
  | 'queued'
  | 'initiated'
  | 'ringing'
  | 'connected'
  | 'answered'
  | 'in-progress'
  | 'canceled'
  | SimulatedOutcome;

/** The `CallStatus` of a Twilio status callback (and of the `webhook_*` events it causes). */
export type TwilioCallbackStatus =
  'initiated' | 'ringing' | 'in-progress' | 'canceled' | SimulatedOutcome;

/**
 * One Twilio status callback as the simulator sends it: `method` `POST` carries the form in
 * `body`; `GET` (when the call asked `StatusCallbackMethod=GET`) carries it in `url`'s query and
 * `body` is empty. `headers` holds `content-type` (for `POST`) and `x-twilio-signature`, computed
 * over `url` and `params` (no params for `GET`) as Twilio does.
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
   * `AnsweredBy` from the answer on when the call asked for machine detection.
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

/** The JSON body of a status webhook of the webhook flavour. */
export interface SimulatorWebhookBody {
  id: number;
  status: 'ringing' | 'answered' | SimulatedOutcome;
}

/**
 * Sends one status webhook. Resolve when the receiver took it; reject when it did not (the
 * simulator then reports a `webhook_failed` event). `signal` aborts when the simulator closes.
 */
export type WebhookDeliverer = (
  url: string,
  body: SimulatorWebhookBody,
  context: { signal: AbortSignal },
) => Promise<void>;

/** The knobs shared by the HTTP simulator and the MSW handlers. */
export interface SimulatorKnobs {
  /** Which provider to play. */
  flavour: SimulatorFlavour;
  /**
   * Time between status steps, in ms: one number, or a `[min, max]` range each step draws from.
   * @default [200, 1000]
   * @example stepMs: [5, 20] // fast calls for tests
   */
  stepMs?: number | [number, number];
  /**
   * Relative weights of the ways a call ends; outcomes left out weigh 0.
   * @default { completed: 1 }
   * @example outcomes: { completed: 6, busy: 2, 'no-answer': 1, failed: 1 }
   */
  outcomes?: Partial<Record<SimulatedOutcome, number>>;
  /**
   * Fraction (0..1) of `POST`s answered `503` with `Retry-After: 0`, without creating a call.
   * @default 0
   */
  errorRate?: number;
  /**
   * Webhook flavour: fraction (0..1) of calls whose `ringing` webhook is delivered before the
   * `POST` that created the call is answered (the answer waits for that delivery).
   * @default 0
   */
  earlyWebhookRate?: number;
  /**
   * Webhook flavour: fraction (0..1) of webhooks delivered twice.
   * @default 0
   */
  duplicateWebhookRate?: number;
  /**
   * Webhook flavour: fraction (0..1) of completed calls whose `completed` webhook is delivered
   * before the `answered` one, so `answered` arrives late.
   * @default 0
   */
  outOfOrderRate?: number;
  /**
   * Delay before answering each `POST`, in ms. The call exists (and its clock runs) meanwhile.
   * @default 0
   */
  responseDelayMs?: number;
  /**
   * Seed of the pseudo-random draws (outcomes, step times, rates, polling ids): the same seed
   * and the same requests give the same calls.
   * @default a random seed
   */
  seed?: number;
  /**
   * Called for each event: a call created, a status step, a webhook sent or failed, a request
   * rejected.
   * @default undefined
   */
  onEvent?: (event: SimulatorEvent) => void;
  /**
   * Time a call rings before it is answered or ends busy, no-answer or failed, in ms; overrides
   * `stepMs` for that one step (the draws stay the same, so a seed replays the same calls).
   * @default drawn from `stepMs`
   * @example ringMs: 60_000 // calls ring for a minute: time to cancel them
   */
  ringMs?: number;
  /**
   * Time an answered call lasts before it completes, in ms; overrides `stepMs` for that step.
   * @default drawn from `stepMs`
   * @example talkMs: 60_000 // answered calls last a minute: time to hang them up
   */
  talkMs?: number;
  /**
   * Twilio flavour: the account played and the credentials accepted.
   * @default TWILIO_TEST_CREDENTIALS, with no API keys
   */
  twilio?: SimulatorTwilioAccount;
  /**
   * Twilio flavour: how many calls per second leave `queued` for `initiated`, in the order they
   * were created (a real account's default is 1).
   * @default 1
   */
  callsPerSecond?: number;
  /**
   * Twilio flavour: the share (0..1) of calls created with `MachineDetection` that a machine
   * answers; a `human` answers the others. A machine is `machine_start` with `Enable`, and
   * `machine_end_beep`, `machine_end_silence` or `machine_end_other` with `DetectMessageEnd`.
   * `fax` and `unknown` each take `machineRate × (1 − machineRate) / 20` of the answers (about 1%
   * at the default), none at 0 or 1, so those give only machines or only humans.
   * @default 0.3
   * @example machineRate: 1 // every answered call reaches an answering machine
   */
  machineRate?: number;
  /**
   * Webhook flavour: sends each webhook. The default POSTs JSON with `fetch` (with MSW, through
   * `bypass()` so it reaches a real server) and retries up to 3 times on a network error or a
   * 5xx, with a short backoff; a 4xx is not retried.
   * @default a fetch POST with retries
   */
  deliverWebhook?: WebhookDeliverer;
  /**
   * Twilio flavour: sends each status callback (a signed form `POST`, see
   * {@link TwilioStatusCallbackRequest}). The default sends it with `fetch` (through `bypass()`
   * with MSW) and retries like `deliverWebhook`.
   * @default a fetch request with retries
   */
  deliverStatusCallback?: StatusCallbackDeliverer;
}

/** A call the simulator created, as it stands now. */
export interface SimulatedCall {
  /**
   * The provider's id as a string (`'1001'` for the webhook flavour, a UUID for polling, `CA` + 32
   * hex digits for Twilio).
   */
  id: string;
  flavour: SimulatorFlavour;
  /** The number called, in E.164. */
  phone: string;
  createdAt: Date;
  /** The provider's status word now. */
  status: SimulatedStatus;
  /** How the call ends (drawn when it was created). */
  outcome: SimulatedOutcome;
  /** Webhook flavour: where its webhooks go; Twilio flavour: its `StatusCallback`, if any. */
  webhookUrl?: string;
  /** Twilio flavour: the caller id (`From`). */
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
   */
  machineDetection?: TwilioMachineDetection;
  /**
   * Twilio flavour: who answered (`answered_by`): `null` until the call is answered, and always
   * without machine detection.
   */
  answeredBy?: TwilioAnsweredBy | null;
  /**
   * Twilio flavour: every parameter of the request that created the call, each with its values in
   * the order given (`StatusCallbackEvent` may have several).
   * @example call.createParams?.Timeout // ['15']
   */
  createParams?: Readonly<Record<string, readonly string[]>>;
}

interface SimulatorEventBase {
  at: Date;
  flavour: SimulatorFlavour;
}

/** A call was created. */
export interface SimulatorCreatedEvent extends SimulatorEventBase {
  type: 'created';
  call: SimulatedCall;
}

/** A call moved to a new status. */
export interface SimulatorStatusEvent extends SimulatorEventBase {
  type: 'status';
  callId: string;
  phone: string;
  status: SimulatedStatus;
}

/** A webhook was delivered (`duplicate` for the second copy of a doubled one). */
export interface SimulatorWebhookSentEvent extends SimulatorEventBase {
  type: 'webhook_sent';
  callId: string;
  phone: string;
  status: SimulatorWebhookBody['status'] | TwilioCallbackStatus;
  url: string;
  duplicate: boolean;
}

/** A webhook could not be delivered. */
export interface SimulatorWebhookFailedEvent extends SimulatorEventBase {
  type: 'webhook_failed';
  callId: string;
  phone: string;
  status: SimulatorWebhookBody['status'] | TwilioCallbackStatus;
  url: string;
  error: unknown;
}

/** A request was answered with an error (4xx, or 503 from `errorRate`). */
export interface SimulatorRejectedEvent extends SimulatorEventBase {
  type: 'rejected';
  method: string;
  path: string;
  httpStatus: number;
  code: string;
  message: string;
}

/** Everything a simulator reports through `onEvent`, told apart by `type`. */
export type SimulatorEvent =
  | SimulatorCreatedEvent
  | SimulatorStatusEvent
  | SimulatorWebhookSentEvent
  | SimulatorWebhookFailedEvent
  | SimulatorRejectedEvent;
