// The types of the Vonage flavour; `types.ts` re-exports them.

/**
 * A Vonage call's status in Vonage's words, as the official `@vonage/voice` package's `CallStatus`
 * lists them: `started` from the create on, `ringing`, `answered`, then `completed` (or, never
 * answered, `busy`, `timeout`, `failed`, `rejected`, `unanswered`, or `cancelled` when hung up
 * while it rang).
 */
export type VonageCallStatus =
  | 'started'
  | 'ringing'
  | 'answered'
  | 'completed'
  | 'busy'
  | 'timeout'
  | 'failed'
  | 'rejected'
  | 'unanswered'
  | 'cancelled';

/**
 * The `status` of every event the Vonage flavour POSTs to a call's `event_url`: each
 * {@link VonageCallStatus}, and `human` or `machine`, the result of machine detection.
 */
export type VonageEventStatus = VonageCallStatus | 'human' | 'machine';

/** The Vonage application the Vonage flavour plays, and the credentials it accepts. */
export interface SimulatorVonageAccount {
  /**
   * The application's id: a request's JWT must carry it as its `application_id` claim.
   * @default VONAGE_TEST_CREDENTIALS.applicationId
   */
  applicationId?: string;
  /**
   * The application's public key (PEM, RSA): a request's JWT must be signed RS256 with the private
   * key that goes with it. With the default, sign with `VONAGE_TEST_CREDENTIALS.privateKey`.
   * @default VONAGE_TEST_CREDENTIALS.publicKey
   */
  publicKey?: string;
  /**
   * The account's API key, the `api_key` claim of every signed event.
   * @default VONAGE_TEST_CREDENTIALS.apiKey
   */
  apiKey?: string;
  /**
   * The account's signature secret: every event is signed with it (a JWT, HS256).
   * @default VONAGE_TEST_CREDENTIALS.signatureSecret
   */
  signatureSecret?: string;
}

/**
 * One Vonage event as the simulator sends it: a signed JSON `POST` to the call's `event_url` (for
 * an inbound call, to the application's event URL or to the `eventUrl` of the NCCO's `record` or
 * `connect`).
 */
export interface VonageWebhookRequest {
  /** The call's `event_url`. */
  url: string;
  /**
   * `content-type: application/json` and `authorization: Bearer <JWT>`, signed HS256 with the
   * signature secret, whose claims are `iat`, `jti`, `iss` (`Vonage`), `api_key`,
   * `application_id` and `payload_hash` (the SHA-256 of `body`, in hex).
   */
  headers: Record<string, string>;
  /** The JSON body, exactly as hashed. */
  body: string;
  /** The body, parsed. */
  event: VonageWebhookEvent;
}

/**
 * The JSON body of a Vonage event: `uuid`, `conversation_uuid`, `status`, `direction`, `from`,
 * `to`, `timestamp`, and per status `start_time`, `end_time`, `duration`, `rate`, `price`,
 * `network` (`answered`, `completed`); `human` and `machine` carry `call_uuid` for `uuid`. The
 * event of an inbound call's NCCO `record` is Vonage's recording event instead, with no `status`:
 * `start_time`, `recording_url`, `size`, `recording_uuid`, `end_time`, `conversation_uuid`,
 * `timestamp`.
 */
export interface VonageWebhookEvent {
  status: VonageEventStatus;
  conversation_uuid: string;
  /** When it happened, ISO 8601 with milliseconds. */
  timestamp: string;
  [field: string]: unknown;
}

/**
 * Sends one Vonage event. Resolve when the receiver took it; reject when it did not (the
 * simulator then reports a `webhook_failed` event). `signal` aborts when the simulator closes.
 */
export type VonageWebhookDeliverer = (
  request: VonageWebhookRequest,
  context: { signal: AbortSignal },
) => Promise<void>;
