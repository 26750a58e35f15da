/**
 * `@ringkit/simulator/msw`: the simulator of every Call API flavour (polling, webhook,
 * Twilio, Telnyx, SignalWire) as MSW request handlers (needs `msw` ≥ 3), with the same behaviour and knobs as the HTTP
 * simulator.
 */
import { bypass, http, HttpResponse, type HttpHandler, type JsonBodyType } from 'msw';
import { z } from 'zod';
import { createSimulatorEngine } from './_engine.js';
import { ringAppOf } from './_inbound.js';
import { knobsSchema, parseOptions, resolveKnobs } from './_options.js';
import {
  createStatusCallbackDeliverer,
  createTelnyxWebhookDeliverer,
  createWebhookDeliverer,
} from './_webhook.js';
import type { RingAppOptions, SimulatedCall, SimulatorFlavour, SimulatorKnobs } from './types.js';

/** Options of {@link createCallApiMock} and {@link createCallApiHandlers}: the shared knobs plus a base URL. */
export interface CallApiMockOptions extends SimulatorKnobs {
  /**
   * Where the mocked provider lives; every request under it is answered, unknown routes with 404.
   * @default 'http://localhost:5000' for polling, 'http://localhost:4830' for webhook,
   * 'https://api.twilio.com' for twilio, 'https://api.telnyx.com' for telnyx,
   * 'https://example.signalwire.com' (a space's URL) for signalwire, 'https://api.nexmo.com'
   * (Vonage's API host) for vonage
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
  /**
   * Telnyx flavour: the Ed25519 public key its webhooks are verified with (base64 of the raw 32
   * bytes, as Telnyx's portal shows one). Absent for the other flavours.
   */
  publicKey?: string;
  /**
   * Twilio, SignalWire, Telnyx and Vonage flavours: rings an app with an inbound call now and
   * returns its id, as `startCallApiSimulator`'s `ringApp` does; its requests go out through
   * `bypass()`, and its recordings' URLs are under `baseUrl`.
   */
  ringApp(options?: RingAppOptions): string;
}

const DEFAULT_BASE_URLS: Record<SimulatorFlavour, string> = {
  polling: 'http://localhost:5000',
  webhook: 'http://localhost:4830',
  twilio: 'https://api.twilio.com',
  telnyx: 'https://api.telnyx.com',
  signalwire: 'https://example.signalwire.com',
  vonage: 'https://api.nexmo.com',
};

const mockOptions = knobsSchema({
  baseUrl: z.url({ protocol: /^https?$/, error: 'baseUrl must be an http(s) URL' }).optional(),
});

/**
 * A mocked provider of any flavour for MSW, with the same behaviour as
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
    send: (url, init) => fetch(bypass(url, init)),
    baseUrl: () => `${base.origin}${basePath}`,
    defaultDeliverer: createWebhookDeliverer((url, init) => fetch(bypass(url, init))),
    defaultCallbackDeliverer: createStatusCallbackDeliverer((url, init) =>
      fetch(bypass(url, init)),
    ),
    defaultTelnyxDeliverer: createTelnyxWebhookDeliverer((url, init) => fetch(bypass(url, init))),
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
      if (response.body instanceof Uint8Array) {
        const { status, headers } = response;
        return new HttpResponse(response.body as Uint8Array<ArrayBuffer>, { status, headers });
      }
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
    ringApp: ringAppOf(engine, parsed.flavour),
    ...(engine.publicKey === undefined ? {} : { publicKey: engine.publicKey }),
  };
}

/**
 * MSW handlers that play the polling, the webhook, the Twilio, the Telnyx or the SignalWire
 * provider, for `setupServer(...createCallApiHandlers({ flavour: 'polling' }))`. Use
 * {@link createCallApiMock} to see the calls created or to stop pending webhooks.
 */
export function createCallApiHandlers(options: CallApiMockOptions): HttpHandler[] {
  return createCallApiMock(options).handlers;
}
