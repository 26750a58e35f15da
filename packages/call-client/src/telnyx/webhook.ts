import type { Clock } from '@ringkit/internal';
import { clockSchema, strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { InvalidOptionsError, type WebhookValidationError } from '../errors/errors.js';
import {
  functionSchema as fn,
  handOn,
  inboundOptionFields,
  invalidWebhook,
  reporterOf,
} from '../webhooks/_signed-webhook.js';
import type { InboundCallUpdate } from '../inbound/inbound.js';
import type { TelnyxProvider } from './options.js';
import { parseTelnyxWebhook, type TelnyxStatusEvent } from './event.js';
import { readInboundEvent } from './_inbound-event.js';
import { inboundUpdateOf } from './_inbound-updates.js';
import { verifyTelnyxSignature } from './signature.js';

/** Options of {@link createTelnyxWebhookHandler}. */
export interface TelnyxWebhookHandlerOptions {
  /** The public key Telnyx signs webhooks with, base64 (Mission Control › Keys & Credentials). */
  publicKey: string;
  /**
   * Receives each event that tells a call's status ({@link parseTelnyxWebhook}); the others are
   * answered `204` without it. A rejection answers `500`, so Telnyx sends the webhook again.
   */
  onEvent: (event: TelnyxStatusEvent) => void | Promise<void>;
  /**
   * Receives what each webhook of a call to the app's own numbers tells of it, as an
   * {@link InboundCallUpdate} (`ringing` on `call.initiated`, `answered` when a forward is picked
   * up, the voicemail's URL, the end); those webhooks then go to it instead of `onEvent`, the
   * forward's own leg included (its events are the caller's call's, or tell nothing). A rejection
   * answers `500`, so Telnyx sends the webhook again; a repeated webhook gives the same update.
   * @default none: every status event goes to `onEvent`, inbound calls' too
   */
  onInbound?: (update: InboundCallUpdate) => void | Promise<void>;
  /**
   * The app's own numbers (E.164), with `onInbound`: a caller who hangs up before the app's
   * first command took effect sends a `call.hangup` with no `direction` and no state of ours; one
   * to these numbers, from another, is that inbound call's end, handed to `onInbound` rather than
   * taken for a dialled call's.
   * @default none: such an early hang-up goes to `onEvent`
   * @example appNumbers: ['+14155550100']
   */
  appNumbers?: readonly string[];
  /**
   * The client that placed the calls: given, each webhook is first handed to its
   * `actOnWebhook` (which speaks a call's `say` once it is answered, and answers calls to the
   * app's numbers by its `inbound` policy). A failure to do so answers `500`, so Telnyx sends the
   * webhook again (each command's `command_id` keeps it to once).
   * @default none: nothing is spoken or answered
   */
  client?: Pick<TelnyxProvider, 'actOnWebhook'>;
  /** Told about every refused or failed webhook, e.g. to log it. */
  onError?: (error: unknown) => void;
  /**
   * The clock the signature's timestamp is checked against.
   * @default the system clock
   */
  clock?: Clock;
  /**
   * The most seconds a webhook's timestamp may lie from now.
   * @default 300
   */
  toleranceS?: number;
}

/** What a {@link TelnyxWebhookHandler} needs of a request. */
export interface TelnyxWebhookRequest {
  /** The body exactly as received (its signature covers it). */
  rawBody: string | Buffer | Uint8Array;
  /** The request's headers, names in any letter case. */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

/** What to answer Telnyx. */
export interface TelnyxWebhookResponse {
  status: 204 | 400 | 403 | 500;
  body?: { error: { code: string; message: string; details?: unknown } };
}

/** A framework-agnostic handler of Telnyx's webhooks. */
export type TelnyxWebhookHandler = (
  request: TelnyxWebhookRequest,
) => Promise<TelnyxWebhookResponse>;

const handlerOptionsSchema = strictObject({
  publicKey: z.string().min(1),
  ...inboundOptionFields,
  client: z
    .custom<TelnyxWebhookHandlerOptions['client']>(
      (v) => typeof (v as { actOnWebhook?: unknown } | null)?.actOnWebhook === 'function',
      'must be a Telnyx client (createTelnyxClient)',
    )
    .optional(),
  onError: fn.optional(),
  clock: clockSchema.optional(),
  toleranceS: z.number().min(0).max(86_400).optional(),
});

const FORBIDDEN: TelnyxWebhookResponse = {
  status: 403,
  body: { error: { code: 'forbidden', message: 'The request is not signed by Telnyx' } },
};

/**
 * Receives Telnyx's Call Control webhooks. A request without a valid Ed25519 signature for its
 * body and timestamp ({@link verifyTelnyxSignature}) gets `403` before anything in it is read;
 * a signed body that is not a Telnyx event gets `400`; a valid one is handed to the `client`'s
 * `actOnWebhook` (when given), then, when it tells a call's status, to `onEvent` (or, for a call
 * to the app's own numbers, when `onInbound` is given, to `onInbound`), then `204`.
 * Never throws once created; creating it throws an `InvalidOptionsError` for bad options (a
 * `publicKey` that is not 32 bytes of base64 included).
 *
 * @example
 * const handle = createTelnyxWebhookHandler({ publicKey, client: telnyx, onEvent: dialer.handleStatus });
 * const answer = await handle({ rawBody, headers });
 */
export function createTelnyxWebhookHandler(
  options: TelnyxWebhookHandlerOptions,
): TelnyxWebhookHandler {
  const parsed = handlerOptionsSchema.safeParse(options);
  if (!parsed.success)
    throw new InvalidOptionsError('createTelnyxWebhookHandler', parsed.error.issues);
  const { publicKey, onEvent, onInbound, client, clock, toleranceS } = options;
  const appNumbers = new Set(options.appNumbers);
  // A key that is not 32 bytes of base64 is a configuration mistake: said now, not per webhook.
  verifyTelnyxSignature({ publicKey, rawBody: '', headers: {} });
  const report = reporterOf(options.onError);

  return async ({ rawBody, headers }) => {
    const genuine = verifyTelnyxSignature({
      publicKey,
      rawBody,
      headers,
      ...(clock && { clock }),
      ...(toleranceS !== undefined && { toleranceS }),
    });
    if (!genuine) {
      report(new Error('A Telnyx webhook arrived without a valid signature'));
      return FORBIDDEN;
    }
    const text = typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8');
    let event: TelnyxStatusEvent | null;
    let body: unknown;
    try {
      body = JSON.parse(text);
      event = parseTelnyxWebhook(body);
    } catch (error) {
      report(error);
      const { message, reason } = error as Partial<WebhookValidationError>;
      return reason === undefined
        ? invalidWebhook('The body is not JSON')
        : invalidWebhook(message ?? '', reason);
    }
    const inbound =
      onInbound &&
      readInboundEvent(body, { appNumbers, ...(clock && { now: new Date(clock.now()) }) });
    return handOn(report, async () => {
      await client?.actOnWebhook(body);
      if (inbound && onInbound) {
        const update = inboundUpdateOf(inbound);
        if (update !== null) await onInbound(update);
      } else if (event !== null) await onEvent(event);
    });
  };
}
