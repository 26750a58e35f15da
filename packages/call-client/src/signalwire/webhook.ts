import { strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { InvalidOptionsError } from '../errors/errors.js';
import { idSchema } from '../twilio/_flavour.js';
import {
  createFlavouredWebhookHandler,
  type TwilioWebhookHandler,
  type TwilioWebhookHandlerOptions,
} from '../twilio/webhook.js';
import { SIGNALWIRE } from './_flavour.js';
import type { SignalWireStatusCallback } from './status-callback.js';

/** Options of {@link createSignalWireWebhookHandler}. */
export interface SignalWireWebhookHandlerOptions {
  /**
   * The project's signing key: the key of its callbacks' signatures (not its API token).
   * @example process.env.SIGNALWIRE_SIGNING_KEY!
   */
  signingKey: string;
  /** Receives each valid event. A rejection answers `500`, so SignalWire may send it again. */
  onEvent: (event: SignalWireStatusCallback) => void | Promise<void>;
  /**
   * The project the callbacks must come from (their `AccountSid`): a validly signed callback of
   * another project is answered `403` and changes nothing.
   * @default any project (the signature alone decides)
   */
  projectId?: string;
  /**
   * Told about every refused or failed callback, e.g. to log it.
   * @default none
   */
  onError?: (error: unknown) => void;
}

/** The options' schema: `./twilio`'s, with SignalWire's key and project. */
export const signalWireHandlerOptionsSchema = strictObject({
  signingKey: z.string().min(1),
  onEvent: z.custom<TwilioWebhookHandlerOptions['onEvent']>((v) => typeof v === 'function'),
  projectId: idSchema(SIGNALWIRE.accountSid).optional(),
  onError: z.custom<(error: unknown) => void>((v) => typeof v === 'function').optional(),
});

/**
 * Receives SignalWire's status callbacks: `createTwilioWebhookHandler` in SignalWire's flavour.
 * A request without a valid signature for its URL and parameters under `signingKey` (see
 * {@link verifySignalWireSignature}) gets `403` and `onEvent` is not called; so does a JSON
 * request (given as `body`) whose body's SHA-256 is not the URL's `bodySHA256`. Malformed
 * parameters get `400`; a valid callback is read by {@link parseSignalWireStatusCallback} and
 * handed to `onEvent`, then `204`. Never throws. Pass the `X-SignalWire-Signature` header as
 * `signature` (or, without one, `X-Twilio-Signature`).
 *
 * @example
 * const handle = createSignalWireWebhookHandler({ signingKey, onEvent: dialer.handleStatus });
 * const answer = await handle({
 *   url,
 *   params,
 *   signature: headers['x-signalwire-signature'] ?? headers['x-twilio-signature'],
 * });
 */
export function createSignalWireWebhookHandler(
  options: SignalWireWebhookHandlerOptions,
): TwilioWebhookHandler {
  const parsed = signalWireHandlerOptionsSchema.safeParse(options);
  if (!parsed.success)
    throw new InvalidOptionsError('createSignalWireWebhookHandler', parsed.error.issues);
  const { signingKey, projectId, onEvent, onError } = options;
  return createFlavouredWebhookHandler(SIGNALWIRE, {
    key: signingKey,
    account: projectId,
    onEvent,
    onError,
  });
}
