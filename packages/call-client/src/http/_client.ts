/**
 * The HTTP client every provider client sends its requests with: JSON or form bodies, answers
 * checked against a schema, retries that never send a call twice, pacing and tracing of
 * placements.
 */
import type { z } from 'zod';
import type { SpanLike } from '@ringkit/internal';
import {
  NOT_ACCEPTED_STATUSES,
  PlacementWithheldError,
  RequestTimeoutError,
  ResponseValidationError,
} from '../errors/errors.js';
import { createPacer } from '../time/pacing.js';
import { createAttemptTimer } from './_attempt-timer.js';
import { requestInfo, toCallApiError } from './_failures.js';
import { createKyInstances, FORM_CONTENT_TYPE, type HttpMethod, JSON_CONTENT_TYPE } from './_ky.js';
import type { HttpClientSetup, HttpPolicy } from './_options.js';
import { tracePlacements, type TracePlacement } from './_placement-span.js';
import { nodeTransport } from './_transport.js';
import { baseUrlOf, createUrlResolver } from './_urls.js';

export interface JsonRequest<T> {
  /** `put` replaces a resource: safe to send twice, it is retried like a read. */
  method: HttpMethod;
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
  /**
   * `false`: the request is sent once and never again, whatever befalls it (a timeout, a reset,
   * a refused connection, `429`, `5xx`): for an act that a second copy would repeat, e.g. a
   * transfer that would ring an agent twice.
   * @default the client's `retry` policy
   */
  retry?: false;
  schema: z.ZodType<T>;
  signal?: AbortSignal | undefined;
  /**
   * Waits for the client's pacer (`callsPerSecond`) right before each attempt is handed to
   * `fetch`, retries included: set on requests that create a call.
   */
  paced?: boolean;
  /** The placement's span (see `HttpClient.placement`): gets the HTTP status and resend count. */
  span?: SpanLike | undefined;
  /**
   * Runs right before each attempt is handed to `fetch`, after the pacer and any retry's delay
   * (`PlaceCallRequest.beforeSend`): when it throws, nothing is sent and the request rejects with
   * a `PlacementWithheldError`.
   */
  beforeSend?: (() => void | Promise<void>) | undefined;
}

export interface HttpClient {
  request<T>(request: JsonRequest<T>): Promise<{ data: T; raw: unknown }>;
  /**
   * Runs one placement in its span, `ringkit.place_call`: the provider's name, the server, the
   * HTTP status, the outcome (`placed`, `not_placed` or `unknown`), the provider's call id and
   * status. Never the phone number, never an error's message (it may quote one).
   */
  placement: TracePlacement;
}

export function createHttpClient(
  baseUrl: string,
  options: HttpClientSetup,
  policy: HttpPolicy = {},
): HttpClient {
  const notAcceptedStatuses = [...(policy.notAcceptedStatuses ?? NOT_ACCEPTED_STATUSES)];
  const timeout = options.timeoutMs ?? 10_000;
  const userFetch = options.fetch;
  const { attemptHeaders } = options;
  const base = baseUrlOf(baseUrl);
  const totalTimeout = options.totalTimeoutMs ?? 60_000;
  const placement = tracePlacements(options.tracer, new URL(base));
  const pacer = createPacer({ callsPerSecond: options.callsPerSecond, clock: options.clock });
  const pacing = options.callsPerSecond !== undefined;
  const instanceFor = createKyInstances({
    timeoutMs: timeout,
    totalTimeoutMs: totalTimeout,
    retry: options.retry,
    headers: options.headers ?? {},
    notAcceptedStatuses,
  });
  const resolve = createUrlResolver(base);

  /**
   * Sends one attempt. ky's request carries no body (so ky has no stream to clone for a retry);
   * the body, a string, goes with each attempt, and so do the attempt's own headers (`own`). A
   * `fetch` option still gets a whole `Request`.
   */
  function transmit(
    request: Request,
    kindHeaders: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal,
    own: Record<string, string> | undefined,
  ): Promise<Response> {
    if (userFetch !== undefined) {
      let whole = request;
      if (body !== undefined || own !== undefined) {
        const init: RequestInit = body === undefined ? {} : { body };
        if (own !== undefined) {
          const headers = new Headers(request.headers);
          for (const [name, value] of Object.entries(own)) headers.set(name, value);
          init.headers = headers;
        }
        whole = new Request(request, init);
      }
      return signal === request.signal ? userFetch(whole, {}) : userFetch(whole, { signal });
    }
    return nodeTransport(request.url, {
      method: request.method,
      headers: own === undefined ? kindHeaders : overlaid(kindHeaders, own),
      body,
      signal,
    });
  }

  return {
    placement,

    async request<T>(request: JsonRequest<T>) {
      const { method, path, json, form, searchParams, schema, signal, paced, span, beforeSend } =
        request;
      const once = request.retry === false;
      const url = resolve(path, searchParams);
      const unsafe = method === 'post' && request.idempotent !== true;
      const body = json !== undefined ? JSON.stringify(json) : form?.toString();
      const { api, headers: kindHeaders } = instanceFor(
        method,
        unsafe,
        json !== undefined ? JSON_CONTENT_TYPE : form !== undefined ? FORM_CONTENT_TYPE : undefined,
        once,
      );
      let attempts = 0;
      let raw: unknown;
      /** What `beforeSend` threw: the request never left. */
      let withheld: PlacementWithheldError | undefined;
      /** `beforeSend`, then the attempt; an attempt it refuses is not sent. */
      const refused = (error: unknown): Promise<never> => {
        withheld = new PlacementWithheldError(error);
        return Promise.reject(withheld);
      };
      const checked = (send: () => Promise<Response>): Promise<Response> => {
        if (beforeSend === undefined) return send();
        let check: void | Promise<void>;
        try {
          check = beforeSend();
        } catch (error) {
          return refused(error);
        }
        // A check that answers at once costs the attempt no turn of the event loop.
        return check instanceof Promise ? check.then(send, refused) : send();
      };
      /** What `attemptHeaders` threw: that attempt never left. */
      let unsigned: { error: unknown } | undefined;
      /** One attempt, with its own headers, counted once it leaves. */
      const sendAttempt = (attempt: Request, attemptSignal: AbortSignal): Promise<Response> => {
        let own: Record<string, string> | undefined;
        try {
          own = attemptHeaders?.();
        } catch (error) {
          unsigned = { error };
          return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
        attempts += 1;
        return transmit(attempt, kindHeaders, body, attemptSignal, own);
      };
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
                return pacer.run(
                  () =>
                    checked(() => {
                      timed.waited(performance.now() - queuedAt);
                      return timed.send(attempt, (merged) => sendAttempt(attempt, merged));
                    }),
                  attempt.signal,
                );
              }
            : (input) =>
                checked(() => {
                  const attempt = input as Request;
                  return sendAttempt(attempt, attempt.signal);
                }),
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
        if (withheld !== undefined) throw withheld;
        if (unsigned !== undefined) throw unsigned.error;
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

/** `base` with `own` laid over it: a name of `own` replaces the same name of `base`, whatever its case. */
function overlaid(
  base: Record<string, string>,
  own: Record<string, string>,
): Record<string, string> {
  const names = new Set(Object.keys(own).map((name) => name.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(base))
    if (!names.has(name.toLowerCase())) out[name] = value;
  return Object.assign(out, own);
}
