import { errorGuard } from '@ringkit/internal';
import { z } from 'zod';
import { HttpError } from '../errors/errors.js';
import { sameAnswer, toProviderError } from '../errors/_provider-errors.js';

/** Twilio's error body: `{ code, message, more_info, status }`. */
const twilioErrorBodySchema = z.looseObject({
  code: z.number().int(),
  message: z.string(),
  more_info: z.string().optional(),
  status: z.number().int().optional(),
});

/**
 * Twilio answered with an error body (`code`, `message`, `more_info`). It is an `HttpError`, so
 * `isCallNotPlaced`/`isAmbiguousPlacement` judge it by its HTTP status like any other (for
 * Twilio, a `4xx` created nothing and only `429` may be retried; a `503` is ambiguous); the
 * Twilio code says more (`20003`: bad credentials, `21211`: an invalid `To`, `20429`: too many
 * requests; see Twilio's error dictionary).
 */
export class TwilioApiError extends HttpError {
  override name = 'TwilioApiError';
  /** Twilio's error code, e.g. `21211`. */
  readonly twilioCode: number;
  /** Twilio's message for it. */
  readonly twilioMessage: string;
  /** The page of Twilio's error dictionary that explains the code. */
  readonly moreInfo: string | undefined;

  constructor(error: HttpError, body: z.infer<typeof twilioErrorBodySchema>) {
    super(sameAnswer(error));
    this.message = `${error.request.method} ${error.request.url} answered ${error.status}: Twilio error ${body.code}: ${body.message}`;
    this.twilioCode = body.code;
    this.twilioMessage = body.message;
    this.moreInfo = body.more_info;
  }
}

/** `true` for a {@link TwilioApiError}, across realms and package copies. */
export const isTwilioApiError: (error: unknown) => error is TwilioApiError = errorGuard(
  TwilioApiError,
  'CallApiError',
  'TwilioApiError',
);

/** An `HttpError` whose body is Twilio's error shape becomes a {@link TwilioApiError}. */
export function toTwilioError(error: unknown): unknown {
  return toProviderError(
    error,
    isTwilioApiError,
    twilioErrorBodySchema,
    (http, body) => new TwilioApiError(http, body),
  );
}
