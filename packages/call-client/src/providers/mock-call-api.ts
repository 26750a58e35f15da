import { z } from 'zod';
import { createHttpClient } from '../http/_client.js';
import { httpClientOptionsSchema, type HttpClientOptions } from '../http/_options.js';
import { providerIdSchema, providerStatusSchema, toStatus } from './_schemas.js';
import { callOptionsOf, parseCallOptions } from './call-options.js';
import { InvalidOptionsError } from '../errors/errors.js';
import { toE164, type CountryCode } from '../phone.js';
import type { CallProvider, PlaceCallRequest, ProviderCall } from './provider.js';

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

const callSchema = z.looseObject({ id: providerIdSchema, status: providerStatusSchema });

/**
 * A client for the polling flavour ("Mock Call API"): `POST /api/call` places a call,
 * `GET /api/call/{id}` reads its status. Follow a call with {@link watchCall}.
 *
 * @example
 * const provider = createMockCallApiClient({ baseUrl: 'http://localhost:5000' });
 * const call = await provider.placeCall({ to: '+14155552671' });
 */
export function createMockCallApiClient(options: MockCallApiClientOptions = {}): CallProvider & {
  getCall(id: string, options?: { signal?: AbortSignal }): Promise<ProviderCall>;
} {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success)
    throw new InvalidOptionsError('createMockCallApiClient', parsed.error.issues);
  const defaultCountry = options.defaultCountry ?? 'US';
  const http = createHttpClient(options.baseUrl ?? 'http://localhost:5000', options);

  const toCall = ({ data, raw }: { data: z.infer<typeof callSchema>; raw: unknown }) => ({
    id: data.id,
    ...toStatus(data.status),
    raw,
  });

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
          path: `api/call/${encodeURIComponent(id)}`,
          schema: callSchema,
          signal,
        }),
      );
    },
  };
  return provider;
}
