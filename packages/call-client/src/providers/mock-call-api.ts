import { z } from 'zod';
import { createHttpClient } from '../http/_client.js';
import { httpClientOptionsSchema, type HttpClientOptions } from '../http/_options.js';
import { providerIdSchema, providerStatusSchema, toStatus } from './_schemas.js';
import { callOptionsOf, mapAnsweredBy, parseCallOptions } from './call-options.js';
import { practiceConnect } from './_practice-connect.js';
import { InvalidOptionsError } from '../errors/errors.js';
import { toE164, type CountryCode } from '../phone.js';
import type { CallProvider, PlaceCallRequest } from './provider.js';

/** Options of {@link createMockCallApiClient}: the shared HTTP options, and its own. */
export interface MockCallApiClientOptions extends HttpClientOptions {
  /**
   * Where the API lives.
   * @default 'http://localhost:5000'
   */
  baseUrl?: string;
  /**
   * The country assumed for numbers written without a country code.
   * @default 'US'
   */
  defaultCountry?: CountryCode;
}

const optionsSchema = httpClientOptionsSchema.extend({
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  defaultCountry: z.string().length(2).optional(),
});

const callSchema = z.looseObject({
  id: providerIdSchema,
  status: providerStatusSchema,
  // An extension a server may add once a call is answered: who answered it.
  answered_by: z.string().max(64).nullish().catch(undefined),
});

/**
 * A client for the polling flavour ("Mock Call API"): `POST /api/call` places a call,
 * `GET /api/call/{id}` reads its status. Follow a call with {@link watchCall}. An answered call
 * is connected to an agent with `connectCall` (`POST /api/call/{id}/connect`, `{ to, ring_s }`)
 * or ended with a message with `abandonCall` (`POST /api/call/{id}/abandon`, `{ message }`): an
 * extension of the API that its simulator plays. Either is refused with an `HttpError` of status
 * `409` for a call not answered, ended, or already connected or abandoned, and neither is sent
 * again once it may have arrived (it would ring the agent twice). Where the server says who
 * answered (`answered_by`: `human`, `machine`), the call's `answeredBy` says it too.
 *
 * @example
 * const provider = createMockCallApiClient({ baseUrl: 'http://localhost:5000' });
 * const call = await provider.placeCall({ to: '+14155552671' });
 */
export function createMockCallApiClient(
  options: MockCallApiClientOptions = {},
): CallProvider & Required<Pick<CallProvider, 'getCall' | 'connectCall' | 'abandonCall'>> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success)
    throw new InvalidOptionsError('createMockCallApiClient', parsed.error.issues);
  const defaultCountry = options.defaultCountry ?? 'US';
  const http = createHttpClient(options.baseUrl ?? 'http://localhost:5000', options);

  const toCall = ({ data, raw }: { data: z.infer<typeof callSchema>; raw: unknown }) => {
    const answeredBy = mapAnsweredBy(data.answered_by);
    return { id: data.id, ...toStatus(data.status), raw, ...(answeredBy && { answeredBy }) };
  };
  const callPath = (id: string) => `api/call/${encodeURIComponent(id)}`;

  const provider = {
    name: options.name ?? 'mock-call-api',
    capabilities: { polling: true, webhooks: false, options: [] },
    placeCall(request: PlaceCallRequest) {
      const { to, signal, beforeSend } = request;
      return http.placement('mock-call-api', async (span) => {
        parseCallOptions(provider, callOptionsOf(request));
        const phone = toE164(to, { defaultCountry });
        return toCall(
          await http.request({
            method: 'post',
            paced: true,
            path: 'api/call',
            json: { phone_number: phone },
            schema: callSchema,
            signal,
            span,
            beforeSend,
          }),
        );
      });
    },
    async getCall(id: string, { signal }: { signal?: AbortSignal } = {}) {
      return toCall(
        await http.request({
          method: 'get',
          path: callPath(id),
          schema: callSchema,
          signal,
        }),
      );
    },
    ...practiceConnect({ http, callPath, ringKey: 'ring_s', schema: callSchema, defaultCountry }),
  };
  return provider;
}
