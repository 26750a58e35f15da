import { type SpanLike, strictObject, systemClock } from '@ringkit/internal';
import { z } from 'zod';
import { createHttpClient } from '../http/_client.js';
import {
  httpClientOptionsSchema,
  sharedHttpOptions,
  type HttpClientOptions,
} from '../http/_options.js';
import { providerStatusSchema, toStatus } from '../providers/_schemas.js';
import {
  CALL_OPTION_NAMES,
  callOptionsOf,
  mapAnsweredBy,
  parseCallOptions,
} from '../providers/call-options.js';
import { InvalidOptionsError } from '../errors/errors.js';
import { isAmbiguousPlacement } from '../errors/placement.js';
import { toE164, type CountryCode } from '../phone.js';
import type { CallProvider, ConnectCallOptions, ProviderCall } from '../providers/provider.js';
import { connectDocuments } from './_connect.js';
import { createFormBuilder } from './_params.js';
import { isTerminal } from '../status.js';
import {
  createPlacementLedger,
  findPlacedCall,
  parseDate,
  RECONCILE_DEFAULTS,
  type ListedCall,
  type ReconcileOptions,
} from './_reconcile.js';
import { toTwilioError } from './errors.js';

/** Options of {@link createTwilioClient}: the shared HTTP options, and Twilio's own. */
export interface TwilioClientOptions extends HttpClientOptions {
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
   * {@link toE164} accepts. A call's own `from` option replaces it for that call.
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

/** A Twilio call as ringkit reports it. */
export interface TwilioProvider extends CallProvider {
  /** `'twilio'`, or the `name` it was given. */
  readonly name: string;
  getCall(id: string, options?: { signal?: AbortSignal }): Promise<ProviderCall>;
  cancelCall(id: string, options?: { signal?: AbortSignal }): Promise<ProviderCall>;
  hangUpCall(id: string, options?: { signal?: AbortSignal }): Promise<ProviderCall>;
  /**
   * Connects the answered call to `to` (a number, or a `sip:` URI): its TwiML becomes a
   * `<Dial>` of `to`, rung `ringS` seconds (default 20), shown the client's `from`. Twilio
   * refuses a call that is not in progress (`TwilioApiError`, `twilioCode` 21220).
   */
  connectCall(id: string, to: string, options?: ConnectCallOptions): Promise<void>;
  /** Speaks `message` on the answered call, then hangs up (`<Say>`, `<Hangup/>`). */
  abandonCall(id: string, message: string, options?: { signal?: AbortSignal }): Promise<void>;
}

const CALL_SID = /^CA[0-9a-f]{32}$/i;

const optionsSchema = httpClientOptionsSchema
  .extend({
    accountSid: z.string().regex(/^AC[0-9a-f]{32}$/i, 'must be AC followed by 32 hex digits'),
    authToken: z.string().min(1).optional(),
    apiKey: z
      .string()
      .regex(/^SK[0-9a-f]{32}$/i, 'must be SK followed by 32 hex digits')
      .optional(),
    apiSecret: z.string().min(1).optional(),
    from: z.string().min(1),
    statusCallbackUrl: z.url({ protocol: /^https?$/ }).optional(),
    twiml: z.string().min(1).max(4000).optional(),
    url: z.url({ protocol: /^https?$/ }).optional(),
    baseUrl: z.url({ protocol: /^https?$/ }).optional(),
    defaultCountry: z.string().length(2).optional(),
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

const callSchema = z.looseObject({
  sid: z.string().regex(CALL_SID, 'must be a call SID (CA…)'),
  status: providerStatusSchema,
  date_created: z.string().nullish(),
  answered_by: z.string().max(64).nullish(),
});

/**
 * Twilio documents only `429` as "nothing was created, try again" (twilio-node retries it alone):
 * its `503` is an ambiguous placement, never retried, reconciled.
 */
const TWILIO_NOT_ACCEPTED = [429];

const listSchema = z.looseObject({ calls: z.array(callSchema) });

type TwilioCall = z.infer<typeof callSchema>;

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
  const defaultCountry = options.defaultCountry ?? 'US';
  const from = toE164(options.from, { defaultCountry });
  const user = options.apiKey ?? options.accountSid;
  const secret = options.apiSecret ?? options.authToken ?? '';
  const { accountSid, statusCallbackUrl, reconcile } = options;
  const createForm = createFormBuilder({
    from,
    defaultCountry,
    twiml: options.twiml,
    url: options.url,
    statusCallbackUrl,
  });
  const http = createHttpClient(
    options.baseUrl ?? 'https://api.twilio.com',
    {
      ...sharedHttpOptions(options),
      headers: {
        ...options.headers,
        authorization: `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`,
      },
    },
    { notAcceptedStatuses: TWILIO_NOT_ACCEPTED },
  );
  const reconciling = reconcile === false ? null : { ...RECONCILE_DEFAULTS, ...reconcile };
  const clock = options.clock ?? systemClock;
  const ledger = createPlacementLedger({
    now: () => clock.now(),
    keepMs: 60_000 + (reconciling?.skewMs ?? 0),
  });
  const callsPath = `2010-04-01/Accounts/${accountSid}/Calls.json`;
  const callPath = (sid: string) =>
    `2010-04-01/Accounts/${accountSid}/Calls/${encodeURIComponent(sid)}.json`;

  const toCall = (data: TwilioCall, raw: unknown): ProviderCall => {
    const answeredBy = mapAnsweredBy(data.answered_by);
    return { id: data.sid, ...toStatus(data.status), raw, ...(answeredBy && { answeredBy }) };
  };

  async function call<T>(request: Parameters<typeof http.request<T>>[0]) {
    try {
      return await http.request(request);
    } catch (error) {
      throw toTwilioError(error);
    }
  }

  /** Calls to `to` from our number created today or later, queued ones included. */
  async function listRecent(
    to: string,
    since: number,
    signal?: AbortSignal,
  ): Promise<ListedCall<ProviderCall>[]> {
    const day = new Date(since).toISOString().slice(0, 10);
    const queries = [
      new URLSearchParams({ To: to, From: from, 'StartTime>': day, PageSize: '50' }),
      // A call still queued has not started: no StartTime filter finds it.
      new URLSearchParams({ To: to, From: from, Status: 'queued', PageSize: '50' }),
    ];
    const pages = await Promise.all(
      queries.map((searchParams) =>
        call({ method: 'get', path: callsPath, searchParams, schema: listSchema, signal }),
      ),
    );
    return pages.flatMap(({ data, raw }) =>
      data.calls.map((c, i) => ({
        sid: c.sid,
        createdAt: parseDate(c.date_created),
        call: toCall(c, (raw as { calls: unknown[] }).calls[i]),
      })),
    );
  }

  async function getCall(id: string, { signal }: { signal?: AbortSignal } = {}) {
    const { data, raw } = await call({
      method: 'get',
      path: callPath(id),
      schema: callSchema,
      signal,
    });
    return toCall(data, raw);
  }

  /**
   * Gives the call `twiml` as its document from now on. Not retried once it may have arrived:
   * a second one would start the document over (ring the agent again).
   */
  async function redirect(id: string, twiml: string, signal?: AbortSignal) {
    await call({
      method: 'post',
      path: callPath(id),
      form: new URLSearchParams({ Twiml: twiml }),
      schema: callSchema,
      signal,
    });
  }
  const documents = connectDocuments(from, defaultCountry);

  async function update(id: string, status: 'canceled' | 'completed', signal?: AbortSignal) {
    const { data, raw } = await call({
      method: 'post',
      path: callPath(id),
      form: new URLSearchParams({ Status: status }),
      idempotent: true,
      schema: callSchema,
      signal,
    });
    return toCall(data, raw);
  }

  /** One placement: the `POST`, and the look-up that reconciles an ambiguous answer. */
  async function place(
    to: string,
    form: URLSearchParams,
    signal: AbortSignal | undefined,
    span: SpanLike | undefined,
    beforeSend?: () => void | Promise<void>,
  ): Promise<ProviderCall> {
    const placement = ledger.begin(to);
    try {
      const { data, raw } = await call({
        method: 'post',
        path: callsPath,
        form,
        schema: callSchema,
        signal,
        paced: true,
        span,
        beforeSend,
      });
      ledger.claim(data.sid);
      placement.settle('placed');
      return toCall(data, raw);
    } catch (error) {
      const ambiguous = isAmbiguousPlacement(error) && !signal?.aborted;
      placement.settle(ambiguous ? 'ambiguous' : 'refused');
      if (!ambiguous || reconciling === null) throw error;
      let found: ListedCall<ProviderCall> | undefined;
      try {
        found = await findPlacedCall({
          clock,
          placement,
          options: reconciling,
          ledger,
          list: () => listRecent(to, placement.startedAt - reconciling.skewMs, signal),
          signal,
        });
      } catch {
        found = undefined; // a failed look-up never becomes a second placement
      }
      if (!found) throw error;
      ledger.claim(found.sid);
      placement.outcome = 'placed';
      return { ...found.call, reconciled: true };
    }
  }

  const provider: TwilioProvider = {
    name: options.name ?? 'twilio',
    capabilities: {
      polling: true,
      webhooks: statusCallbackUrl !== undefined,
      options: CALL_OPTION_NAMES,
    },

    placeCall(request) {
      return http.placement('twilio', async (span) => {
        const phone = toE164(request.to, { defaultCountry });
        const form = createForm(phone, parseCallOptions(provider, callOptionsOf(request)));
        return place(phone, form, request.signal, span, request.beforeSend);
      });
    },

    checkCallOptions(call) {
      createForm(from, call);
    },

    getCall,

    async cancelCall(id, { signal } = {}) {
      const current = await getCall(id, { signal });
      if (isTerminal(current.status) || current.status === 'answered') return current;
      // Twilio cancels a queued or ringing call only: one answered meanwhile is left as it is,
      // and its answer says so (`in-progress`).
      return update(id, 'canceled', signal);
    },

    async hangUpCall(id, { signal } = {}) {
      const current = await getCall(id, { signal });
      return isTerminal(current.status) ? current : update(id, 'completed', signal);
    },

    async connectCall(id, to, options = {}) {
      await redirect(id, documents.connect(to, options), options.signal);
    },

    async abandonCall(id, message, { signal } = {}) {
      await redirect(id, documents.abandon(message), signal);
    },
  };
  return provider;
}
