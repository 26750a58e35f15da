import { errorGuard } from '@ringkit/internal';
import { z } from 'zod';
import { HttpError } from '../errors/errors.js';
import { sameAnswer, toProviderError } from '../errors/_provider-errors.js';

/**
 * Vonage's error body, RFC 7807 problem details: `{ type, title, detail?, instance?,
 * invalid_parameters? }` (its API errors reference).
 */
const vonageErrorBodySchema = z.looseObject({
  type: z.string().optional(),
  title: z.string(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  invalid_parameters: z.array(z.looseObject({ name: z.string().optional() })).optional(),
});

/**
 * Vonage answered with its error body (`type`, `title`, `detail`, `instance`). It is an
 * `HttpError`, so `isCallNotPlaced`/`isAmbiguousPlacement` judge it by its HTTP status like any
 * other: for Vonage a `4xx` created nothing and only `429` may be sent again; a `5xx` is of
 * unknown outcome. `type` names the problem (`…/api-errors#unauthorized`,
 * `…/api-errors/voice#...`), `instance` is the request's id for Vonage's support.
 */
export class VonageApiError extends HttpError {
  override name = 'VonageApiError';
  /** The problem's URI, e.g. `'https://developer.nexmo.com/api-errors#unauthorized'`. */
  readonly vonageType: string | undefined;
  /** Its title, e.g. `'Invalid credentials supplied'`. */
  readonly title: string;
  /** Its detail, where Vonage gives one. */
  readonly detail: string | undefined;
  /** The id of the request at Vonage. */
  readonly instance: string | undefined;
  /** The parameters Vonage found wrong (`invalid_parameters`), where it lists them. */
  readonly invalidParameters: readonly unknown[];

  constructor(error: HttpError, body: z.infer<typeof vonageErrorBodySchema>) {
    super(sameAnswer(error));
    this.vonageType = body.type;
    this.title = body.title;
    this.detail = body.detail;
    this.instance = body.instance;
    this.invalidParameters = body.invalid_parameters ?? [];
    const detail = this.detail === undefined ? '' : ` (${this.detail})`;
    this.message = `${error.request.method} ${error.request.url} answered ${error.status}: Vonage error: ${this.title}${detail}`;
  }
}

/** `true` for a {@link VonageApiError}, across realms and package copies. */
export const isVonageApiError: (error: unknown) => error is VonageApiError = errorGuard(
  VonageApiError,
  'CallApiError',
  'VonageApiError',
);

/** An `HttpError` whose body is Vonage's problem details becomes a {@link VonageApiError}. */
export function toVonageError(error: unknown): unknown {
  return toProviderError(
    error,
    isVonageApiError,
    vonageErrorBodySchema,
    (http, body) => new VonageApiError(http, body),
  );
}
