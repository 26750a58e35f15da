/**
 * The options every provider client shares (time-outs, retries, `fetch`, pacing, tracing, the
 * clock), their schema, and what a provider's API promises about its answers.
 */
import { z } from 'zod';
import {
  callsPerSecondSchema,
  type Clock,
  clockSchema,
  timerMsSchema,
  tracerSchema,
  strictObject,
  type TracerLike,
} from '@ringkit/internal';

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
   * The client's `name`: the provider its calls are placed through, as a store names each call
   * (a call is placed and found only through the provider of its name). Give each client of
   * the same kind its own, e.g. two Twilio accounts: `'twilio-us'`, `'twilio-eu'`. 1–64 of
   * `A-Z a-z 0-9 . _ : -`.
   * @default the kind: `'mock-call-api'`, `'num-dialer'`, `'twilio'`, `'telnyx'`
   */
  name?: string;
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

/**
 * What `createHttpClient` takes: the options every provider client shares, and what only the
 * provider client itself adds to them.
 */
export interface HttpClientSetup extends HttpClientOptions {
  /**
   * Headers made anew for each attempt of every request, right before it is sent (after the
   * pacer, a retry's delay and `beforeSend`), laid over `headers`: a name it gives replaces that
   * name in `headers`, whatever its case. For what cannot be fixed when the client is made, e.g.
   * a short-lived token signed again as it nears its end, so that even a retry sent after a long
   * `Retry-After` carries a valid one. When it throws, that attempt is not sent, nor any after
   * it, and the request rejects with what it threw.
   * @default none: `headers` alone
   * @example attemptHeaders: () => ({ authorization: `Bearer ${tokens.current()}` })
   */
  attemptHeaders?: () => Record<string, string>;
}

/**
 * The shared HTTP options a provider client was given (all but `headers`, which each client
 * extends with its own authorization), for `createHttpClient`.
 */
export function sharedHttpOptions(options: HttpClientOptions): Omit<HttpClientOptions, 'headers'> {
  const keys = [
    'timeoutMs',
    'totalTimeoutMs',
    'retry',
    'fetch',
    'callsPerSecond',
    'tracer',
    'clock',
  ] as const;
  const out: Omit<HttpClientOptions, 'headers'> = {};
  for (const key of keys)
    if (options[key] !== undefined) Object.assign(out, { [key]: options[key] });
  return out;
}

/** The schema of {@link HttpClientOptions}, which each provider client extends with its own. */
export const httpClientOptionsSchema = strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1–64 of A-Z a-z 0-9 . _ : -')
    .optional(),
  timeoutMs: timerMsSchema.optional(),
  totalTimeoutMs: timerMsSchema.optional(),
  retry: z
    .union([
      z.number().int().min(0).max(20),
      strictObject({
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
