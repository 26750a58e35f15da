/**
 * `@ringkit/simulator/msw`: the simulator of every Call API flavour (polling, webhook,
 * Twilio) as MSW request handlers (needs `msw` ≥ 3), with the same behaviour and knobs as the HTTP
 * simulator.
 */
import { bypass, http, HttpResponse, type HttpHandler, type JsonBodyType } from 'msw';
import { z } from 'zod';
import { createSimulatorEngine } from './_engine.js';
import { knobsSchema, parseOptions, resolveKnobs } from './_options.js';
import { createStatusCallbackDeliverer, createWebhookDeliverer } from './_webhook.js';
import type { SimulatedCall, SimulatorFlavour, SimulatorKnobs } from './types.js';

/** Options of {@link createCallApiMock} and {@link createCallApiHandlers}: the shared knobs plus a base URL. */
export interface CallApiMockOptions extends SimulatorKnobs {
  /**
   * Where the mocked provider lives; every request under it is answered, unknown routes with 404.
   * @default 'http://localhost:5000' for polling, 'http://localhost:4830' for webhook,
   * 'https://api.twilio.com' for twilio
   */
  baseUrl?: string;
}

/** A mocked provider for MSW, with a view of the calls it created. */
export interface CallApiMock {
  flavour: SimulatorFlavour;
  /** The base URL the handlers answer under, without a trailing slash. */
  baseUrl: string;
  /** Give these to `setupServer(...)` or `server.use(...)`. */
  handlers: HttpHandler[];
  /** The calls created so far, each with its status now. */
  calls(): SimulatedCall[];
  /** Clears timers and aborts webhook deliveries; later requests are answered 503. */
  close(): void;
}

const DEFAULT_BASE_URLS: Record<SimulatorFlavour, string> = {
  polling: 'http://localhost:5000',
  webhook: 'http://localhost:4830',
  twilio: 'https://api.twilio.com',
};

const mockOptions = knobsSchema({
  baseUrl: z.url({ protocol: /^https?$/, error: 'baseUrl must be an http(s) URL' }).optional(),
});

/**
 * A mocked provider of either flavour for MSW, with the same behaviour as
 * {@link startCallApiSimulator}. Webhooks are sent for real, through `bypass()`, so a local
 * receiver gets them even while MSW intercepts `fetch`.
 *
 * @example
 * const mock = createCallApiMock({ flavour: 'webhook', stepMs: 5 });
 * server.use(...mock.handlers);
 * // …
 * mock.close();
 */
export function createCallApiMock(options: CallApiMockOptions): CallApiMock {
  const parsed = parseOptions(mockOptions, options, 'call API mock');
  const base = new URL(parsed.baseUrl ?? DEFAULT_BASE_URLS[parsed.flavour]);
  const basePath = base.pathname.replace(/\/+$/, '');
  const engine = createSimulatorEngine(resolveKnobs(parsed), {
    defaultDeliverer: createWebhookDeliverer((url, init) => fetch(bypass(url, init))),
    defaultCallbackDeliverer: createStatusCallbackDeliverer((url, init) =>
      fetch(bypass(url, init)),
    ),
  });

  /** The path below the base URL, or `undefined` for a request elsewhere. */
  const pathBelowBase = (requestUrl: string): string | undefined => {
    const url = new URL(requestUrl);
    if (url.origin !== base.origin) return undefined;
    if (url.pathname === basePath) return '/';
    return url.pathname.startsWith(`${basePath}/`)
      ? url.pathname.slice(basePath.length)
      : undefined;
  };

  const handler = http.all(
    ({ request }) => pathBelowBase(request.url) !== undefined,
    async ({ request }) => {
      const body = new Uint8Array(await request.arrayBuffer());
      const response = await engine.handle({
        method: request.method,
        path: pathBelowBase(request.url) ?? '/',
        query: new URL(request.url).search.slice(1),
        headers: Object.fromEntries(request.headers),
        contentType: request.headers.get('content-type') ?? undefined,
        body,
        bodySize: body.byteLength,
      });
      return HttpResponse.json(response.body as JsonBodyType, {
        status: response.status,
        headers: response.headers,
      });
    },
  );

  return {
    flavour: parsed.flavour,
    baseUrl: `${base.origin}${basePath}`,
    handlers: [handler],
    calls: () => engine.calls(),
    close: () => engine.close(),
  };
}

/**
 * MSW handlers that play the polling, the webhook or the Twilio provider, for
 * `setupServer(...createCallApiHandlers({ flavour: 'polling' }))`. Use {@link createCallApiMock}
 * to see the calls created or to stop pending webhooks.
 */
export function createCallApiHandlers(options: CallApiMockOptions): HttpHandler[] {
  return createCallApiMock(options).handlers;
}
