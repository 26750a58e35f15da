import { strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { httpClientOptionsSchema, type HttpClientOptions } from '../http/_options.js';
import type { CallOptionName } from '../providers/call-options.js';
import { inboundPolicySchema, type InboundPolicy } from '../inbound/inbound.js';
import type { CountryCode } from '../phone.js';
import type { CallProvider, ConnectCallOptions, ProviderCall } from '../providers/provider.js';
import type { TelnyxReconcileOptions } from './_reconcile.js';

/** Options of {@link createTelnyxClient}: the shared HTTP options, and Telnyx's own. */
export interface TelnyxClientOptions extends HttpClientOptions {
  /** An API key of the account (Mission Control › API Keys), sent as `Authorization: Bearer`. */
  apiKey: string;
  /** The Call Control Application (`connection_id`) the calls are dialled from. */
  connectionId: string;
  /**
   * The caller id of every call (`from`): a Telnyx number of the account, in any form
   * {@link toE164} accepts. A call's own `from` option replaces it for that call.
   */
  from: string;
  /**
   * Where Telnyx POSTs the calls' webhooks (`webhook_url`).
   * @default none: the webhook URL of the Call Control Application
   * @example 'https://app.example/webhooks/telnyx'
   */
  webhookUrl?: string;
  /**
   * The API's origin (a simulator's URL in tests); paths are `/v2/calls…`.
   * @default 'https://api.telnyx.com'
   */
  baseUrl?: string;
  /**
   * The country assumed for numbers written without a country code.
   * @default 'US'
   */
  defaultCountry?: CountryCode;
  /**
   * The voice `say` is spoken with (`actions/speak`'s `voice`): `female` or `male` for Telnyx's
   * basic voices, or `<Provider>.<Model>.<VoiceId>` (`AWS.Polly.Joanna-Neural`…).
   * @default 'female'
   */
  voice?: string;
  /**
   * The language of the basic voices (`actions/speak`'s `language`).
   * @default 'en-US'
   */
  language?: string;
  /**
   * After a dial of unknown outcome (a timeout, a reset, a `5xx`), look for its call among the
   * connection's active calls and adopt the one whose `client_state` carries the placement's id;
   * `false` turns it off (the placement then fails with its error, of unknown outcome).
   * @default { attempts: 3, delayMs: 1000 }
   */
  reconcile?: TelnyxReconcileOptions | false;
  /**
   * How calls to the app's own numbers are answered, by `actOnWebhook` (see
   * {@link InboundPolicy}): `voicemail` answers, speaks `message` and records; `forward`
   * transfers the call to `to` (E.164, normalised like `from`, or a `sip:` URI) for `ringS`
   * seconds, then, when nobody there took it, does the voicemail steps; `reject` refuses it.
   * Every worker that may receive the webhooks should be given the same policy.
   * @default none: calls to the app's numbers are left alone
   * @example { action: 'forward', to: '+14155550123', ringS: 20, message: 'Please leave a message.' }
   */
  inbound?: InboundPolicy;
}

/**
 * What `actOnWebhook` sent: `spoke` (a dialled call's `say`, or an inbound call's message),
 * `answered`, `transferred` (a forward), `rejected`, `recording` (a voicemail's recording
 * started), `noted` (a forward's pick-up time written into the call's `client_state`),
 * `hung_up` (an abandoned call, once its message was spoken: see `abandonCall`).
 */
export type TelnyxWebhookAction =
  'spoke' | 'answered' | 'transferred' | 'rejected' | 'recording' | 'noted' | 'hung_up';

/** A Telnyx Call Control client as ringkit reports it. */
export interface TelnyxProvider extends CallProvider {
  /** `'telnyx'`, or the `name` it was given. */
  readonly name: string;
  getCall(id: string, options?: { signal?: AbortSignal }): Promise<ProviderCall>;
  cancelCall(id: string, options?: { signal?: AbortSignal }): Promise<ProviderCall>;
  hangUpCall(id: string, options?: { signal?: AbortSignal }): Promise<ProviderCall>;
  /**
   * Transfers the answered call to `to` (a number, or a `sip:` URI), rung `ringS` seconds
   * (default 20), shown the client's `from` (`actions/transfer`, one `command_id` per call).
   */
  connectCall(id: string, to: string, options?: ConnectCallOptions): Promise<void>;
  /**
   * Speaks `message` on the answered call (`actions/speak`), then, once Telnyx says it was
   * spoken (`call.speak.ended`, handed to `actOnWebhook`), hangs it up.
   */
  abandonCall(id: string, message: string, options?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Speaks `text` on an answered call (`POST /v2/calls/{id}/actions/speak`) with the client's
   * `voice` and `language`. A `commandId` makes a repeat a no-op at Telnyx, so it may be sent
   * again safely.
   */
  speak(
    id: string,
    text: string,
    options?: { commandId?: string; signal?: AbortSignal },
  ): Promise<void>;
  /**
   * Does what a call placed by this client asks for at this webhook: speaks its `say` once it is
   * answered (with `machineDetection: 'detect-beep'`, once a person is detected or a machine's
   * greeting has ended). With an `inbound` policy, also answers calls to the app's own numbers
   * (`call.initiated` with `direction: 'incoming'`) step by step: see `inbound`. What the next
   * step needs travels in the call's `client_state`, so any worker, after any restart, acts on
   * it, and each command's `command_id` makes a repeated webhook act once. Resolves what it sent,
   * else `null` (nothing due, another app's call, or a call that ended meanwhile). The webhook
   * handlers call it when given this client.
   */
  actOnWebhook(
    body: unknown,
    options?: { signal?: AbortSignal },
  ): Promise<TelnyxWebhookAction | null>;
}

/** The options Telnyx honours: everything but `answerUrl` (Call Control has no instruction URL). */
export const TELNYX_CALL_OPTIONS: readonly CallOptionName[] = Object.freeze([
  'from',
  'say',
  'ringTimeoutS',
  'timeLimitS',
  'machineDetection',
  'record',
  'extra',
]);

/**
 * Telnyx documents one answer as "nothing was done, try again": `429` ("you have exhausted the
 * number of requests allowed in the current window", its API rate-limiting page). Every `5xx`,
 * a reset and a timeout leave a dial of unknown outcome: never sent again, looked up instead.
 */
export const TELNYX_NOT_ACCEPTED = [429];

export const optionsSchema = httpClientOptionsSchema.extend({
  apiKey: z.string().trim().min(1, 'must not be empty'),
  connectionId: z.string().trim().min(1, 'must not be empty').max(256),
  from: z.string().min(1),
  webhookUrl: z.url({ protocol: /^https?$/ }).optional(),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  defaultCountry: z.string().length(2).optional(),
  voice: z.string().trim().min(1).max(200).optional(),
  language: z.string().trim().min(2).max(20).optional(),
  reconcile: z
    .union([
      z.literal(false),
      strictObject({
        attempts: z.int().min(1).max(20).optional(),
        delayMs: z.number().min(0).max(60_000).optional(),
      }),
    ])
    .optional(),
  inbound: inboundPolicySchema.optional(),
});
