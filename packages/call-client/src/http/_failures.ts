/**
 * What a failed request becomes: ky's errors and `fetch`'s failures turned into the package's own
 * (`HttpError`, `RequestTimeoutError`, `ConnectionError`), with the request they belong to.
 */
import {
  isHTTPError as isKyHttpError,
  isNetworkError as isKyNetworkError,
  isTimeoutError as isKyTimeoutError,
} from 'ky';
import {
  ConnectionError,
  HttpError,
  RequestTimeoutError,
  ResponseValidationError,
  type RequestInfo,
} from '../errors/errors.js';

/** The request as errors name it: the method in capitals, and the URL. */
export function requestInfo(method: string, url: string): RequestInfo {
  return { method: method.toUpperCase(), url };
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

/** The package's error for a request that failed with `error` after `attempts` attempts. */
export function toCallApiError(
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
