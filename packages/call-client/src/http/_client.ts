import kyImport, {
  isHTTPError as isKyHttpError,
  isNetworkError as isKyNetworkError,
  isTimeoutError as isKyTimeoutError,
  TimeoutError as KyTimeoutError,
  type KyInstance,
  type ShouldRetryState,
} from 'ky';
import { z } from 'zod';
import {
  callsPerSecondSchema,
  type Clock,
  clockSchema,
  createTracing,
  endSpan,
  SPAN_KIND_CLIENT,
  type SpanLike,
  timerMsSchema,
  type TracerLike,
  tracerSchema,
} from '@ringkit/internal';
import {
  HttpError,
  isHttpError,
  ConnectionError,
  NOT_ACCEPTED_STATUSES,
  ResponseValidationError,
  RequestTimeoutError,
  type RequestInfo,
} from '../errors/errors.js';
import { CONNECT_ERRNOS, placementOutcomeOf } from '../errors/placement.js';
import type { ProviderCall } from '../providers/provider.js';
import { createPacer } from '../time/pacing.js';
import { nodeTransport } from './_transport.js';

/** When and how failed requests are retried. */
export interface RetryOptions {
  /**
   * Retries after the first attempt. `0` turns retries off.
   * @default 3
   */
  limit?: number;
  /**
   * The delay before the first retry; each further retry doubles it (full jitter applied).
   * @default 300
   */
  baseDelayMs?: number;
  /**
   * The longest delay between two attempts.
   * @default 10000
   */
  maxDelayMs?: number;
  /**
   * The longest wait a `Retry-After` header may ask for; longer asks are cut to this.
   * @default 30000
   */
  maxRetryAfterMs?: number;
}

/** Options every provider client shares. */
export interface HttpClientOptions {
  /**
   * Milliseconds to wait for an answer to one attempt.
   * @default 10000
   */
  timeoutMs?: number;
  /**
   * Milliseconds for a whole request, retries and their delays included.
   * @default 60000
   */
  totalTimeoutMs?: number;
  /**
   * Retry policy, or the number of retries. A request that creates a call is retried only when
   * the provider surely did not act on it: a connection that was never made, `429` or `503`.
   * Reads are also retried after a timeout, a reset connection and `408`/`500`/`502`/`504`.
   * Any other `4xx` never is.
   * @default { limit: 3 }
   */
  retry?: RetryOptions | number;
  /**
   * The `fetch` to send requests with, e.g. an instrumented one, or `globalThis.fetch` to go
   * through undici and its global dispatcher. Without it, requests go through Node's `http` and
   * `https` modules on their global agents (keep-alive), looked up on the module at each request
   * so that MSW, nock and OpenTelemetry's http instrumentation see them; redirects are not
   * followed.
   * @default Node's `http`/`https`
   */
  fetch?: typeof globalThis.fetch;
  /** Headers sent with every request, e.g. an `Authorization` header. */
  headers?: Record<string, string>;
  /**
   * The most calls `placeCall` starts in any one second (the provider's calls-per-second limit).
   * Calls over it wait their turn, spread evenly (a smooth token bucket), first come first
   * served; the dialer and the scheduler inherit it. Retries of a placement wait their turn too;
   * reads are not paced. The wait for a turn counts toward neither `timeoutMs` nor `totalTimeoutMs`.
   * Measured at the moments requests are handed to `fetch`, no half-open window of one second
   * holds more than `callsPerSecond` of them (the pacer is per client: share one client).
   * @default unlimited
   * @example callsPerSecond: 1 // a Twilio account's default CPS
   */
  callsPerSecond?: number;
  /**
   * The OpenTelemetry tracer of the `ringkit.place_call` spans, e.g. `provider.getTracer('app')`.
   * By default the one of the global tracer provider, when `@opentelemetry/api` is installed
   * (without a registered SDK, its spans cost next to nothing and go nowhere).
   */
  tracer?: TracerLike;
  /**
   * The clock placements are paced on (`callsPerSecond`) and, for the Twilio client, dated and
   * reconciled with. Tests pass `createFakeClock()` of `@ringkit/call-client/testing`; a request's
   * own time-outs stay on real time, as the network they measure is real.
   * @default the system clock (sub-millisecond for the pacing)
   */
  clock?: Clock;
}

export const httpClientOptionsSchema = z.strictObject({
  timeoutMs: timerMsSchema.optional(),
  totalTimeoutMs: timerMsSchema.optional(),
  retry: z
    .union([
      z.number().int().min(0).max(20),
      z.strictObject({
        limit: z.number().int().min(0).max(20).optional(),
        baseDelayMs: z.number().min(0).optional(),
        maxDelayMs: z.number().min(0).optional(),
        maxRetryAfterMs: z.number().min(0).optional(),
      }),
    ])
    .optional(),
  fetch: z.custom<typeof globalThis.fetch>((value) => typeof value === 'function').optional(),
  headers: z.record(z.string(), z.string()).optional(),
  callsPerSecond: callsPerSecondSchema.optional(),
  clock: clockSchema.optional(),
  tracer: tracerSchema.optional(),
});

/**
 * ky is an ES module only. The CommonJS build loads it with `require()`, which yields its module
 * namespace, so its default export is one property further down there.
 */
const ky = (kyImport as unknown as { default?: typeof kyImport }).default ?? kyImport;

const READ_STATUSES = [408, 429, 500, 502, 503, 504];
/** Answers whose `Retry-After` is honoured when they are retried. */
const RETRY_AFTER_STATUSES = [429, 503];

export interface JsonRequest<T> {
  method: 'get' | 'post';
  path: string;
  json?: unknown;
  /** A form-encoded body (`application/x-www-form-urlencoded`), instead of `json`. */
  form?: URLSearchParams;
  /** The query string. */
  searchParams?: URLSearchParams;
  /**
   * A `post` that may safely be sent twice (e.g. hanging a call up): retried like a read.
   * @default false
   */
  idempotent?: boolean;
  schema: z.ZodType<T>;
  signal?: AbortSignal | undefined;
  /**
   * Waits for the client's pacer (`callsPerSecond`) right before each attempt is handed to
   * `fetch`, retries included: set on requests that create a call.
   */
  paced?: boolean;
  /** The placement's span (see `HttpClient.placement`): gets the HTTP status and resend count. */
  span?: SpanLike | undefined;
}

export interface HttpClient {
  request<T>(request: JsonRequest<T>): Promise<{ data: T; raw: unknown }>;
  /**
   * Runs one placement in its span, `ringkit.place_call`: the provider's name, the server, the
   * HTTP status, the outcome (`placed`, `not_placed` or `unknown`), the provider's call id and
   * status. Never the phone number, never an error's message (it may quote one).
   */
  placement(
    provider: string,
    place: (span: SpanLike | undefined) => Promise<ProviderCall>,
  ): Promise<ProviderCall>;
}

const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded;charset=UTF-8';
const JSON_CONTENT_TYPE = 'application/json';
/** Resolved URLs kept per client, so a request to a fixed path does not parse its URL again. */
const MAX_CACHED_URLS = 256;

/** What one provider's API promises, which the client's retries follow. */
export interface HttpPolicy {
  /**
   * The statuses with which the provider documents that it created nothing and that may pass:
   * the only answers (besides a connection never made) after which a request that creates a call
   * is retried.
   * @default NOT_ACCEPTED_STATUSES (`429`, `503`: the practice APIs)
   */
  notAcceptedStatuses?: readonly number[];
}

export function createHttpClient(
  baseUrl: string,
  options: HttpClientOptions,
  policy: HttpPolicy = {},
): HttpClient {
  const notAcceptedStatuses = [...(policy.notAcceptedStatuses ?? NOT_ACCEPTED_STATUSES)];
  const retry =
    typeof options.retry === 'number' ? { limit: options.retry } : (options.retry ?? {});
  const limit = retry.limit ?? 3;
  const baseDelayMs = retry.baseDelayMs ?? 300;
  const timeout = options.timeoutMs ?? 10_000;
  const userFetch = options.fetch;
  const base = ensureSlash(baseUrl);
  const totalTimeout = options.totalTimeoutMs ?? 60_000;
  const tracing = createTracing('@ringkit/call-client', options.tracer);
  const server = new URL(base);
  const serverPort = Number(server.port || (server.protocol === 'https:' ? 443 : 80));
  const pacer = createPacer({ callsPerSecond: options.callsPerSecond, clock: options.clock });
  const pacing = options.callsPerSecond !== undefined;
  const headers = options.headers ?? {};
  const ownContentType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  const retryDefaults = {
    limit,
    delay: (attempt: number) => baseDelayMs * 2 ** (attempt - 1),
    backoffLimit: retry.maxDelayMs ?? 10_000,
    jitter: true,
    maxRetryAfter: retry.maxRetryAfterMs ?? 30_000,
  };

  /**
   * One ky instance per kind of request (method, retry rule, body type), each with every option
   * of its kind, so a request passes ky only what is its own.
   */
  const instances: Array<{ api: KyInstance; headers: Record<string, string> } | undefined> = [];
  function instanceFor(method: 'get' | 'post', unsafe: boolean, contentType: string | undefined) {
    const key =
      (method === 'get' ? 0 : 1) +
      (unsafe ? 2 : 0) +
      (contentType === undefined ? 0 : contentType === JSON_CONTENT_TYPE ? 4 : 8);
    let instance = instances[key];
    if (instance === undefined) {
      // The body is handed to fetch with each attempt (see `transmit`), so its type is set here.
      const kindHeaders =
        contentType === undefined || ownContentType
          ? headers
          : { 'content-type': contentType, ...headers };
      instance = {
        headers: kindHeaders,
        api: ky.create({
          method,
          timeout,
          totalTimeout,
          headers: kindHeaders,
          retry: {
            ...retryDefaults,
            methods: [method],
            statusCodes: unsafe ? notAcceptedStatuses : READ_STATUSES,
            // Honoured on every retried answer that says when to come back; which answers are
            // retried at all is `statusCodes`, checked first.
            afterStatusCodes: RETRY_AFTER_STATUSES,
            retryOnTimeout: !unsafe,
            shouldRetry: unsafe ? retryOnlyUnsent : undefined,
          },
        }),
      };
      instances[key] = instance;
    }
    return instance;
  }

  const urls = new Map<string, string>();
  function resolve(path: string, searchParams: URLSearchParams | undefined): string {
    if (searchParams) {
      const target = new URL(path, base);
      target.search = searchParams.toString();
      return target.toString();
    }
    let url = urls.get(path);
    if (url === undefined) {
      url = new URL(path, base).toString();
      if (urls.size >= MAX_CACHED_URLS) urls.clear();
      urls.set(path, url);
    }
    return url;
  }

  /**
   * Sends one attempt. ky's request carries no body (so ky has no stream to clone for a retry);
   * the body, a string, goes with each attempt. A `fetch` option still gets a whole `Request`.
   */
  function transmit(
    request: Request,
    kindHeaders: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal,
  ): Promise<Response> {
    if (userFetch !== undefined) {
      const whole = body === undefined ? request : new Request(request, { body });
      return signal === request.signal ? userFetch(whole, {}) : userFetch(whole, { signal });
    }
    return nodeTransport(request.url, {
      method: request.method,
      headers: kindHeaders,
      body,
      signal,
    });
  }

  return {
    placement(provider, place) {
      if (!tracing.enabled) return place(undefined);
      const span = tracing.start(
        'ringkit.place_call',
        {
          'ringkit.provider': provider,
          'server.address': server.hostname,
          'server.port': serverPort,
          'http.request.method': 'POST',
        },
        { kind: SPAN_KIND_CLIENT },
      );
      if (span === undefined) return place(undefined);
      return tracing
        .within(span, () => place(span))
        .then(
          (call) => {
            span.setAttribute('ringkit.placement.outcome', 'placed');
            span.setAttribute('ringkit.call.provider_id', call.id);
            span.setAttribute('ringkit.call.status', call.status);
            if (call.reconciled === true) span.setAttribute('ringkit.call.reconciled', true);
            endSpan(span);
            return call;
          },
          (error: unknown) => {
            span.setAttribute('ringkit.placement.outcome', placementOutcomeOf(error));
            if (isHttpError(error)) {
              span.setAttribute('http.response.status_code', error.status);
              if (error.attempts > 1)
                span.setAttribute('http.request.resend_count', error.attempts - 1);
            }
            endSpan(span, error);
            throw error;
          },
        );
    },

    async request<T>(request: JsonRequest<T>) {
      const { method, path, json, form, searchParams, schema, signal, paced, span } = request;
      const url = resolve(path, searchParams);
      const unsafe = method === 'post' && request.idempotent !== true;
      const body = json !== undefined ? JSON.stringify(json) : form?.toString();
      const { api, headers: kindHeaders } = instanceFor(
        method,
        unsafe,
        json !== undefined ? JSON_CONTENT_TYPE : form !== undefined ? FORM_CONTENT_TYPE : undefined,
      );
      let attempts = 0;
      let raw: unknown;
      // A paced request's time in the pacer's queue is not the provider's: its timeouts are kept
      // here, from the moment each attempt is sent, and ky's are off.
      const timed = paced === true && pacing ? createAttemptTimer(timeout, totalTimeout) : null;
      try {
        const response = await api(url, {
          signal,
          ...(timed ? { timeout: false, totalTimeout: false } : undefined),
          fetch: timed
            ? (input) => {
                const attempt = input as Request;
                timed.checkTotal(attempt);
                const queuedAt = performance.now();
                return pacer.run(() => {
                  attempts += 1;
                  timed.waited(performance.now() - queuedAt);
                  return timed.send(attempt, (merged) =>
                    transmit(attempt, kindHeaders, body, merged),
                  );
                }, attempt.signal);
              }
            : (input) => {
                attempts += 1;
                const attempt = input as Request;
                return transmit(attempt, kindHeaders, body, attempt.signal);
              },
        });
        const text = await response.text();
        timed?.end();
        if (span !== undefined) {
          span.setAttribute('http.response.status_code', response.status);
          if (attempts > 1) span.setAttribute('http.request.resend_count', attempts - 1);
        }
        try {
          raw = text === '' ? undefined : JSON.parse(text);
        } catch {
          throw new ResponseValidationError({
            request: requestInfo(method, url),
            body: text,
            issues: [{ code: 'custom', path: [], message: 'the body is not JSON', input: text }],
          });
        }
      } catch (error) {
        const timedOut = timed?.timedOut() === true;
        timed?.end();
        const info = requestInfo(method, url);
        if (timedOut && !signal?.aborted)
          throw new RequestTimeoutError({ request: info, timeoutMs: timeout, cause: error });
        throw toCallApiError(error, info, attempts, timeout, signal, notAcceptedStatuses);
      }
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        throw new ResponseValidationError({
          request: requestInfo(method, url),
          body: raw,
          issues: parsed.error.issues,
        });
      }
      return { data: parsed.data, raw };
    },
  };
}

function requestInfo(method: string, url: string): RequestInfo {
  return { method: method.toUpperCase(), url };
}

/**
 * The timeouts of a paced request: each attempt gets `timeoutMs` from the moment it is sent
 * (until its body is read, for a successful answer), and the whole request `totalTimeoutMs` not
 * counting the time spent waiting for the pacer.
 */
function createAttemptTimer(timeoutMs: number, totalTimeoutMs: number) {
  const startedAt = performance.now();
  let waitedMs = 0;
  let current: { timer: ReturnType<typeof setTimeout> | undefined; timedOut: boolean } | null =
    null;
  const remaining = () => totalTimeoutMs - (performance.now() - startedAt - waitedMs);
  const end = () => {
    if (current?.timer !== undefined) clearTimeout(current.timer);
    if (current) current.timer = undefined;
  };
  return {
    end,
    timedOut: () => current?.timedOut === true,
    checkTotal(request: Request) {
      if (remaining() <= 0) throw new KyTimeoutError(request);
    },
    /** Time spent in the pacer's queue, which the total does not count. */
    waited(ms: number) {
      waitedMs += ms;
    },
    /** Sends one attempt with `send`, given the request's signal joined to the attempt's timer. */
    send(request: Request, send: (signal: AbortSignal) => Promise<Response>) {
      end();
      const attempt = {
        timer: undefined as ReturnType<typeof setTimeout> | undefined,
        timedOut: false,
      };
      current = attempt;
      const controller = new AbortController();
      const ms = Math.max(1, Math.min(timeoutMs, remaining()));
      return new Promise<Response>((resolve, reject) => {
        attempt.timer = setTimeout(() => {
          attempt.timedOut = true;
          controller.abort();
          reject(new KyTimeoutError(request));
        }, ms);
        send(AbortSignal.any([request.signal, controller.signal])).then((response) => {
          // An answer the caller will not read as a success needs no timer on its body.
          if (!response.ok) end();
          resolve(response);
        }, reject);
      });
    },
  };
}

function ensureSlash(url: string) {
  return url.endsWith('/') ? url : `${url}/`;
}

/**
 * For requests that create something: retry only what the server surely did not act on (ky has
 * already checked the status against the adapter's `statusCodes`).
 */
function retryOnlyUnsent({ error }: ShouldRetryState): boolean | undefined {
  if (isKyHttpError(error)) return undefined;
  if (isKyNetworkError(error)) return CONNECT_ERRNOS.has(errnoOf(error) ?? '') ? undefined : false;
  return false;
}

/** The system error code buried in a fetch failure (`TypeError: fetch failed` → cause → code). */
export function errnoOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const { code, errors, cause } = current as {
      code?: unknown;
      errors?: unknown;
      cause?: unknown;
    };
    if (typeof code === 'string' && code !== 'ERR_NETWORK') return code;
    if (Array.isArray(errors) && errors.length > 0) {
      current = errors[0];
      continue;
    }
    current = cause;
  }
  return undefined;
}

function toCallApiError(
  error: unknown,
  request: RequestInfo,
  attempts: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  notAcceptedStatuses: readonly number[],
): unknown {
  if (signal?.aborted) return signal.reason;
  if (error instanceof ResponseValidationError) return error;
  if (isKyHttpError(error)) {
    return new HttpError({
      status: error.response.status,
      request,
      body: error.data,
      headers: error.response.headers,
      attempts,
      cause: error,
      notAcceptedStatuses,
    });
  }
  if (isKyTimeoutError(error)) return new RequestTimeoutError({ request, timeoutMs, cause: error });
  if (isKyNetworkError(error)) {
    return new ConnectionError({ request, errno: errnoOf(error), cause: error });
  }
  if (error instanceof TypeError) {
    return new ConnectionError({ request, errno: errnoOf(error), cause: error });
  }
  return error;
}
