import { NEVER_CONNECTED_ERRNOS } from '@ringkit/internal';
import {
  isHttpError,
  isInvalidOptionsError,
  isInvalidPhoneNumberError,
  isConnectionError,
  isUnsupportedOperationError,
  isPlacementWithheldError,
  NOT_ACCEPTED_STATUSES,
  type HttpError,
} from './errors.js';

/** Codes of connection errors that happen before a request could have reached the server. */
export const CONNECT_ERRNOS: ReadonlySet<string> = new Set([
  ...NEVER_CONNECTED_ERRNOS,
  // undici's code for a connection not made within its connect timeout (see http/_transport.ts).
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * `true` when a failed `placeCall` surely created no call: the request was refused before it was
 * sent (an invalid number, invalid or unsupported call options, a `beforeSend` that refused it:
 * {@link PlacementWithheldError}), the connection was never made,
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
    isUnsupportedOperationError(error) ||
    isPlacementWithheldError(error)
  )
    return true;
  if (isHttpError(error)) return (error.status >= 400 && error.status < 500) || notAccepted(error);
  return isConnectionError(error) && CONNECT_ERRNOS.has(error.errno ?? '');
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
  return isConnectionError(error) && CONNECT_ERRNOS.has(error.errno ?? '');
}
