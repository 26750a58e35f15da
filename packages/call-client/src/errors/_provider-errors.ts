import type { z } from 'zod';
import { isHttpError, type HttpError } from './errors.js';

/**
 * What `HttpError`'s constructor takes to make another error of the same answer (a provider's
 * error of it): its status, request, body, headers, attempts and cause, and whether a call may
 * have been placed, as `error` judged it.
 */
export function sameAnswer(error: HttpError): ConstructorParameters<typeof HttpError>[0] {
  return {
    status: error.status,
    request: error.request,
    body: error.body,
    headers: error.headers,
    attempts: error.attempts,
    cause: error.cause,
    notAcceptedStatuses: error.notAccepted ? [error.status] : [],
  };
}

/**
 * An `HttpError` whose body `schema` accepts becomes `make(error, body)`, the provider's error;
 * anything else, and an error that already is the provider's, is returned as it is.
 */
export function toProviderError<S extends z.ZodType, E extends HttpError>(
  error: unknown,
  isProviderError: (error: unknown) => error is E,
  schema: S,
  make: (error: HttpError, body: z.output<S>) => E,
): unknown {
  if (!isHttpError(error) || isProviderError(error)) return error;
  const body = schema.safeParse(error.body);
  return body.success ? make(error, body.data) : error;
}
