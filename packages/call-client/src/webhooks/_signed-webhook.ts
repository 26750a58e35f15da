import { z } from 'zod';
import type { WebhookValidationError } from '../errors/errors.js';

/** A function option, for the handlers' option schemas. */
export const functionSchema = z.custom<(...args: never[]) => unknown>(
  (v) => typeof v === 'function',
);

/** The option fields every signed-webhook handler with an inbound side checks alike. */
export const inboundOptionFields = {
  onEvent: functionSchema,
  onInbound: functionSchema.optional(),
  appNumbers: z
    .array(z.string().regex(/^\+[1-9]\d{1,14}$/, 'must be E.164'))
    .max(1000)
    .optional(),
};

/** The body of a handler's JSON answer. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** The `500` a handler answers when acting on a valid webhook failed, so that it is sent again. */
export const HANDLING_FAILED: { status: 500; body: ErrorBody } = {
  status: 500,
  body: { error: { code: 'internal', message: 'The event could not be handled' } },
};

/** The `400` to a signed body that is not the provider's event, saying why. */
export function invalidWebhook(
  message: string,
  details?: unknown,
): { status: 400; body: ErrorBody } {
  return {
    status: 400,
    body: {
      error: { code: 'invalid_webhook', message, ...(details === undefined ? {} : { details }) },
    },
  };
}

/** The `400` to a body whose event could not be read: a {@link WebhookValidationError}'s message and reason. */
export function refusedEvent(error: unknown): { status: 400; body: ErrorBody } {
  const { message, reason } = error as WebhookValidationError;
  return { status: 400, body: { error: { code: 'invalid_webhook', message, details: reason } } };
}

/** Tells `onError` of a refused or failed webhook; a failing `onError` changes no answer. */
export function reporterOf(onError: ((error: unknown) => void) | undefined) {
  return (error: unknown): void => {
    try {
      onError?.(error);
    } catch {
      // A failing logger must not turn into a failed webhook.
    }
  };
}

/**
 * Runs `act` on a valid webhook: `204` when it succeeds, {@link HANDLING_FAILED} (its failure
 * told to `report`) when it throws or rejects.
 */
export async function handOn(
  report: (error: unknown) => void,
  act: () => Promise<void>,
): Promise<{ status: 204 } | typeof HANDLING_FAILED> {
  try {
    await act();
  } catch (error) {
    report(error);
    return HANDLING_FAILED;
  }
  return { status: 204 };
}

/**
 * The header `name` (lower case) in any letter case: as Node and Express spell it (lower case)
 * first, else the first of another spelling.
 */
export function headerOf(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  name: string,
): string | readonly string[] | undefined {
  if (headers[name] !== undefined) return headers[name];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}
