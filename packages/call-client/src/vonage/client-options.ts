import { strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { httpClientOptionsSchema, type HttpClientOptions } from '../http/_options.js';
import { CALL_OPTION_NAMES, type CallOptionName } from '../providers/call-options.js';
import type { CountryCode } from '../phone.js';
import type { CallProvider, ConnectCallOptions, ProviderCall } from '../providers/provider.js';
import type { ReconcileOptions } from '../twilio/_reconcile.js';
import type { NccoAction } from './_ncco.js';

/** Options of {@link createVonageClient}: the shared HTTP options, and Vonage's own. */
export interface VonageClientOptions extends HttpClientOptions {
  /** The id of the Vonage application the calls belong to (its `application_id`). */
  applicationId: string;
  /**
   * The application's private key (PEM), which signs the JWT every request carries (RS256,
   * `Authorization: Bearer`). It never leaves the process.
   */
  privateKey: string | Buffer;
  /**
   * The caller id of every call (`from`): a Vonage number linked to the application, in any form
   * {@link toE164} accepts. A call's own `from` option replaces it for that call.
   */
  from: string;
  /**
   * Where Vonage POSTs the calls' events (`event_url`, `event_method: 'POST'`). Without it Vonage
   * POSTs them to the application's event URL, so `capabilities.webhooks` is `true` either way.
   * @default none: the event URL of the application
   * @example 'https://app.example/webhooks/vonage/events'
   */
  eventUrl?: string;
  /**
   * A URL that returns the calls' NCCO (`answer_url`), for calls that give no `say` of their own
   * (a call's own `answerUrl` replaces it for that call). Give this or `ncco`.
   * @default none: `ncco` is sent
   */
  answerUrl?: string;
  /**
   * The NCCO a call runs once answered, unless it gives its own `say` or `answerUrl`.
   * @default [{ action: 'talk', text: 'Hello. This is an automated call.' }]
   */
  ncco?: readonly NccoAction[];
  /**
   * The language `say` is spoken in (the `talk` action's `language`, e.g. `en-GB`).
   * @default none: Vonage's, `en-US`
   */
  language?: string;
  /**
   * The vocal style of the language (the `talk` action's `style`).
   * @default none: Vonage's, `0`
   */
  style?: number;
  /**
   * The API's origin (a simulator's URL in tests, or a region's, e.g. `https://api-eu.vonage.com`);
   * paths are `/v1/calls…`.
   * @default 'https://api.nexmo.com'
   */
  baseUrl?: string;
  /**
   * The country assumed for numbers written without a country code.
   * @default 'US'
   */
  defaultCountry?: CountryCode;
  /**
   * How long each JWT lives, in seconds; a token is signed anew a minute before it expires.
   * Tokens are dated on the real time (which Vonage checks them against), never on `clock`.
   * @default 900 (what `@vonage/jwt` gives its tokens)
   */
  tokenTtlS?: number;
  /**
   * After a placement of unknown outcome (a timeout, a reset, a `5xx`), list the calls begun
   * since (`GET /v1/calls?date_start=…`) and adopt the one to the same number from the same
   * number that no other placement of this client can own; `false` turns it off (the placement
   * then fails with its error, of unknown outcome).
   * @default { attempts: 3, delayMs: 1000, skewMs: 2000 }
   */
  reconcile?: ReconcileOptions | false;
}

/** A Vonage Voice API client as ringkit reports it. */
export interface VonageProvider extends CallProvider {
  /** `'vonage'`, or the `name` it was given. */
  readonly name: string;
  getCall(id: string, options?: { signal?: AbortSignal }): Promise<ProviderCall>;
  cancelCall(id: string, options?: { signal?: AbortSignal }): Promise<ProviderCall>;
  hangUpCall(id: string, options?: { signal?: AbortSignal }): Promise<ProviderCall>;
  /**
   * Connects the answered call to `to` (a number, or a `sip:` URI): the call is transferred to an
   * NCCO `connect` of `to`, rung `ringS` seconds (default 20), shown the client's `from`. Sent
   * once and never again, so the agent never rings twice: a request whose answer was lost
   * rejects with its error. Vonage refuses a call that is not in progress with a `4xx`
   * (`VonageApiError`).
   */
  connectCall(id: string, to: string, options?: ConnectCallOptions): Promise<void>;
  /**
   * Speaks `message` on the answered call (an NCCO `talk`, in the client's `language` and
   * `style`; plain text, at most 1,500 characters), after which Vonage ends the call. Sent once
   * and never again.
   */
  abandonCall(id: string, message: string, options?: { signal?: AbortSignal }): Promise<void>;
}

/**
 * The options Vonage honours: every one of {@link CALL_OPTION_NAMES} (`say` as an NCCO `talk`,
 * `record` as a `record` action, `machineDetection` as its standard or advanced detection).
 */
export const VONAGE_CALL_OPTIONS: readonly CallOptionName[] = CALL_OPTION_NAMES;

/**
 * Vonage documents one answer to a create-call request as a refusal to try again: `429`, when
 * more calls per second (3 by default) or requests per second are sent than the account may
 * ("Capacity", its Voice API troubleshooting guide). A `4xx` created nothing either, but is not
 * sent again. Every `5xx`, a reset and a timeout leave a placement of unknown outcome: never sent
 * again, looked up instead.
 */
export const VONAGE_NOT_ACCEPTED = [429];

const nccoSchema = z
  .array(z.looseObject({ action: z.string().min(1) }))
  .min(1)
  .max(100);

export const optionsSchema = httpClientOptionsSchema
  .extend({
    applicationId: z.string().trim().min(1, 'must not be empty').max(256),
    privateKey: z.union([z.string().min(1), z.instanceof(Buffer)]),
    from: z.string().min(1),
    eventUrl: z.url({ protocol: /^https?$/ }).optional(),
    answerUrl: z.url({ protocol: /^https?$/ }).optional(),
    ncco: nccoSchema.optional(),
    language: z.string().trim().min(2).max(20).optional(),
    style: z.int().min(0).max(100).optional(),
    baseUrl: z.url({ protocol: /^https?$/ }).optional(),
    defaultCountry: z.string().length(2).optional(),
    tokenTtlS: z.int().min(60).max(86_400).optional(),
    reconcile: z
      .union([
        z.literal(false),
        strictObject({
          attempts: z.int().min(1).max(20).optional(),
          delayMs: z.number().min(0).max(60_000).optional(),
          skewMs: z.number().min(0).max(600_000).optional(),
        }),
      ])
      .optional(),
  })
  .refine((o) => o.answerUrl === undefined || o.ncco === undefined, {
    message: 'give answerUrl or ncco, not both',
    path: ['ncco'],
  });
