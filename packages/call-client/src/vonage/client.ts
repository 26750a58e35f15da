import { type SpanLike, systemClock } from '@ringkit/internal';
import { z } from 'zod';
import { createHttpClient } from '../http/_client.js';
import { sharedHttpOptions } from '../http/_options.js';
import { callOptionsOf, parseCallOptions } from '../providers/call-options.js';
import { InvalidOptionsError, isHttpError } from '../errors/errors.js';
import { isAmbiguousPlacement } from '../errors/placement.js';
import { toE164 } from '../phone.js';
import type { ProviderCall } from '../providers/provider.js';
import { isTerminal } from '../status.js';
import {
  createPlacementLedger,
  findPlacedCall,
  RECONCILE_DEFAULTS,
  type ListedCall,
} from '../twilio/_reconcile.js';
import { connectTransfers, type VonageTransferBody } from './_connect.js';
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
import {
  optionsSchema,
  VONAGE_CALL_OPTIONS,
  VONAGE_NOT_ACCEPTED,
  type VonageClientOptions,
  type VonageProvider,
} from './client-options.js';

const createdSchema = z.looseObject({
  uuid: callUuidSchema,
  status: z.string().trim().min(1).max(64).nullish(),
});

const DEFAULT_TEXT = 'Hello. This is an automated call.';

/**
 * A client for Vonage's Voice API (v1): places calls (`POST /v1/calls`, paced by
 * `callsPerSecond`) with an NCCO that speaks `say` (a `talk` action) or with an answer URL, reads
 * them (`GET /v1/calls/{uuid}`), lists them to reconcile a placement of unknown outcome, and ends
 * them (`PUT /v1/calls/{uuid}` with `action: 'hangup'`); connects an answered call to an agent, or
 * ends it with a message, by transferring it to an NCCO (`action: 'transfer'`). Every request carries a JWT signed with
 * the application's private key, put on each attempt as it leaves (a retry included), so none
 * carries a token near its end. Follow calls by the events sent to `eventUrl` or by polling
 * with `watchCall`.
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
  // Tokens are dated on the real time, which Vonage checks them against: not on `clock`.
  const jwt = createJwtSource({
    applicationId: parsed.data.applicationId,
    key,
    now: Date.now,
    ttlS: options.tokenTtlS ?? 900,
  });
  const http = createHttpClient(
    options.baseUrl ?? 'https://api.nexmo.com',
    {
      ...sharedHttpOptions(options),
      ...(options.headers && { headers: options.headers }),
      attemptHeaders: () => ({ authorization: `Bearer ${jwt.token()}` }),
    },
    { notAcceptedStatuses: VONAGE_NOT_ACCEPTED },
  );
  const reconciling = reconcile === false ? null : { ...RECONCILE_DEFAULTS, ...reconcile };
  const ledger = createPlacementLedger({
    now: () => clock.now(),
    keepMs: 60_000 + (reconciling?.skewMs ?? 0),
  });
  const callPath = (uuid: string) => `v1/calls/${encodeURIComponent(uuid)}`;
  const transfers = connectTransfers(from, defaultCountry, talk);

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
   * Gives the answered call a new NCCO (`PUT` with `action: 'transfer'`). Sent once and never
   * again, whatever befalls it: a second one would start the NCCO over (ring the agent twice).
   */
  async function transferTo(id: string, body: VonageTransferBody, signal?: AbortSignal) {
    await call({
      method: 'put',
      path: callPath(id),
      json: body,
      schema: z.unknown(),
      signal,
      retry: false,
    });
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

    async connectCall(id, to, options = {}) {
      await transferTo(id, transfers.connect(to, options), options.signal);
    },

    async abandonCall(id, message, { signal } = {}) {
      await transferTo(id, transfers.abandon(message), signal);
    },
  };
  return provider;
}
