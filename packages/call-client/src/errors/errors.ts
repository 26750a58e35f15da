import { brand, errorGuard, formatIssues } from '@ringkit/internal';
import type { ZodError } from 'zod';

/**
 * The statuses with which the practice APIs say they did not act on a request and that may pass:
 * `429` (too many requests) and `503` (unavailable), as their simulator guarantees; the default
 * of an adapter that declares no list of its own. Twilio's list is `429` alone: it does not
 * document that a `503` created nothing. `502` and `504` are never among them: they come from a
 * gateway that gave up waiting, while the provider behind it may still be dialing.
 */
export const NOT_ACCEPTED_STATUSES: readonly number[] = [429, 503];

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
export class RequestTimeoutError extends CallApiError {
  override name = 'RequestTimeoutError';
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
export class ConnectionError extends CallApiError {
  override name = 'ConnectionError';
  readonly request: RequestInfo;
  /** The system error code when there is one, e.g. `'ECONNREFUSED'`. */
  readonly errno: string | undefined;

  constructor(init: { request: RequestInfo; errno: string | undefined; cause?: unknown }) {
    super(
      `${init.request.method} ${init.request.url} failed: ${init.errno ?? errorMessage(init.cause)}`,
      'connection_error',
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

/**
 * A request that would create a call was not sent: the placement's `beforeSend` (see
 * `PlaceCallRequest`) refused it right before it would have left, after every wait of the client.
 * Nothing reached the provider, so the call surely was not placed. `cause` is what `beforeSend`
 * threw, unchanged.
 */
export class PlacementWithheldError extends CallApiError {
  override name = 'PlacementWithheldError';

  constructor(cause: unknown) {
    super(
      `The call was not placed: its check before sending refused it (${
        cause instanceof Error ? cause.message : String(cause)
      })`,
      'placement_withheld',
      { cause },
    );
    brand(this, 'PlacementWithheldError');
  }
}

/** The provider cannot do what was asked of it (e.g. polling a webhook-only provider). */
export class UnsupportedOperationError extends CallApiError {
  override name = 'UnsupportedOperationError';
  /** The provider's `name`, where known. */
  readonly provider: string | undefined;
  /** What it cannot do: a method (`'cancelCall'`, `'hangUpCall'`, `'getCall'`) or a call option. */
  readonly operation: string | undefined;

  constructor(
    message: string,
    code = 'unsupported',
    details: { provider?: string; operation?: string } = {},
  ) {
    super(message, code);
    brand(this, 'UnsupportedOperationError');
    this.provider = details.provider;
    this.operation = details.operation;
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
  declare readonly provider: string;
  /** The option it cannot honour, e.g. `'say'` (also its `operation`). */
  readonly option: string;

  constructor(provider: string, option: string) {
    super(
      `The ${provider} provider cannot honour the call option ${JSON.stringify(option)}`,
      'unsupported_call_option',
      { provider, operation: option },
    );
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
/** `true` for a {@link HttpError}, across realms and package copies. */
export const isHttpError: (error: unknown) => error is HttpError = errorGuard(
  HttpError,
  'CallApiError',
  'HttpError',
);
/** `true` for a {@link RequestTimeoutError}, across realms and package copies. */
export const isRequestTimeoutError: (error: unknown) => error is RequestTimeoutError = errorGuard(
  RequestTimeoutError,
  'CallApiError',
  'RequestTimeoutError',
);
/** `true` for a {@link ConnectionError}, across realms and package copies. */
export const isConnectionError: (error: unknown) => error is ConnectionError = errorGuard(
  ConnectionError,
  'CallApiError',
  'ConnectionError',
);
/** `true` for a {@link ResponseValidationError}, across realms and package copies. */
export const isResponseValidationError: (error: unknown) => error is ResponseValidationError =
  errorGuard(ResponseValidationError, 'CallApiError', 'ResponseValidationError');
/** `true` for a {@link InvalidPhoneNumberError}, across realms and package copies. */
export const isInvalidPhoneNumberError: (error: unknown) => error is InvalidPhoneNumberError =
  errorGuard(InvalidPhoneNumberError, 'CallApiError', 'InvalidPhoneNumberError');
/** `true` for a {@link InvalidOptionsError}, across realms and package copies. */
export const isInvalidOptionsError: (error: unknown) => error is InvalidOptionsError = errorGuard(
  InvalidOptionsError,
  'CallApiError',
  'InvalidOptionsError',
);
/** `true` for a {@link UnsupportedOperationError} (and its subclass `UnsupportedCallOptionError`), across realms and package copies. */
export const isUnsupportedOperationError: (error: unknown) => error is UnsupportedOperationError =
  errorGuard(UnsupportedOperationError, 'UnsupportedOperationError');
/** `true` for a {@link UnsupportedCallOptionError}, across realms and package copies. */
export const isUnsupportedCallOptionError: (error: unknown) => error is UnsupportedCallOptionError =
  errorGuard(UnsupportedCallOptionError, 'CallApiError', 'UnsupportedCallOptionError');
/** `true` for a {@link PlacementWithheldError}, across realms and package copies. */
export const isPlacementWithheldError: (error: unknown) => error is PlacementWithheldError =
  errorGuard(PlacementWithheldError, 'PlacementWithheldError');
/** `true` for a {@link WebhookValidationError}, across realms and package copies. */
export const isWebhookValidationError: (error: unknown) => error is WebhookValidationError =
  errorGuard(WebhookValidationError, 'CallApiError', 'WebhookValidationError');

function describeBody(body: unknown): string {
  if (body === undefined || body === '') return '';
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return `: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
