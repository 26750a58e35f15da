import type { SimulatorTelnyxAccount, TelnyxWebhookDeliverer } from './types-telnyx.js';
import type { SimulatorEvent } from './types-events.js';
import type { SimulatedOutcome, SimulatorFlavour, SimulatorWebhookBody } from './types-status.js';

export type { SimulatedCall } from './types-call.js';
export type {
  SimulatedOutcome,
  SimulatedStatus,
  SimulatorFlavour,
  SimulatorWebhookBody,
} from './types-status.js';
import type { SimulatorInboundKnobs } from './types-inbound.js';
import type { SimulatorSignalWireAccount } from './types-signalwire.js';
import type { SimulatorTwilioAccount, StatusCallbackDeliverer } from './types-twilio.js';
import type { SimulatorVonageAccount, VonageWebhookDeliverer } from './types-vonage.js';

export type {
  SimulatorTelnyxAccount,
  TelnyxAnsweredBy,
  TelnyxCallStatus,
  TelnyxEventType,
  TelnyxHangupCause,
  TelnyxMachineDetection,
  TelnyxWebhookDeliverer,
  TelnyxWebhookEvent,
  TelnyxWebhookRequest,
} from './types-telnyx.js';
export type {
  SimulatorCreatedEvent,
  SimulatorEvent,
  SimulatorForwardEvent,
  SimulatorRejectedEvent,
  SimulatorSpokenEvent,
  SimulatorStatusEvent,
  SimulatorWebhookFailedEvent,
  SimulatorWebhookSentEvent,
} from './types-events.js';
export type {
  RingAppOptions,
  SimulatedForward,
  SimulatedForwardStatus,
  SimulatedRecording,
  SimulatorInboundKnobs,
} from './types-inbound.js';
export type { SimulatorSignalWireAccount } from './types-signalwire.js';
export type {
  SimulatorVonageAccount,
  VonageCallStatus,
  VonageEventStatus,
  VonageWebhookDeliverer,
  VonageWebhookEvent,
  VonageWebhookRequest,
} from './types-vonage.js';
export type {
  SimulatorTwilioAccount,
  StatusCallbackDeliverer,
  TwilioAnsweredBy,
  TwilioCallbackStatus,
  TwilioMachineDetection,
  TwilioStatusCallbackRequest,
} from './types-twilio.js';

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
   * Fraction (0..1) of call-creating `POST`s answered `503` with `Retry-After: 0`, without
   * creating a call.
   * @default 0
   */
  errorRate?: number;
  /**
   * Webhook and Telnyx flavours: fraction (0..1) of calls whose first webhook (`ringing`;
   * Telnyx: `call.initiated`) is delivered before the `POST` that created the call is answered
   * (the answer waits for that delivery).
   * @default 0
   */
  earlyWebhookRate?: number;
  /**
   * Webhook, Twilio, SignalWire and Telnyx flavours: fraction (0..1) of webhooks delivered twice
   * (Telnyx: the same event `id`, `meta.attempt` 2 on the second copy).
   * @default 0
   */
  duplicateWebhookRate?: number;
  /**
   * Webhook, Twilio, SignalWire and Telnyx flavours: fraction (0..1) of answered calls whose end
   * webhook (`completed`; Telnyx: `call.hangup`) is delivered before the `answered` one
   * (`call.answered`), so `answered` arrives late.
   * @default 0
   */
  outOfOrderRate?: number;
  /**
   * Delay before answering each call-creating `POST`, in ms. The call exists (and its clock
   * runs) meanwhile.
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
   * SignalWire flavour: the project played and the credentials accepted, and the key its
   * callbacks are signed with.
   * @default SIGNALWIRE_TEST_CREDENTIALS
   */
  signalwire?: SimulatorSignalWireAccount;
  /**
   * Twilio and SignalWire flavours: how many calls per second leave `queued` for `initiated`, in
   * the order they were created (a real Twilio account's default is 1).
   * @default 1
   */
  callsPerSecond?: number;
  /**
   * Twilio and SignalWire flavours: the share (0..1) of calls created with `MachineDetection`
   * that a machine answers; a `human` answers the others. A machine is `machine_start` with `Enable`, and
   * `machine_end_beep`, `machine_end_silence` or `machine_end_other` with `DetectMessageEnd`.
   * `fax` and `unknown` each take `machineRate × (1 − machineRate) / 20` of the answers (about 1%
   * at the default), none at 0 or 1, so those give only machines or only humans.
   * Telnyx flavour: the same share of calls dialed with `answering_machine_detection` gets
   * `machine`; `not_sure` (standard) or `silence` and `fax_detected` (premium) take the rare
   * shares, and a `human` (premium: `human_residence` or `human_business`) the rest.
   * Polling and webhook flavours: the share (0..1) of all calls a machine answers, told as
   * `answered_by: 'machine'` (see `humanRate`); without `humanRate`, it is taken from the calls
   * `outcomes` answers (`completed`), a person answering the rest of them.
   * @default 0.3 (Twilio, Telnyx); polling and webhook: not given, nobody says who answered
   * @example machineRate: 1 // every answered call reaches an answering machine
   */
  machineRate?: number;
  /**
   * Polling and webhook flavours: the share (0..1) of all calls a person answers. With it (or
   * with `machineRate`), an answered call says who answered: the polling call object's
   * `answered_by`, and the webhook flavour's webhooks from `answered` on, `'human'` or
   * `'machine'`. With it, a machine answers `machineRate` (default 0) of the calls and the rest
   * (at least 0) ends busy, no-answer or failed as `outcomes` weighs those three, no-answer when
   * it weighs none (its `completed` weight is not read). A call neither connected nor abandoned
   * goes on as any answered call: it completes after the talk time (`talkMs`, `stepMs`).
   * @default not given: calls end as `outcomes` weighs them, and nobody says who answered
   * @example humanRate: 0.2, machineRate: 0.15 // the rest (65 %) ring out
   */
  humanRate?: number;
  /**
   * Polling and webhook flavours: how long an agent's line rings before the agent answers a
   * call given to them (`POST …/connect`), in ms: one number, or a `[min, max]` range each
   * connect draws from. An agent who would answer after the connect's ring time (`ring_s`,
   * `ringS`) does not: the call then ends.
   * @default [200, 400]
   */
  agentAnswerMs?: number | [number, number];
  /**
   * Polling and webhook flavours: the mean time a person talks with the agent they were
   * connected to, in ms; each call's is drawn lognormal with this mean and `talkSigma`, then the
   * call completes.
   * @default 120000
   */
  talkMeanMs?: number;
  /**
   * Polling and webhook flavours: the standard deviation of the logarithm of talk times (0..3):
   * 0 gives every call `talkMeanMs`, 0.8 (about what call centres measure) many short calls and
   * a few long ones.
   * @default 0.8
   */
  talkSigma?: number;
  /**
   * Polling and webhook flavours: how many times faster than real time calls run (1..10000).
   * Every step, ring, talk, agent's answer and spoken message lasts `timeScale` times less (a
   * talk of 120 s lasts 2 s at 60), so a shift of hours runs in minutes. Times the simulator
   * reports (`created_at`, `updated_at`) are real times; `responseDelayMs` is not scaled.
   * @default 1
   * @example timeScale: 60 // an hour of calls in a minute
   */
  timeScale?: number;
  /**
   * Webhook flavour: sends each webhook. The default POSTs JSON with `fetch` (with MSW, through
   * `bypass()` so it reaches a real server) and retries up to 3 times on a network error or a
   * 5xx, with a short backoff; a 4xx is not retried.
   * @default a fetch POST with retries
   */
  deliverWebhook?: WebhookDeliverer;
  /**
   * Twilio and SignalWire flavours: sends each status callback (a signed form `POST`, see
   * {@link TwilioStatusCallbackRequest}). The default sends it with `fetch` (through `bypass()`
   * with MSW) and retries like `deliverWebhook`.
   * @default a fetch request with retries
   */
  deliverStatusCallback?: StatusCallbackDeliverer;
  /**
   * Telnyx flavour: the account played: the API key accepted as `Authorization: Bearer …` and
   * the connection (Call Control application) id dials must name.
   * @default TELNYX_TEST_CREDENTIALS
   */
  telnyx?: SimulatorTelnyxAccount;
  /**
   * Telnyx flavour: the Ed25519 private key webhooks are signed with, base64 of its PKCS#8 DER
   * (`privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64')`). Its public half
   * is the simulator's `publicKey`.
   * @default a key generated for each simulator
   */
  telnyxSigningKey?: string;
  /**
   * Telnyx flavour: sends each webhook (a signed JSON `POST`, see {@link TelnyxWebhookRequest}).
   * The default sends it with `fetch` (through `bypass()` with MSW) and retries like
   * `deliverWebhook`.
   * @default a fetch POST with retries
   */
  deliverTelnyxWebhook?: TelnyxWebhookDeliverer;
  /**
   * Vonage flavour: the application played (its id and public key: requests must carry a JWT
   * signed RS256 with the private key) and the account's API key and signature secret its events
   * are signed with. Each field left out is `VONAGE_TEST_CREDENTIALS`'.
   * @default VONAGE_TEST_CREDENTIALS
   */
  vonage?: SimulatorVonageAccount;
  /**
   * Vonage flavour: sends each event (a signed JSON `POST`, see {@link VonageWebhookRequest}).
   * The default sends it with `fetch` (through `bypass()` with MSW) and retries like
   * `deliverWebhook`.
   * @default a fetch request with retries
   */
  deliverVonageWebhook?: VonageWebhookDeliverer;
  /**
   * Twilio, SignalWire, Telnyx and Vonage flavours: inbound calls that ring an app (where, how
   * often, from and to whom) and how their callers behave. See {@link SimulatorInboundKnobs}.
   * @default no call rings by itself; see each field's default
   * @example inbound: { url: 'http://127.0.0.1:4000/webhooks/twilio/voice', everyMs: 20_000 }
   */
  inbound?: SimulatorInboundKnobs;
}
