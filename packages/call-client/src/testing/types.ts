/** Which provider a simulator plays: the polling "Mock Call API" or the webhook "Num Dialer API". */
export type SimulatorFlavour = 'polling' | 'webhook';

/** How a simulated call ends. */
export type SimulatedOutcome = 'completed' | 'busy' | 'no-answer' | 'failed';

/**
 * A status word as the simulated provider says it: the polling flavour says `connected`, the
 * webhook flavour `answered`. A webhook call is `initiated` until its first step.
 */
export type SimulatedStatus = 'initiated' | 'ringing' | 'connected' | 'answered' | SimulatedOutcome;

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
   * Webhook flavour: sends each webhook. The default POSTs JSON with `fetch` (with MSW, through
   * `bypass()` so it reaches a real server) and retries up to 3 times on a network error or a
   * 5xx, with a short backoff; a 4xx is not retried.
   * @default a fetch POST with retries
   */
  deliverWebhook?: WebhookDeliverer;
}

/** A call the simulator created, as it stands now. */
export interface SimulatedCall {
  /** The provider's id as a string (`'1001'` for the webhook flavour, a UUID for polling). */
  id: string;
  flavour: SimulatorFlavour;
  /** The number called, in E.164. */
  phone: string;
  createdAt: Date;
  /** The provider's status word now. */
  status: SimulatedStatus;
  /** How the call ends (drawn when it was created). */
  outcome: SimulatedOutcome;
  /** Webhook flavour: where its webhooks go. */
  webhookUrl?: string;
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
  status: SimulatorWebhookBody['status'];
  url: string;
  duplicate: boolean;
}

/** A webhook could not be delivered. */
export interface SimulatorWebhookFailedEvent extends SimulatorEventBase {
  type: 'webhook_failed';
  callId: string;
  phone: string;
  status: SimulatorWebhookBody['status'];
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
