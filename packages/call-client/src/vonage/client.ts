import { type SpanLike, strictObject, systemClock } from '@ringkit/internal';
import { z } from 'zod';
import { createHttpClient } from '../http/_client.js';
import {
  httpClientOptionsSchema,
  sharedHttpOptions,
  type HttpClientOptions,
} from '../http/_options.js';
import { callOptionsOf, parseCallOptions, type CallOptionName } from '../providers/call-options.js';
import { InvalidOptionsError, isHttpError } from '../errors/errors.js';
import { isAmbiguousPlacement } from '../errors/placement.js';
import { toE164, type CountryCode } from '../phone.js';
import type { CallProvider, ProviderCall } from '../providers/provider.js';
import { isTerminal } from '../status.js';
import {
  createPlacementLedger,
  findPlacedCall,
  RECONCILE_DEFAULTS,
  type ListedCall,
  type ReconcileOptions,
} from '../twilio/_reconcile.js';
import { createJwtSource, readPrivateKey } from './_jwt.js';
import { talkAction, type NccoAction } from './_ncco.js';
import { createCallBuilder, vonageNumber, type VonageCreateCallBody } from './_params.js';
import {
  callDetailSchema,
  callPageSchema,
  callUuidSchema,
  candidatesOf,
  listQuery,
  MAX_PAGES,
  PAGE_SIZE,
  type VonageCallDetail,
} from './_reconcile.js';
import { toVonageStatus } from './_status.js';
import { toVonageError } from './errors.js';

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
   * Where Vonage POSTs the calls' events (`event_url`, `event_method: 'POST'`).
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
}

/** Every call option: Vonage honours them all (`say` as an NCCO `talk`, `record` as a `record`). */
export const VONAGE_CALL_OPTIONS: readonly CallOptionName[] = Object.freeze([
  'from',
  'say',
  'answerUrl',
  'ringTimeoutS',
  'timeLimitS',
  'machineDetection',
  'record',
  'extra',
]);

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

const optionsSchema = httpClientOptionsSchema
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

const createdSchema = z.looseObject({
  uuid: callUuidSchema,
  status: z.string().trim().min(1).max(64).nullish(),
});

const DEFAULT_TEXT = 'Hello. This is an automated call.';

/**
 * A client for Vonage's Voice API (v1): places calls (`POST /v1/calls`, paced by
 * `callsPerSecond`) with an NCCO that speaks `say` (a `talk` action) or with an answer URL, reads
 * them (`GET /v1/calls/{uuid}`), lists them to reconcile a placement of unknown outcome, and ends
 * them (`PUT /v1/calls/{uuid}` with `action: 'hangup'`). Every request carries a JWT signed with
 * the application's private key. Follow calls by the events sent to `eventUrl` or by polling
 * with `watchCall`.
 *
 * Requests go through `fetch` (the `fetch` option, else `globalThis.fetch`), which puts a fresh
 * token on each; the other clients' default transport sends fixed headers.
 *
 * @example
 * const vonage = createVonageClient({
 *   applicationId: process.env.VONAGE_APPLICATION_ID!,
 *   privateKey: readFileSync('private.key'),
 *   from: '+14155550100',
 *   eventUrl: 'https://app.example/webhooks/vonage/events',
 *   callsPerSecond: 3,
 * });
 * const call = await vonage.placeCall({ to: '+14155552671', say: 'Your table is ready.' });
 */
export function createVonageClient(options: VonageClientOptions): VonageProvider {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw new InvalidOptionsError('createVonageClient', parsed.error.issues);
  const key = readPrivateKey(options.privateKey);
  const defaultCountry = options.defaultCountry ?? 'US';
  const from = toE164(options.from, { defaultCountry });
  const { eventUrl, answerUrl, reconcile } = parsed.data;
  const talk = { language: parsed.data.language, style: parsed.data.style };
  const calls = createCallBuilder({
    from,
    defaultCountry,
    eventUrl,
    answerUrl,
    ncco: (parsed.data.ncco as NccoAction[] | undefined) ?? [talkAction(DEFAULT_TEXT, talk)],
    talk,
  });
  const clock = options.clock ?? systemClock;
  const jwt = createJwtSource({
    applicationId: parsed.data.applicationId,
    key,
    clock,
    ttlS: options.tokenTtlS ?? 900,
  });
  const send = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const http = createHttpClient(
    options.baseUrl ?? 'https://api.nexmo.com',
    {
      ...sharedHttpOptions(options),
      ...(options.headers && { headers: options.headers }),
      fetch: (input, init) => {
        const request = new Request(input, init);
        request.headers.set('authorization', `Bearer ${jwt.token()}`);
        return send(request);
      },
    },
    { notAcceptedStatuses: VONAGE_NOT_ACCEPTED },
  );
  const reconciling = reconcile === false ? null : { ...RECONCILE_DEFAULTS, ...reconcile };
  const ledger = createPlacementLedger({
    now: () => clock.now(),
    keepMs: 60_000 + (reconciling?.skewMs ?? 0),
  });
  const callPath = (uuid: string) => `v1/calls/${encodeURIComponent(uuid)}`;

  const toCall = (data: VonageCallDetail, raw: unknown): ProviderCall => {
    const { status, providerStatus, answeredBy } = toVonageStatus(data.status);
    return { id: data.uuid, status, providerStatus, raw, ...(answeredBy && { answeredBy }) };
  };

  async function call<T>(request: Parameters<typeof http.request<T>>[0]) {
    try {
      return await http.request(request);
    } catch (error) {
      throw toVonageError(error);
    }
  }

  async function getCall(id: string, { signal }: { signal?: AbortSignal } = {}) {
    const { data, raw } = await call({
      method: 'get',
      path: callPath(id),
      schema: callDetailSchema,
      signal,
    });
    return toCall(data, raw);
  }

  /** Calls to `to` from `sender` begun at `since` or later, newest first. */
  async function listSince(
    to: string,
    sender: string,
    since: number,
    signal?: AbortSignal,
  ): Promise<ListedCall<ProviderCall>[]> {
    const found: ListedCall<ProviderCall>[] = [];
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const { data, raw } = await call({
        method: 'get',
        path: 'v1/calls',
        searchParams: listQuery(since, page),
        schema: callPageSchema,
        signal,
      });
      const listed = data._embedded?.calls ?? [];
      const raws = (raw as { _embedded?: { calls?: unknown[] } })._embedded?.calls ?? [];
      found.push(
        ...candidatesOf(listed, {
          to,
          from: sender,
          since,
          toCall: (c) => toCall(c, raws[listed.indexOf(c)]),
        }),
      );
      if (listed.length < PAGE_SIZE) break;
    }
    return found;
  }

  /**
   * Hangs the call up (`PUT` with `action: 'hangup'`, safe to send twice). A call that ended
   * meanwhile is refused by Vonage with a `4xx`: it is read back as it is.
   */
  async function hangUp(id: string, answered: boolean, signal?: AbortSignal) {
    try {
      const { raw } = await call({
        method: 'put',
        path: callPath(id),
        json: { action: 'hangup' },
        schema: z.unknown(),
        signal,
      });
      return answered
        ? ({ id, status: 'completed', providerStatus: 'completed', raw } satisfies ProviderCall)
        : ({ id, status: 'canceled', providerStatus: 'cancelled', raw } satisfies ProviderCall);
    } catch (error) {
      if (!isHttpError(error) || error.status < 400 || error.status >= 500) throw error;
      const current = await getCall(id, { ...(signal && { signal }) }).catch(() => undefined);
      if (current !== undefined && isTerminal(current.status)) return current;
      throw error;
    }
  }

  /**
   * One placement: the `POST`, and the look-up that reconciles an answer of unknown outcome.
   * Vonage takes no key that makes a repeated create a no-op and keeps nothing of ours on the
   * call, so a call is matched as Twilio's are: by its numbers and its time, and adopted only
   * when no other placement of this client to that number can own it.
   */
  async function place(
    to: string,
    sender: string,
    body: VonageCreateCallBody,
    signal: AbortSignal | undefined,
    span: SpanLike | undefined,
    beforeSend?: () => void | Promise<void>,
  ): Promise<ProviderCall> {
    const placement = ledger.begin(to);
    try {
      const { data, raw } = await call({
        method: 'post',
        path: 'v1/calls',
        json: body,
        schema: createdSchema,
        signal,
        paced: true,
        span,
        beforeSend,
      });
      ledger.claim(data.uuid);
      placement.settle('placed');
      const { status, providerStatus } = toVonageStatus(data.status ?? 'started');
      return { id: data.uuid, status, providerStatus, raw };
    } catch (error) {
      const ambiguous = isAmbiguousPlacement(error) && !signal?.aborted;
      placement.settle(ambiguous ? 'ambiguous' : 'refused');
      if (!ambiguous || reconciling === null) throw error;
      const since = Math.floor((placement.startedAt - reconciling.skewMs) / 1000) * 1000;
      let found: ListedCall<ProviderCall> | undefined;
      try {
        found = await findPlacedCall({
          clock,
          placement,
          options: reconciling,
          ledger,
          list: () => listSince(vonageNumber(to), vonageNumber(sender), since, signal),
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

  const provider: VonageProvider = {
    name: options.name ?? 'vonage',
    capabilities: { polling: true, webhooks: true, options: VONAGE_CALL_OPTIONS },

    placeCall(request) {
      return http.placement('vonage', async (span) => {
        const phone = toE164(request.to, { defaultCountry });
        const callOptions = parseCallOptions(provider, callOptionsOf(request));
        const body = calls.build(phone, callOptions);
        const sender = `+${body.from.number}`;
        return place(phone, sender, body, request.signal, span, request.beforeSend);
      });
    },

    checkCallOptions(callOptions) {
      calls.check(callOptions);
    },

    getCall,

    async cancelCall(id, { signal } = {}) {
      const current = await getCall(id, { ...(signal && { signal }) });
      // Vonage has no request that ends a call only while it rings: the call is read first, and
      // one answered (or ended) is left as it is.
      if (isTerminal(current.status) || current.status === 'answered') return current;
      return hangUp(id, false, signal);
    },

    async hangUpCall(id, { signal } = {}) {
      const current = await getCall(id, { ...(signal && { signal }) });
      if (isTerminal(current.status)) return current;
      return hangUp(id, current.status === 'answered', signal);
    },
  };
  return provider;
}
