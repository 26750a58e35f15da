import type { Clock } from '@ringkit/internal';
import { clockSchema, strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { InvalidOptionsError, type WebhookValidationError } from '../errors/errors.js';
import { parseVonageEvent, type VonageStatusEvent } from './event.js';
import { verifyVonageSignature, VonageSignatureError } from './signature.js';

/** Options of {@link createVonageWebhookHandler}. */
export interface VonageWebhookHandlerOptions {
  /** The signature secret Vonage signs webhooks with (Dashboard › Settings). */
  signatureSecret: string;
  /**
   * Receives each event that tells a call's status ({@link parseVonageEvent}); the others are
   * answered `204` without it. A rejection answers `500`, so Vonage sends the event again.
   */
  onEvent: (event: VonageStatusEvent) => void | Promise<void>;
  /** Told about every refused or failed webhook, e.g. to log it. */
  onError?: (error: unknown) => void;
  /**
   * The clock the token's `iat` is checked against.
   * @default the system clock
   */
  clock?: Clock;
  /**
   * The most seconds a token's `iat` may lie from now, either way.
   * @default 300
   */
  maxSkewS?: number;
}

/** What a {@link VonageWebhookHandler} needs of a request. */
export interface VonageWebhookRequest {
  /** The body exactly as received (its `payload_hash` covers it). */
  rawBody: string | Buffer | Uint8Array;
  /** The request's headers, names in any letter case: `authorization` is read. */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

/** What to answer Vonage. */
export interface VonageWebhookResponse {
  status: 204 | 400 | 401 | 500;
  body?: { error: { code: string; message: string; details?: unknown } };
}

/** A framework-agnostic handler of Vonage's event webhooks. */
export type VonageWebhookHandler = (
  request: VonageWebhookRequest,
) => Promise<VonageWebhookResponse>;

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function');

const handlerOptionsSchema = strictObject({
  signatureSecret: z.string().min(1),
  onEvent: fn,
  onError: fn.optional(),
  clock: clockSchema.optional(),
  maxSkewS: z.number().min(0).max(86_400).optional(),
});

const FAILED: VonageWebhookResponse = {
  status: 500,
  body: { error: { code: 'internal', message: 'The event could not be handled' } },
};

/** The `authorization` header in any letter case, as Node and Express spell it (lower case) or not. */
function authorizationOf(
  headers: VonageWebhookRequest['headers'],
): string | readonly string[] | undefined {
  if (headers['authorization'] !== undefined) return headers['authorization'];
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'authorization') return value;
  }
  return undefined;
}

/**
 * Receives Vonage's Voice API event webhooks (sent as `POST` with a JSON body, the default). A
 * request without a valid signed JWT for its body ({@link verifyVonageSignature}: HS256 with the
 * signature secret, `iat` within `maxSkewS`, `payload_hash` the body's SHA-256) gets `401` with a
 * JSON body saying why, before anything in it is read; a signed body that is not a Vonage event
 * gets `400`; a valid one that tells a call's status is handed to `onEvent`, then `204`.
 * Never throws once created; creating it throws an `InvalidOptionsError` for bad options.
 *
 * @example
 * const handle = createVonageWebhookHandler({ signatureSecret, onEvent: dialer.handleStatus });
 * const answer = await handle({ rawBody, headers });
 */
export function createVonageWebhookHandler(
  options: VonageWebhookHandlerOptions,
): VonageWebhookHandler {
  const parsed = handlerOptionsSchema.safeParse(options);
  if (!parsed.success)
    throw new InvalidOptionsError('createVonageWebhookHandler', parsed.error.issues);
  const { signatureSecret, onEvent, clock, maxSkewS } = options;
  const report = (error: unknown) => {
    try {
      options.onError?.(error);
    } catch {
      // A failing logger must not turn into a failed webhook.
    }
  };

  return async ({ rawBody, headers }) => {
    const check = verifyVonageSignature({
      signatureSecret,
      authorization: authorizationOf(headers),
      rawBody,
      ...(clock && { now: new Date(clock.now()) }),
      ...(maxSkewS !== undefined && { maxSkewS }),
    });
    if (!check.valid) {
      report(new VonageSignatureError(check.reason, check.message));
      return {
        status: 401,
        body: {
          error: {
            code: 'unauthorized',
            message: 'The request is not signed by Vonage',
            details: check.reason,
          },
        },
      };
    }
    let event: VonageStatusEvent | null;
    try {
      event = parseVonageEvent(rawBody, clock ? { now: new Date(clock.now()) } : {});
    } catch (error) {
      report(error);
      const { message, reason } = error as WebhookValidationError;
      return {
        status: 400,
        body: { error: { code: 'invalid_webhook', message, details: reason } },
      };
    }
    try {
      if (event !== null) await onEvent(event);
    } catch (error) {
      report(error);
      return FAILED;
    }
    return { status: 204 };
  };
}
