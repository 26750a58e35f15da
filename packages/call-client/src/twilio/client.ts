import { z } from 'zod';
import { InvalidOptionsError } from '../errors/errors.js';
import type { CountryCode } from '../phone.js';
import {
  createTwilioShapedClient,
  twilioShapedOptionsSchema,
  type TwilioProvider,
  type TwilioShapedOptions,
} from './_client.js';
import { TWILIO } from './_flavour.js';
import type { ReconcileOptions } from './_reconcile.js';

export type { TwilioProvider } from './_client.js';

/** Options of {@link createTwilioClient}: the shared HTTP options, and Twilio's own. */
export interface TwilioClientOptions extends TwilioShapedOptions {
  /** The account's SID, `AC` and 32 hex digits. */
  accountSid: string;
  /**
   * The account's auth token. Give it, or an API key and its secret.
   * @default none: `apiKey` and `apiSecret` are needed then
   */
  authToken?: string;
  /**
   * An API key's SID (`SK…`), with `apiSecret`: Twilio's advice for production.
   * @default none: `authToken` is needed then
   */
  apiKey?: string;
  /**
   * The API key's secret.
   * @default none
   */
  apiSecret?: string;
  /**
   * The caller id of every call (`From`): a Twilio number of the account, in any form
   * `toE164` accepts. A call's own `from` option replaces it for that call.
   */
  from: string;
  /**
   * Where Twilio POSTs the calls' status callbacks, for every event (initiated, ringing,
   * answered, completed). Without it the calls are followed by polling only.
   * @default none: no callbacks, `capabilities.webhooks` is `false`
   * @example 'https://app.example/webhooks/twilio'
   */
  statusCallbackUrl?: string;
  /**
   * The TwiML a call runs once answered, unless the call gives its own `say` or `answerUrl`.
   * Give this or `url`.
   * @default '<Response><Say>Hello. This is an automated call.</Say></Response>'
   */
  twiml?: string;
  /**
   * A URL that returns the calls' TwiML, instead of `twiml` (a call's own `say` or `answerUrl`
   * replaces it for that call).
   * @default none: `twiml` is sent
   */
  url?: string;
  /**
   * Where the API lives (a simulator's URL in tests).
   * @default 'https://api.twilio.com'
   */
  baseUrl?: string;
  /**
   * The country assumed for numbers written without a country code.
   * @default 'US'
   */
  defaultCountry?: CountryCode;
  /**
   * After an ambiguous placement (a timeout, a reset, `500`, `502`, `504`), look the call up and
   * adopt it when it is surely this placement's; `false` turns it off (the placement then fails
   * with its error, of unknown outcome).
   * @default { attempts: 3, delayMs: 1000, skewMs: 2000 }
   */
  reconcile?: ReconcileOptions | false;
}

const optionsSchema = twilioShapedOptionsSchema
  .extend({
    accountSid: z.string().regex(/^AC[0-9a-f]{32}$/i, 'must be AC followed by 32 hex digits'),
    authToken: z.string().min(1).optional(),
    apiKey: z
      .string()
      .regex(/^SK[0-9a-f]{32}$/i, 'must be SK followed by 32 hex digits')
      .optional(),
    apiSecret: z.string().min(1).optional(),
    baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  })
  .superRefine((o, ctx) => {
    const token = o.authToken !== undefined;
    const key = o.apiKey !== undefined || o.apiSecret !== undefined;
    if (token === key)
      ctx.addIssue({ code: 'custom', message: 'give authToken, or apiKey with apiSecret' });
    if (key && (o.apiKey === undefined || o.apiSecret === undefined))
      ctx.addIssue({ code: 'custom', message: 'apiKey and apiSecret go together' });
    if (o.twiml !== undefined && o.url !== undefined)
      ctx.addIssue({ code: 'custom', message: 'give twiml or url, not both' });
  });

/**
 * Twilio documents only `429` as "nothing was created, try again" (twilio-node retries it alone):
 * its `503` is an ambiguous placement, never retried, reconciled.
 */
const TWILIO_NOT_ACCEPTED = [429];

/**
 * A client for Twilio's Programmable Voice, API 2010-04-01 (the Calls resource): places calls
 * (paced by `callsPerSecond`), reads them, lists them to reconcile an ambiguous placement,
 * cancels those not answered yet (`cancelCall`) and hangs up answered ones (`hangUpCall`).
 * Follow calls by the status callbacks to `statusCallbackUrl` (see
 * {@link createExpressTwilioWebhookHandler}) or by polling with `watchCall`.
 *
 * @example
 * const twilio = createTwilioClient({
 *   accountSid: process.env.TWILIO_ACCOUNT_SID!,
 *   authToken: process.env.TWILIO_AUTH_TOKEN!,
 *   from: '+14155550100',
 *   statusCallbackUrl: 'https://app.example/webhooks/twilio',
 *   callsPerSecond: 1,
 * });
 * const call = await twilio.placeCall({ to: '+14155552671' });
 */
export function createTwilioClient(options: TwilioClientOptions): TwilioProvider {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw new InvalidOptionsError('createTwilioClient', parsed.error.issues);
  return createTwilioShapedClient(
    {
      flavour: TWILIO,
      apiRoot: options.baseUrl ?? 'https://api.twilio.com',
      account: options.accountSid,
      user: options.apiKey ?? options.accountSid,
      secret: options.apiSecret ?? options.authToken ?? '',
      notAcceptedStatuses: TWILIO_NOT_ACCEPTED,
    },
    options,
  );
}
