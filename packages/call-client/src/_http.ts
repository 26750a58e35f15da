import kyImport, {
  isHTTPError as isKyHttpError,
  isNetworkError as isKyNetworkError,
  isTimeoutError as isKyTimeoutError,
  type KyInstance,
  type ShouldRetryState,
} from 'ky';
import { z } from 'zod';
import {
  CONNECT_ERRNOS,
  HttpError,
  NOT_ACCEPTED_STATUSES,
  NetworkError,
  ResponseValidationError,
  TimeoutError,
  type RequestInfo,
} from './errors.js';

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
  timeout?: number;
  /**
   * Milliseconds for a whole request, retries and their delays included.
   * @default 60000
   */
  totalTimeout?: number;
  /**
   * Retry policy, or the number of retries. A request that creates a call is retried only when
   * the provider surely did not act on it: a connection that was never made, `429` or `503`.
   * Reads are also retried after a timeout, a reset connection and `408`/`500`/`502`/`504`.
   * Any other `4xx` never is.
   * @default { limit: 3 }
   */
  retry?: RetryOptions | number;
  /**
   * The `fetch` to use, e.g. an instrumented one.
   * @default globalThis.fetch
   */
  fetch?: typeof globalThis.fetch;
  /** Headers sent with every request, e.g. an `Authorization` header. */
  headers?: Record<string, string>;
}

export const httpClientOptionsSchema = z.strictObject({
  timeout: z.number().int().positive().max(2_147_483_647).optional(),
  totalTimeout: z.number().int().positive().max(2_147_483_647).optional(),
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
});

/**
 * ky is an ES module only. The CommonJS build loads it with `require()`, which yields its module
 * namespace, so its default export is one property further down there.
 */
const ky = (kyImport as unknown as { default?: typeof kyImport }).default ?? kyImport;

const SAFE_STATUSES = [...NOT_ACCEPTED_STATUSES];
const READ_STATUSES = [408, 429, 500, 502, 503, 504];

export interface JsonRequest<T> {
  method: 'get' | 'post';
  path: string;
  json?: unknown;
  schema: z.ZodType<T>;
  signal?: AbortSignal | undefined;
}

export interface HttpClient {
  request<T>(request: JsonRequest<T>): Promise<{ data: T; raw: unknown }>;
}

export function createHttpClient(baseUrl: string, options: HttpClientOptions): HttpClient {
  const retry =
    typeof options.retry === 'number' ? { limit: options.retry } : (options.retry ?? {});
  const limit = retry.limit ?? 3;
  const baseDelayMs = retry.baseDelayMs ?? 300;
  const timeout = options.timeout ?? 10_000;
  const userFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const base = ensureSlash(baseUrl);
  const api: KyInstance = ky.create({
    baseUrl: base,
    timeout,
    totalTimeout: options.totalTimeout ?? 60_000,
    ...(options.headers ? { headers: options.headers } : {}),
    retry: {
      limit,
      delay: (attempt) => baseDelayMs * 2 ** (attempt - 1),
      backoffLimit: retry.maxDelayMs ?? 10_000,
      jitter: true,
      maxRetryAfter: retry.maxRetryAfterMs ?? 30_000,
    },
  });

  return {
    async request<T>({ method, path, json, schema, signal }: JsonRequest<T>) {
      const url = new URL(path, base).toString();
      const info: RequestInfo = { method: method.toUpperCase(), url };
      const unsafe = method === 'post';
      let attempts = 0;
      let raw: unknown;
      try {
        const response = await api(path, {
          method,
          ...(json === undefined ? {} : { json }),
          ...(signal ? { signal } : {}),
          fetch: (input, init) => {
            attempts += 1;
            return userFetch(input as Request, init);
          },
          retry: {
            methods: [method],
            statusCodes: unsafe ? SAFE_STATUSES : READ_STATUSES,
            afterStatusCodes: SAFE_STATUSES,
            retryOnTimeout: !unsafe,
            shouldRetry: unsafe ? retryOnlyUnsent : undefined,
          },
        });
        const text = await response.text();
        try {
          raw = text === '' ? undefined : JSON.parse(text);
        } catch {
          throw new ResponseValidationError({
            request: info,
            body: text,
            issues: [{ code: 'custom', path: [], message: 'the body is not JSON', input: text }],
          });
        }
      } catch (error) {
        throw toCallApiError(error, info, attempts, timeout, signal);
      }
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        throw new ResponseValidationError({
          request: info,
          body: raw,
          issues: parsed.error.issues,
        });
      }
      return { data: parsed.data, raw };
    },
  };
}

function ensureSlash(url: string) {
  return url.endsWith('/') ? url : `${url}/`;
}

/** For requests that create something: retry only what the server surely did not act on. */
function retryOnlyUnsent({ error }: ShouldRetryState): boolean | undefined {
  if (isKyHttpError(error))
    return SAFE_STATUSES.includes(error.response.status) ? undefined : false;
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
    });
  }
  if (isKyTimeoutError(error)) return new TimeoutError({ request, timeoutMs, cause: error });
  if (isKyNetworkError(error)) {
    return new NetworkError({ request, errno: errnoOf(error), cause: error });
  }
  if (error instanceof TypeError) {
    return new NetworkError({ request, errno: errnoOf(error), cause: error });
  }
  return error;
}
