import { brand, errorGuard, formatIssues } from '@ringkit/internal';
import type { ZodError } from 'zod';

/** What a request was, for errors raised while making it. */
export interface RequestInfo {
  method: string;
  url: string;
}

/**
 * The base of every error the ringkit packages throw (`CallApiError`, `DialerError`,
 * `SchedulerError`): a stable `code`, the `cause` where there is one, and a `toJSON` that keeps
 * `name`, `code` and `message`. Check with {@link isRingkitError}, which also works for errors from
 * another copy of a package or another realm.
 */
export class RingkitError extends Error {
  override name = 'RingkitError';
  /** A stable machine-readable code, e.g. `'http_error'`. */
  readonly code: string;

  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    brand(this, 'RingkitError');
  }

  /** Keeps `name`, `code` and `message` when the error is serialised with `JSON.stringify`. */
  toJSON(): Record<string, unknown> {
    return { ...(this as object), name: this.name, code: this.code, message: this.message };
  }
}

/**
 * The base of every error `@ringkit/call-client` throws. Check with {@link isCallApiError},
 * which also works for errors from another copy of the package or another realm.
 */
export class CallApiError extends RingkitError {
  override name = 'CallApiError';

  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, code, options);
    brand(this, 'CallApiError');
  }
}

/** The provider answered with a non-2xx status. */
export class HttpError extends CallApiError {
  override name = 'HttpError';
  readonly status: number;
  readonly request: RequestInfo;
  /** The response body, parsed as JSON where it was JSON. */
  readonly body: unknown;
  /** The response headers. */
  readonly headers: Headers;
  /** How many attempts were made, retries included. */
  readonly attempts: number;
  /**
   * `true` when the status is one the provider documents as "nothing was done, try again"
   * (the adapter's list: `429` for Twilio, `429` and `503` for the practice APIs). A request
   * that creates a call is retried only then; see {@link isCallNotPlaced}.
   */
  readonly notAccepted: boolean;

  constructor(init: {
    status: number;
    request: RequestInfo;
    body: unknown;
    headers: Headers;
    attempts: number;
    cause?: unknown;
    /**
     * The statuses with which this provider says it did nothing.
     * @default NOT_ACCEPTED_STATUSES (`429`, `503`)
     */
    notAcceptedStatuses?: readonly number[];
  }) {
    super(
      `${init.request.method} ${init.request.url} answered ${init.status}${describeBody(init.body)}`,
      'http_error',
      { cause: init.cause },
    );
    this.status = init.status;
    this.request = init.request;
    this.body = init.body;
    this.headers = init.headers;
    this.attempts = init.attempts;
    this.notAccepted = (init.notAcceptedStatuses ?? NOT_ACCEPTED_STATUSES).includes(init.status);
  }
}

/** No answer came within the per-request timeout (or the total time allowed for retries). */
export class TimeoutError extends CallApiError {
  override name = 'TimeoutError';
  readonly request: RequestInfo;
  readonly timeoutMs: number;

  constructor(init: { request: RequestInfo; timeoutMs: number; cause?: unknown }) {
    super(
      `${init.request.method} ${init.request.url} got no answer within ${init.timeoutMs} ms`,
      'timeout',
      { cause: init.cause },
    );
    this.request = init.request;
    this.timeoutMs = init.timeoutMs;
  }
}

/** The request never got an HTTP answer: connection refused, reset, DNS failure… */
export class NetworkError extends CallApiError {
  override name = 'NetworkError';
  readonly request: RequestInfo;
  /** The system error code when there is one, e.g. `'ECONNREFUSED'`. */
  readonly errno: string | undefined;

  constructor(init: { request: RequestInfo; errno: string | undefined; cause?: unknown }) {
    super(
      `${init.request.method} ${init.request.url} failed: ${init.errno ?? errorMessage(init.cause)}`,
      'network_error',
      { cause: init.cause },
    );
    this.request = init.request;
    this.errno = init.errno;
  }
}

/** The provider answered 2xx with a body that breaks its contract. Carries zod's issues. */
export class ResponseValidationError extends CallApiError {
  override name = 'ResponseValidationError';
  readonly request: RequestInfo;
  readonly body: unknown;
  readonly issues: ZodError['issues'];

  constructor(init: { request: RequestInfo; body: unknown; issues: ZodError['issues'] }) {
    super(
      `${init.request.method} ${init.request.url} answered an unexpected body: ${formatIssues(init.issues)}`,
      'invalid_response',
    );
    this.request = init.request;
    this.body = init.body;
    this.issues = init.issues;
  }
}

/**
 * Options given to a factory that break its contract: a missing or malformed option, or one it
 * does not know (a misspelt name is refused, not ignored). Every ringkit package throws this one
 * class (`createMockCallApiClient`, `createDialer`, `createScheduler`…); `issues` are zod's, each
 * with the path of the offending option.
 */
export class InvalidOptionsError extends CallApiError {
  override name = 'InvalidOptionsError';
  readonly issues: ZodError['issues'];

  constructor(what: string, issues: ZodError['issues']) {
    super(`Invalid ${what} options: ${formatIssues(issues)}`, 'invalid_options');
    this.issues = issues;
  }
}

/** The provider cannot do what was asked of it (e.g. polling a webhook-only provider). */
export class UnsupportedOperationError extends CallApiError {
  override name = 'UnsupportedOperationError';

  constructor(message: string, code = 'unsupported') {
    super(message, code);
    brand(this, 'UnsupportedOperationError');
  }
}

/**
 * A call asked for an option its provider does not honour (one missing from
 * `capabilities.options`, e.g. `say` on a practice API). Thrown before anything is sent, so the
 * call surely was not placed. An {@link UnsupportedOperationError}.
 */
export class UnsupportedCallOptionError extends UnsupportedOperationError {
  override name = 'UnsupportedCallOptionError';
  /** The provider's name, e.g. `'mock-call-api'`. */
  readonly provider: string;
  /** The option it cannot honour, e.g. `'say'`. */
  readonly option: string;

  constructor(provider: string, option: string) {
    super(
      `The ${provider} provider cannot honour the call option ${JSON.stringify(option)}`,
      'unsupported_call_option',
    );
    this.provider = provider;
    this.option = option;
  }
}

/** A phone number that cannot be normalised to E.164. */
export class InvalidPhoneNumberError extends CallApiError {
  override name = 'InvalidPhoneNumberError';
  readonly input: string;

  constructor(input: string, reason: string) {
    super(`Invalid phone number ${JSON.stringify(input)}: ${reason}`, 'invalid_phone_number');
    this.input = input;
  }
}

/** Why a webhook body was refused. */
export type WebhookErrorReason =
  | 'not_json'
  | 'not_object'
  | 'missing_id'
  | 'missing_status'
  | 'unknown_status'
  | 'unexpected_status'
  | 'invalid_field';

/** A status webhook whose body is malformed. */
export class WebhookValidationError extends CallApiError {
  override name = 'WebhookValidationError';
  readonly reason: WebhookErrorReason;
  readonly body: unknown;
  readonly issues: ZodError['issues'];
  /** The provider's status word, when the body had one we do not know. */
  readonly providerStatus: string | undefined;

  constructor(init: {
    reason: WebhookErrorReason;
    message: string;
    body: unknown;
    issues?: ZodError['issues'];
    providerStatus?: string;
  }) {
    super(init.message, 'invalid_webhook');
    this.reason = init.reason;
    this.body = init.body;
    this.issues = init.issues ?? [];
    this.providerStatus = init.providerStatus;
  }
}

/** Codes of connection errors that happen before a request could have reached the server. */
export const CONNECT_ERRNOS: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * The statuses with which the practice APIs say they did not act on a request and that may pass:
 * `429` (too many requests) and `503` (unavailable), as their simulator guarantees; the default
 * of an adapter that declares no list of its own. Twilio's list is `429` alone: it does not
 * document that a `503` created nothing. `502` and `504` are never among them: they come from a
 * gateway that gave up waiting, while the provider behind it may still be dialing.
 */
export const NOT_ACCEPTED_STATUSES: readonly number[] = [429, 503];

/**
 * `true` when a failed `placeCall` surely created no call: the request was refused before it was
 * sent (an invalid number, invalid or unsupported call options), the connection was never made,
 * or the provider answered a `4xx` or a status its adapter documents as "nothing was created"
 * ({@link HttpError.notAccepted}: `503` for the practice APIs, never for Twilio). Everything else
 * after the request left (a timeout, a connection reset, `500`, `502`, `504`, Twilio's `503`, an
 * unreadable `2xx`, an error of unknown kind) is an ambiguous placement (see
 * {@link isAmbiguousPlacement}).
 */
export function isCallNotPlaced(error: unknown): boolean {
  if (
    isInvalidPhoneNumberError(error) ||
    isInvalidOptionsError(error) ||
    isUnsupportedOperationError(error)
  )
    return true;
  if (isHttpError(error)) return (error.status >= 400 && error.status < 500) || notAccepted(error);
  return isNetworkError(error) && CONNECT_ERRNOS.has(error.errno ?? '');
}

/** {@link HttpError.notAccepted}, or the default rule for an error from an older copy. */
function notAccepted(error: HttpError): boolean {
  return typeof error.notAccepted === 'boolean'
    ? error.notAccepted
    : NOT_ACCEPTED_STATUSES.includes(error.status);
}

/**
 * `true` when a failed `placeCall` may have created a call: the request left and no clear refusal
 * came back (a timeout, a reset, `500`, `502`, `504`, an unreadable `2xx`, any error this package
 * does not know). Such a placement is never retried, by the client, the dialer or the scheduler:
 * it ends `failed` with reason `outcome_unknown`, is recorded, and is reconciled where the provider
 * can look calls up. The exact complement of {@link isCallNotPlaced}.
 */
export function isAmbiguousPlacement(error: unknown): boolean {
  return !isCallNotPlaced(error);
}

/**
 * What became of one placement: `placed` (the provider accepted it), `not_placed` (it surely did
 * not: see {@link isCallNotPlaced}) or `unknown` (it may have: see {@link isAmbiguousPlacement}).
 * The word spans, events and metrics use.
 */
export type PlacementOutcome = 'placed' | 'not_placed' | 'unknown';

/** The {@link PlacementOutcome} of a `placeCall` that failed with `error`. */
export function placementOutcomeOf(error: unknown): Exclude<PlacementOutcome, 'placed'> {
  return isCallNotPlaced(error) ? 'not_placed' : 'unknown';
}

/**
 * `true` when a failed `placeCall` surely created no call AND trying again may succeed: a status
 * the adapter documents as "nothing was created" ({@link HttpError.notAccepted}: `429`, and `503`
 * for the practice APIs) or a connection never made (what the clients retry by themselves first).
 */
export function isRetryablePlacementError(error: unknown): boolean {
  if (isHttpError(error)) return notAccepted(error);
  return isNetworkError(error) && CONNECT_ERRNOS.has(error.errno ?? '');
}

/** `true` for any error thrown by a ringkit package, across realms and package copies. */
export const isRingkitError: (error: unknown) => error is RingkitError = errorGuard(
  RingkitError,
  'RingkitError',
);
/** `true` for any error thrown by this package, across realms and package copies. */
export const isCallApiError: (error: unknown) => error is CallApiError = errorGuard(
  CallApiError,
  'CallApiError',
);
export const isHttpError: (error: unknown) => error is HttpError = errorGuard(
  HttpError,
  'CallApiError',
  'HttpError',
);
export const isTimeoutError: (error: unknown) => error is TimeoutError = errorGuard(
  TimeoutError,
  'CallApiError',
  'TimeoutError',
);
export const isNetworkError: (error: unknown) => error is NetworkError = errorGuard(
  NetworkError,
  'CallApiError',
  'NetworkError',
);
export const isResponseValidationError: (error: unknown) => error is ResponseValidationError =
  errorGuard(ResponseValidationError, 'CallApiError', 'ResponseValidationError');
export const isInvalidPhoneNumberError: (error: unknown) => error is InvalidPhoneNumberError =
  errorGuard(InvalidPhoneNumberError, 'CallApiError', 'InvalidPhoneNumberError');
export const isInvalidOptionsError: (error: unknown) => error is InvalidOptionsError = errorGuard(
  InvalidOptionsError,
  'CallApiError',
  'InvalidOptionsError',
);
export const isUnsupportedOperationError: (error: unknown) => error is UnsupportedOperationError =
  errorGuard(UnsupportedOperationError, 'UnsupportedOperationError');
export const isUnsupportedCallOptionError: (error: unknown) => error is UnsupportedCallOptionError =
  errorGuard(UnsupportedCallOptionError, 'CallApiError', 'UnsupportedCallOptionError');
export const isWebhookValidationError: (error: unknown) => error is WebhookValidationError =
  errorGuard(WebhookValidationError, 'CallApiError', 'WebhookValidationError');

/** `true` for the error an aborted AbortSignal raises (a DOMException named `AbortError`). */
export function isAbortError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { name?: unknown }).name === 'AbortError'
  );
}

function describeBody(body: unknown): string {
  if (body === undefined || body === '') return '';
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return `: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
