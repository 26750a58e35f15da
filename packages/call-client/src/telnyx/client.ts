import { randomUUID } from 'node:crypto';
import { systemClock, type SpanLike } from '@ringkit/internal';
import { z } from 'zod';
import { createHttpClient } from '../http/_client.js';
import { sharedHttpOptions } from '../http/_options.js';
import { callOptionsOf, parseCallOptions } from '../providers/call-options.js';
import { InvalidOptionsError } from '../errors/errors.js';
import { isAmbiguousPlacement } from '../errors/placement.js';
import { toE164 } from '../phone.js';
import type { ProviderCall } from '../providers/provider.js';
import { callControlIdSchema } from './_ids.js';
import { createDialBuilder, TELNYX_MAX_SPEAK, type TelnyxDialBody } from './_params.js';
import { activeCallsSchema, findDialledCall, TELNYX_RECONCILE_DEFAULTS } from './_reconcile.js';
import { inboundCommandDue, inboundSettingsOf, type InboundCommand } from './_inbound-commands.js';
import { readInboundEvent } from './_inbound-event.js';
import { abandonSpokenOf, answeredCallOf, speechDue } from './_speech.js';
import { ABANDON_STATE } from './_state.js';
import { abandonMessage, connectTarget } from '../providers/_connect.js';
import { CALL_ALREADY_ENDED, isTelnyxApiError, toTelnyxError } from './errors.js';
import {
  optionsSchema,
  TELNYX_CALL_OPTIONS,
  TELNYX_NOT_ACCEPTED,
  type TelnyxClientOptions,
  type TelnyxProvider,
} from './options.js';

const dialSchema = z.looseObject({
  data: z.looseObject({ call_control_id: callControlIdSchema }),
});

const statusSchema = z.looseObject({
  data: z.looseObject({
    call_control_id: callControlIdSchema,
    is_alive: z.boolean(),
    call_duration: z.number().nonnegative().nullish(),
  }),
});

const commandSchema = z.looseObject({ data: z.unknown().optional() });

/**
 * A client for Telnyx Call Control v2: dials (`POST /v2/calls`, paced by `callsPerSecond`),
 * speaks `say` once a call is answered (`actions/speak`, see `actOnWebhook`), reads a call
 * (`GET /v2/calls/{id}`), hangs up (`actions/hangup`) and reconciles a dial of unknown outcome
 * through the connection's active calls, and answers calls to the app's own numbers by its
 * `inbound` policy (voicemail, forward, reject). Calls are followed by their webhooks (see
 * {@link createExpressTelnyxWebhookHandler}): Telnyx's look-up tells whether a call is alive and
 * answered, not how it ended, so `capabilities.polling` is `false`.
 *
 * @example
 * const telnyx = createTelnyxClient({
 *   apiKey: process.env.TELNYX_API_KEY!,
 *   connectionId: process.env.TELNYX_CONNECTION_ID!,
 *   from: '+14155550100',
 *   webhookUrl: 'https://app.example/webhooks/telnyx',
 * });
 * const call = await telnyx.placeCall({ to: '+14155552671', say: 'Your table is ready.' });
 */
export function createTelnyxClient(options: TelnyxClientOptions): TelnyxProvider {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw new InvalidOptionsError('createTelnyxClient', parsed.error.issues);
  const defaultCountry = options.defaultCountry ?? 'US';
  const from = toE164(options.from, { defaultCountry });
  const { connectionId, webhookUrl } = parsed.data;
  const voice = options.voice ?? 'female';
  const language = options.language ?? 'en-US';
  const dial = createDialBuilder({ connectionId, from, defaultCountry, webhookUrl });
  const inbound =
    options.inbound && inboundSettingsOf(options.inbound, { defaultCountry, voice, language });
  const http = createHttpClient(
    options.baseUrl ?? 'https://api.telnyx.com',
    {
      ...sharedHttpOptions(options),
      headers: { ...options.headers, authorization: `Bearer ${parsed.data.apiKey}` },
    },
    { notAcceptedStatuses: TELNYX_NOT_ACCEPTED },
  );
  const reconciling =
    options.reconcile === false ? null : { ...TELNYX_RECONCILE_DEFAULTS, ...options.reconcile };
  const clock = options.clock ?? systemClock;
  const callPath = (id: string) => `v2/calls/${encodeURIComponent(id)}`;
  /**
   * Calls this client saw answered (`actOnWebhook`), the newest 10,000: Telnyx's look-up counts
   * talk in whole seconds, so a call answered less than a second ago may read as not answered.
   */
  const answered = new Set<string>();
  const noteAnswered = (id: string) => {
    answered.add(id);
    if (answered.size > 10_000) answered.delete(answered.values().next().value as string);
  };

  async function call<T>(request: Parameters<typeof http.request<T>>[0]) {
    try {
      return await http.request(request);
    } catch (error) {
      throw toTelnyxError(error);
    }
  }

  async function getCall(id: string, { signal }: { signal?: AbortSignal } = {}) {
    const { data, raw } = await call({
      method: 'get',
      path: callPath(id),
      schema: statusSchema,
      signal,
    });
    const { is_alive: alive, call_duration: duration } = data.data;
    const talked = (duration ?? 0) > 0 || answered.has(id);
    // Telnyx's look-up says whether the call is alive and how long it talked, not how it ended:
    // an ended call that never talked is `failed` here; its webhook tells the real end.
    const status: ProviderCall['status'] = alive
      ? talked
        ? 'answered'
        : 'initiated'
      : talked
        ? 'completed'
        : 'failed';
    return { id, status, providerStatus: alive ? 'alive' : 'ended', raw } satisfies ProviderCall;
  }

  /** `actions/hangup`; a call that ended meanwhile is read back as it is. */
  async function hangUp(
    id: string,
    answered: boolean,
    signal?: AbortSignal,
  ): Promise<ProviderCall> {
    try {
      const { raw } = await call({
        method: 'post',
        path: `${callPath(id)}/actions/hangup`,
        json: { command_id: `hangup-${id}`.slice(0, 256) },
        idempotent: true,
        schema: commandSchema,
        signal,
      });
      return answered
        ? { id, status: 'completed', providerStatus: 'normal_clearing', raw }
        : { id, status: 'canceled', providerStatus: 'originator_cancel', raw };
    } catch (error) {
      if (isTelnyxApiError(error) && error.telnyxCode === CALL_ALREADY_ENDED)
        return getCall(id, { ...(signal && { signal }) });
      throw error;
    }
  }

  /** One dial, and the look-up that reconciles an ambiguous answer. */
  async function place(
    body: TelnyxDialBody,
    placementId: string,
    signal: AbortSignal | undefined,
    span: SpanLike | undefined,
    beforeSend?: () => void | Promise<void>,
  ): Promise<ProviderCall> {
    try {
      const { data, raw } = await call({
        method: 'post',
        path: 'v2/calls',
        json: body,
        schema: dialSchema,
        signal,
        paced: true,
        span,
        beforeSend,
      });
      return {
        id: data.data.call_control_id,
        status: 'initiated',
        providerStatus: 'initiated',
        raw,
      };
    } catch (error) {
      if (!isAmbiguousPlacement(error) || signal?.aborted || reconciling === null) throw error;
      let found;
      try {
        found = await findDialledCall({
          placementId,
          options: reconciling,
          clock,
          signal,
          list: async (page, size) => {
            const searchParams = new URLSearchParams({
              'page[number]': String(page),
              'page[size]': String(size),
            });
            const path = `v2/connections/${encodeURIComponent(connectionId)}/active_calls`;
            return (
              await call({ method: 'get', path, searchParams, schema: activeCallsSchema, signal })
            ).data;
          },
        });
      } catch {
        found = undefined; // a failed look-up never becomes a second dial
      }
      if (!found) throw error;
      const answered = (found.call_duration ?? 0) > 0;
      return {
        id: found.call_control_id,
        status: answered ? 'answered' : 'initiated',
        providerStatus: 'alive',
        raw: found,
        reconciled: true,
      };
    }
  }

  /** One inbound command; `false` when the call had already ended (nothing left to do). */
  async function command(
    { callId, action, method, body }: InboundCommand,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    try {
      await call({
        method,
        path: `${callPath(callId)}/actions/${action}`,
        json: body,
        idempotent: true,
        schema: commandSchema,
        signal,
      });
      return true;
    } catch (error) {
      if (isTelnyxApiError(error) && error.telnyxCode === CALL_ALREADY_ENDED) return false;
      throw error;
    }
  }

  /**
   * Sends `body` to `action` of the call: retried freely, since Telnyx ignores a repeat of a
   * `command_id` it took for the call.
   */
  async function act(
    id: string,
    action: string,
    body: Record<string, unknown>,
    signal?: AbortSignal,
  ) {
    await call({
      method: 'post',
      path: `${callPath(id)}/actions/${action}`,
      json: body,
      idempotent: true,
      schema: commandSchema,
      signal,
    });
  }

  async function speak(
    id: string,
    text: string,
    { commandId, signal }: { commandId?: string; signal?: AbortSignal } = {},
  ) {
    await call({
      method: 'post',
      path: `${callPath(id)}/actions/speak`,
      json: {
        payload: text,
        payload_type: 'text',
        voice,
        language,
        ...(commandId && { command_id: commandId }),
      },
      idempotent: commandId !== undefined,
      schema: commandSchema,
      signal,
    });
  }

  const provider: TelnyxProvider = {
    name: options.name ?? 'telnyx',
    capabilities: {
      polling: false,
      webhooks: true,
      options: TELNYX_CALL_OPTIONS,
      statuses: ['initiated', 'answered'],
    },

    placeCall(request) {
      return http.placement('telnyx', async (span) => {
        const phone = toE164(request.to, { defaultCountry });
        const placementId = randomUUID();
        const body = dial.build(
          phone,
          parseCallOptions(provider, callOptionsOf(request)),
          placementId,
        );
        return place(body, placementId, request.signal, span, request.beforeSend);
      });
    },

    checkCallOptions(options) {
      dial.check(options);
    },

    getCall,

    async cancelCall(id, { signal } = {}) {
      const current = await getCall(id, { ...(signal && { signal }) });
      // Telnyx has no command that ends a call only while it rings: the call is read first, and
      // one answered (or ended) is left as it is.
      if (current.status !== 'initiated') return current;
      return hangUp(id, false, signal);
    },

    async hangUpCall(id, { signal } = {}) {
      const current = await getCall(id, { ...(signal && { signal }) });
      if (current.providerStatus === 'ended') return current;
      return hangUp(id, current.status === 'answered', signal);
    },

    speak,

    async connectCall(id, to, options = {}) {
      const target = connectTarget(to, options, defaultCountry);
      await act(
        id,
        'transfer',
        {
          to: target.to,
          from,
          timeout_secs: target.ringS,
          command_id: `connect-${id}`.slice(0, 256),
        },
        options.signal,
      );
    },

    async abandonCall(id, message, { signal } = {}) {
      const payload = abandonMessage(message, TELNYX_MAX_SPEAK);
      // Its `client_state` tells `actOnWebhook` to hang up once the message has been spoken.
      await act(
        id,
        'speak',
        {
          payload,
          payload_type: 'text',
          voice,
          language,
          client_state: ABANDON_STATE,
          command_id: `abandon-${id}`.slice(0, 256),
        },
        signal,
      );
    },

    async actOnWebhook(body, { signal } = {}) {
      const id = answeredCallOf(body);
      if (id !== undefined) noteAnswered(id);
      const ended = abandonSpokenOf(body);
      if (ended !== undefined) {
        const call = await hangUp(ended, true, signal);
        return call.providerStatus === 'normal_clearing' ? 'hung_up' : null;
      }
      const incoming = readInboundEvent(body);
      if (incoming !== undefined) {
        const due = inbound && inboundCommandDue(incoming, inbound);
        if (!due) return null;
        return (await command(due, signal)) ? due.done : null;
      }
      const due = speechDue(body);
      if (due === null) return null;
      try {
        await speak(due.callId, due.text, { commandId: due.commandId, ...(signal && { signal }) });
      } catch (error) {
        if (isTelnyxApiError(error) && error.telnyxCode === CALL_ALREADY_ENDED) return null;
        throw error;
      }
      return 'spoke';
    },
  };
  return provider;
}
