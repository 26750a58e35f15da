// The one client of Twilio's Calls resource (API 2010-04-01), whoever serves it: Twilio, or
// SignalWire's Compatibility API. `createTwilioClient` and `createSignalWireClient` check their
// own options, then give it where the API lives, how to sign in, and their flavour.
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
import { isAmbiguousPlacement } from '../errors/placement.js';
import { toE164, type CountryCode } from '../phone.js';
import type { CallProvider, ConnectCallOptions, ProviderCall } from '../providers/provider.js';
import { isTerminal } from '../status.js';
import { connectDocuments } from './_connect.js';
import type { TwilioFlavour } from './_flavour.js';
import { createFormBuilder } from './_params.js';
import {
  createPlacementLedger,
  findPlacedCall,
  parseDate,
  RECONCILE_DEFAULTS,
  type ListedCall,
  type ReconcileOptions,
} from './_reconcile.js';
import { toTwilioError } from './errors.js';

/** The options every client of Twilio's shape takes, besides where it lives and its sign-in. */
export interface TwilioShapedOptions extends HttpClientOptions {
  from: string;
  statusCallbackUrl?: string;
  twiml?: string;
  url?: string;
  defaultCountry?: CountryCode;
  reconcile?: ReconcileOptions | false;
}

/** A call of a provider of Twilio's shape as ringkit reports it. */
export interface TwilioProvider extends CallProvider {
  /** The provider's name (`'twilio'`, `'signalwire'`), or the `name` it was given. */
  readonly name: string;
  getCall(id: string, options?: { signal?: AbortSignal }): Promise<ProviderCall>;
  cancelCall(id: string, options?: { signal?: AbortSignal }): Promise<ProviderCall>;
  hangUpCall(id: string, options?: { signal?: AbortSignal }): Promise<ProviderCall>;
  /**
   * Connects the answered call to `to` (a number, or a `sip:` URI): its TwiML becomes a
   * `<Dial>` of `to`, rung `ringS` seconds (default 20), shown the client's `from`. The
   * provider refuses a call that is not in progress (Twilio: `TwilioApiError`, `twilioCode`
   * 21220).
   */
  connectCall(id: string, to: string, options?: ConnectCallOptions): Promise<void>;
  /** Speaks `message` on the answered call, then hangs up (`<Say>`, `<Hangup/>`). */
  abandonCall(id: string, message: string, options?: { signal?: AbortSignal }): Promise<void>;
}

/** The schema of {@link TwilioShapedOptions}; each factory extends it with its own. */
export const twilioShapedOptionsSchema = httpClientOptionsSchema.extend({
  from: z.string().min(1),
  statusCallbackUrl: z.url({ protocol: /^https?$/ }).optional(),
  twiml: z.string().min(1).max(4000).optional(),
  url: z.url({ protocol: /^https?$/ }).optional(),
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
});

/** Where the API lives and how to sign in: what a factory gives the shared client. */
export interface TwilioShapedSettings {
  flavour: TwilioFlavour;
  /**
   * The API's root URL, below which `2010-04-01/Accounts/{account}/Calls.json` lives (Twilio:
   * `https://api.twilio.com`; SignalWire: `https://{space}.signalwire.com/api/laml`).
   */
  apiRoot: string;
  /** The account of the paths (Twilio's account SID, SignalWire's project id). */
  account: string;
  /** HTTP Basic's user and password. */
  user: string;
  secret: string;
  /**
   * The answers to a create that the provider documents as "nothing was created, try again":
   * retried; everything else after the request left is an ambiguous placement.
   */
  notAcceptedStatuses: readonly number[];
}

/** Makes the client: `options` are already checked. */
export function createTwilioShapedClient(
  settings: TwilioShapedSettings,
  options: TwilioShapedOptions,
): TwilioProvider {
  const { flavour, account } = settings;
  const defaultCountry = options.defaultCountry ?? 'US';
  const from = toE164(options.from, { defaultCountry });
  const { statusCallbackUrl, reconcile } = options;
  const callSchema = z.looseObject({
    sid: z.string().regex(flavour.callSid.pattern, `must be a call SID (${flavour.callSid.rule})`),
    status: providerStatusSchema,
    date_created: z.string().nullish(),
    answered_by: z.string().max(64).nullish(),
  });
  type ShapedCall = z.infer<typeof callSchema>;
  const listSchema = z.looseObject({ calls: z.array(callSchema) });
  const createForm = createFormBuilder({
    from,
    defaultCountry,
    twiml: options.twiml,
    url: options.url,
    statusCallbackUrl,
  });
  const credentials = Buffer.from(`${settings.user}:${settings.secret}`).toString('base64');
  const http = createHttpClient(
    settings.apiRoot,
    {
      ...sharedHttpOptions(options),
      headers: { ...options.headers, authorization: `Basic ${credentials}` },
    },
    { notAcceptedStatuses: [...settings.notAcceptedStatuses] },
  );
  const reconciling = reconcile === false ? null : { ...RECONCILE_DEFAULTS, ...reconcile };
  const clock = options.clock ?? systemClock;
  const ledger = createPlacementLedger({
    now: () => clock.now(),
    keepMs: 60_000 + (reconciling?.skewMs ?? 0),
  });
  const callsPath = `2010-04-01/Accounts/${account}/Calls.json`;
  const callPath = (sid: string) =>
    `2010-04-01/Accounts/${account}/Calls/${encodeURIComponent(sid)}.json`;

  const toCall = (data: ShapedCall, raw: unknown): ProviderCall => {
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
    name: options.name ?? flavour.provider,
    capabilities: {
      polling: true,
      webhooks: statusCallbackUrl !== undefined,
      options: CALL_OPTION_NAMES,
    },

    placeCall(request) {
      return http.placement(flavour.provider, async (span) => {
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
      // The API cancels a queued or ringing call only: one answered meanwhile is left as it is,
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
