import { z } from 'zod';
import { createHttpClient } from '../http/_client.js';
import { httpClientOptionsSchema, type HttpClientOptions } from '../http/_options.js';
import { providerIdSchema, providerStatusSchema, toStatus } from './_schemas.js';
import { callOptionsOf, parseCallOptions } from './call-options.js';
import { practiceConnect } from './_practice-connect.js';
import { InvalidOptionsError } from '../errors/errors.js';
import { toE164, type CountryCode } from '../phone.js';
import type { CallProvider } from './provider.js';

/** Options of {@link createNumDialerClient}: the shared HTTP options, and its own. */
export interface NumDialerClientOptions extends HttpClientOptions {
  /**
   * Where the API lives.
   * @default 'http://localhost:4830'
   */
  baseUrl?: string;
  /**
   * The URL the provider POSTs status webhooks to. It is the only thing that authenticates a
   * webhook, so it must carry an unguessable token (see {@link createWebhookToken}).
   * @example 'https://app.example/webhooks/dialer/3q2-…'
   */
  webhookUrl: string;
  /**
   * The country assumed for numbers written without a country code.
   * @default 'US'
   */
  defaultCountry?: CountryCode;
}

const optionsSchema = httpClientOptionsSchema.extend({
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  webhookUrl: z.url({ protocol: /^https?$/ }),
  defaultCountry: z.string().length(2).optional(),
});

const placedSchema = z.looseObject({
  id: providerIdSchema,
  status: providerStatusSchema.optional(),
});

/**
 * A client for the webhook flavour ("Num Dialer API"): `POST /call` with the number and a
 * webhook URL answers `{ id }`; statuses then arrive as webhooks, which
 * {@link createWebhookHandler} receives (with `answeredBy` where a webhook says `answered_by`).
 * The flavour has no status endpoint. An answered call is connected to an agent with
 * `connectCall` (`POST /call/{id}/connect`, `{ to, ringS }`) or ended with a message with
 * `abandonCall` (`POST /call/{id}/abandon`, `{ message }`): an extension of the API that its
 * simulator plays. Either is refused with an `HttpError` of status `409` for a call not
 * answered, ended, or already connected or abandoned, and neither is sent again once it may have
 * arrived (it would ring the agent twice).
 *
 * @example
 * const provider = createNumDialerClient({ webhookUrl: `${publicUrl}/webhooks/dialer/${token}` });
 */
export function createNumDialerClient(
  options: NumDialerClientOptions,
): CallProvider & Required<Pick<CallProvider, 'connectCall' | 'abandonCall'>> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw new InvalidOptionsError('createNumDialerClient', parsed.error.issues);
  const defaultCountry = options.defaultCountry ?? 'US';
  const http = createHttpClient(options.baseUrl ?? 'http://localhost:4830', options);

  const callPath = (id: string) => `call/${encodeURIComponent(id)}`;

  const provider: CallProvider & Required<Pick<CallProvider, 'connectCall' | 'abandonCall'>> = {
    name: options.name ?? 'num-dialer',
    capabilities: { polling: false, webhooks: true, options: [] },
    placeCall(request) {
      const { to, signal, beforeSend } = request;
      return http.placement('num-dialer', async (span) => {
        parseCallOptions(provider, callOptionsOf(request));
        const phone = toE164(to, { defaultCountry }).slice(1);
        const { data, raw } = await http.request({
          method: 'post',
          paced: true,
          path: 'call',
          json: { phone, webhookURL: options.webhookUrl },
          schema: placedSchema,
          signal,
          span,
          beforeSend,
        });
        return { id: data.id, ...toStatus(data.status), raw };
      });
    },
    ...practiceConnect({ http, callPath, ringKey: 'ringS', schema: placedSchema, defaultCountry }),
  };
  return provider;
}
