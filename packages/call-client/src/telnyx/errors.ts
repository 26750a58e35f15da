import { errorGuard } from '@ringkit/internal';
import { z } from 'zod';
import { HttpError } from '../errors/errors.js';
import { sameAnswer, toProviderError } from '../errors/_provider-errors.js';

/** Telnyx's error body: `{ errors: [{ code, title, detail?, source?, meta? }] }`. */
const telnyxErrorBodySchema = z.looseObject({
  errors: z
    .array(
      z.looseObject({
        code: z.union([z.string(), z.number()]).transform(String),
        title: z.string(),
        detail: z.string().optional(),
      }),
    )
    .min(1),
});

/**
 * Telnyx answered with its error body (`errors: [{ code, title, detail }]`). It is an
 * `HttpError`, so `isCallNotPlaced`/`isAmbiguousPlacement` judge it by its HTTP status like any
 * other (for Telnyx, a `4xx` created nothing and only `429` may be retried; a `5xx` is
 * ambiguous); the Telnyx code says more (`10009`: authentication failed, `10011`: too many
 * requests, `90018`: the call has already ended).
 */
export class TelnyxApiError extends HttpError {
  override name = 'TelnyxApiError';
  /** Telnyx's code of the first error, e.g. `'90018'`. */
  readonly telnyxCode: string;
  /** Its title, e.g. `'Call has already ended'`. */
  readonly title: string;
  /** Its detail, where Telnyx gives one. */
  readonly detail: string | undefined;

  constructor(error: HttpError, body: z.infer<typeof telnyxErrorBodySchema>) {
    super(sameAnswer(error));
    const [first] = body.errors;
    this.telnyxCode = first!.code;
    this.title = first!.title;
    this.detail = first!.detail;
    const detail = this.detail === undefined ? '' : ` (${this.detail})`;
    this.message = `${error.request.method} ${error.request.url} answered ${error.status}: Telnyx error ${this.telnyxCode}: ${this.title}${detail}`;
  }
}

/** `true` for a {@link TelnyxApiError}, across realms and package copies. */
export const isTelnyxApiError: (error: unknown) => error is TelnyxApiError = errorGuard(
  TelnyxApiError,
  'CallApiError',
  'TelnyxApiError',
);

/** An `HttpError` whose body is Telnyx's error shape becomes a {@link TelnyxApiError}. */
export function toTelnyxError(error: unknown): unknown {
  return toProviderError(
    error,
    isTelnyxApiError,
    telnyxErrorBodySchema,
    (http, body) => new TelnyxApiError(http, body),
  );
}

/** Telnyx's code for a command sent to a call that has already ended. */
export const CALL_ALREADY_ENDED = '90018';
