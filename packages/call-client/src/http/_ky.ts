/**
 * The ky instances a client sends its requests through: one per kind of request (method, retry
 * rule, body type), each with every option of its kind, so a request passes ky only what is its
 * own. Requests that create a call are retried only when the provider surely did not act on them.
 */
import kyImport, {
  isHTTPError as isKyHttpError,
  isNetworkError as isKyNetworkError,
  type KyInstance,
  type ShouldRetryState,
} from 'ky';
import { CONNECT_ERRNOS } from '../errors/placement.js';
import { errnoOf } from './_failures.js';
import type { RetryOptions } from './_options.js';

/**
 * ky is an ES module only. The CommonJS build loads it with `require()`, which yields its module
 * namespace, so its default export is one property further down there.
 */
const ky = (kyImport as unknown as { default?: typeof kyImport }).default ?? kyImport;

const READ_STATUSES = [408, 429, 500, 502, 503, 504];
/** Answers whose `Retry-After` is honoured when they are retried. */
const RETRY_AFTER_STATUSES = [429, 503];

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded;charset=UTF-8';
export const JSON_CONTENT_TYPE = 'application/json';

/** The methods a client sends: `put` replaces a resource, so it is safe to send twice. */
export type HttpMethod = 'get' | 'post' | 'put';

/** One kind's ky instance, and the headers it sends (its content type among them). */
export interface KindInstance {
  api: KyInstance;
  headers: Record<string, string>;
}

export interface KyInstancesOptions {
  timeoutMs: number;
  totalTimeoutMs: number;
  retry: RetryOptions | number | undefined;
  headers: Record<string, string>;
  /** The answers after which a request that creates a call is retried (see `HttpPolicy`). */
  notAcceptedStatuses: number[];
}

/**
 * The ky instance of each kind of request, made at its first request: `unsafe` for a request
 * that creates something, `contentType` the type of its body, if it has one, `once` for a request
 * never sent again.
 */
export function createKyInstances(
  options: KyInstancesOptions,
): (
  method: HttpMethod,
  unsafe: boolean,
  contentType: string | undefined,
  once?: boolean,
) => KindInstance {
  const { timeoutMs, totalTimeoutMs, headers, notAcceptedStatuses } = options;
  const retry =
    typeof options.retry === 'number' ? { limit: options.retry } : (options.retry ?? {});
  const limit = retry.limit ?? 3;
  const baseDelayMs = retry.baseDelayMs ?? 300;
  const ownContentType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  const retryDefaults = {
    limit,
    delay: (attempt: number) => baseDelayMs * 2 ** (attempt - 1),
    backoffLimit: retry.maxDelayMs ?? 10_000,
    jitter: true,
    maxRetryAfter: retry.maxRetryAfterMs ?? 30_000,
  };

  const instances: Array<KindInstance | undefined> = [];
  return function instanceFor(method, unsafe, contentType, once = false) {
    const key =
      (method === 'get' ? 0 : method === 'post' ? 1 : 16) +
      (unsafe ? 2 : 0) +
      (contentType === undefined ? 0 : contentType === JSON_CONTENT_TYPE ? 4 : 8) +
      (once ? 32 : 0);
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
          timeout: timeoutMs,
          totalTimeout: totalTimeoutMs,
          headers: kindHeaders,
          retry: {
            ...retryDefaults,
            limit: once ? 0 : limit,
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
  };
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
