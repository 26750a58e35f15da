import { z } from 'zod';
import { InvalidOptionsError } from '../errors/errors.js';
import type { CountryCode } from '../phone.js';
import {
  createTwilioShapedClient,
  twilioShapedOptionsSchema,
  type TwilioProvider,
  type TwilioShapedOptions,
} from '../twilio/_client.js';
import type { ReconcileOptions } from '../twilio/_reconcile.js';
import { SIGNALWIRE } from './_flavour.js';

/** Options of {@link createSignalWireClient}: the shared HTTP options, and SignalWire's own. */
export interface SignalWireClientOptions extends TwilioShapedOptions {
  /**
   * The space's address: its host (`example.signalwire.com`), or a URL with a scheme (a
   * simulator's `http://127.0.0.1:5100` in tests). The Compatibility API lives below its
   * `/api/laml`.
   * @example 'example.signalwire.com'
   */
  spaceUrl: string;
  /** The project's id (a UUID): the `AccountSid` of the API's paths and answers. */
  projectId: string;
  /** An API token of the project (`PT…`): the password of HTTP Basic, the project id its user. */
  apiToken: string;
  /**
   * The caller id of every call (`From`): a number of the project, in any form `toE164`
   * accepts. A call's own `from` option replaces it for that call.
   */
  from: string;
  /**
   * Where SignalWire POSTs the calls' status callbacks, for every event (initiated, ringing,
   * answered, completed). Without it the calls are followed by polling only.
   * @default none: no callbacks, `capabilities.webhooks` is `false`
   * @example 'https://app.example/webhooks/signalwire'
   */
  statusCallbackUrl?: string;
  /**
   * The LaML (TwiML) a call runs once answered, unless the call gives its own `say` or
   * `answerUrl`. Give this or `url`.
   * @default '<Response><Say>Hello. This is an automated call.</Say></Response>'
   */
  twiml?: string;
  /**
   * A URL that returns the calls' LaML, instead of `twiml` (a call's own `say` or `answerUrl`
   * replaces it for that call).
   * @default none: `twiml` is sent
   */
  url?: string;
  /**
   * The country assumed for numbers written without a country code.
   * @default 'US'
   */
  defaultCountry?: CountryCode;
  /**
   * After an ambiguous placement (a timeout, a reset, any answer but `429`), look the call up
   * (the Calls list by `To`, `From` and start time) and adopt it when it is surely this
   * placement's; `false` turns it off (the placement then fails with its error, of unknown
   * outcome).
   * @default { attempts: 3, delayMs: 1000, skewMs: 2000 }
   */
  reconcile?: ReconcileOptions | false;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const optionsSchema = twilioShapedOptionsSchema
  .extend({
    spaceUrl: z
      .string()
      .min(1)
      .refine((space) => spaceRoot(space) !== undefined, {
        message: 'must be a host such as example.signalwire.com, or an http(s) URL without a path',
      }),
    projectId: z.string().regex(UUID, 'must be a project id (a UUID)'),
    apiToken: z.string().min(1),
  })
  .superRefine((o, ctx) => {
    if (o.twiml !== undefined && o.url !== undefined)
      ctx.addIssue({ code: 'custom', message: 'give twiml or url, not both' });
  });

/**
 * SignalWire documents `429` as a rate limit ("back off and retry"): nothing was created. It
 * documents no other answer of a create as such, so every other one (a `5xx` included) is an
 * ambiguous placement: never retried, reconciled.
 */
const SIGNALWIRE_NOT_ACCEPTED = [429];

/** The Compatibility API's root URL of a space (`…/api/laml`); `undefined` when it is no space. */
function spaceRoot(space: string): string | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(space) ? space : `https://${space}`;
  const url = URL.parse(withScheme);
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) return undefined;
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '')
    return undefined;
  if (url.password !== '' || url.hostname === '') return undefined;
  return `${url.origin}/api/laml`;
}

/**
 * A client for SignalWire's Compatibility API ("LaML"): Twilio's Calls resource of API
 * 2010-04-01 at `https://{space}/api/laml/2010-04-01/Accounts/{projectId}/Calls.json`, signed in
 * with HTTP Basic (`projectId:apiToken`), form-encoded as Twilio's. It is `createTwilioClient`'s
 * client in SignalWire's flavour, and does all it does: `CallOptions` (`say` as LaML
 * `<Say>`), placements paced by `callsPerSecond`, `getCall`, `cancelCall`, `hangUpCall`,
 * `connectCall`, `abandonCall`, and reconciliation of an ambiguous placement. Its calls' ids are
 * SignalWire's call SIDs (UUIDs); `answered` and `in-progress` are both ringkit's `answered`.
 *
 * A phone never rings twice because of it: only `429`, which SignalWire documents as a rate
 * limit, is retried; any other answer after the request left is ambiguous (see
 * `isAmbiguousPlacement`). Errors with Twilio's error body are `TwilioApiError`s.
 *
 * Follow calls by the status callbacks to `statusCallbackUrl` (see
 * {@link createExpressSignalWireWebhookHandler}) or by polling with `watchCall`.
 *
 * @example
 * const signalwire = createSignalWireClient({
 *   spaceUrl: 'example.signalwire.com',
 *   projectId: process.env.SIGNALWIRE_PROJECT_ID!,
 *   apiToken: process.env.SIGNALWIRE_API_TOKEN!,
 *   from: '+14155550100',
 *   statusCallbackUrl: 'https://app.example/webhooks/signalwire',
 *   callsPerSecond: 1,
 * });
 * const call = await signalwire.placeCall({ to: '+14155552671', say: 'Your table is ready.' });
 */
export function createSignalWireClient(options: SignalWireClientOptions): TwilioProvider {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw new InvalidOptionsError('createSignalWireClient', parsed.error.issues);
  return createTwilioShapedClient(
    {
      flavour: SIGNALWIRE,
      apiRoot: spaceRoot(options.spaceUrl)!,
      account: options.projectId,
      user: options.projectId,
      secret: options.apiToken,
      notAcceptedStatuses: SIGNALWIRE_NOT_ACCEPTED,
    },
    options,
  );
}
