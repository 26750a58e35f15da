import type { Clock } from '@ringkit/internal';
import { clockSchema, strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { InvalidOptionsError } from '../errors/errors.js';
import {
  functionSchema as fn,
  handOn,
  headerOf,
  inboundOptionFields,
  refusedEvent,
  reporterOf,
} from '../webhooks/_signed-webhook.js';
import type { InboundCallUpdate } from '../inbound/inbound.js';
import { parseVonageEvent, type VonageStatusEvent } from './event.js';
import { e164Of, inboundUpdateOf } from './inbound-update.js';
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
  /**
   * Receives how each call to the app's numbers ended, as an {@link InboundCallUpdate}
   * ({@link inboundUpdateOf}); the events of those calls' caller legs (`direction:
   * 'inbound'`) then go to it instead of `onEvent`, those that tell no end included (they tell it
   * nothing). A rejection answers `500`, so Vonage sends the event again; a repeated event gives
   * the same update.
   * @default none: every status event goes to `onEvent`, inbound calls' too
   */
  onInbound?: (update: InboundCallUpdate) => void | Promise<void>;
  /**
   * The app's own numbers (E.164), with `onInbound`: an event that carries no `direction`, to one
   * of these numbers from another, is taken for a caller leg's, handed to `onInbound` rather than
   * taken for a placed call's.
   * @default none: an event without a direction goes to `onEvent`
   * @example appNumbers: ['+442079460000']
   */
  appNumbers?: readonly string[];
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

const handlerOptionsSchema = strictObject({
  signatureSecret: z.string().min(1),
  ...inboundOptionFields,
  onError: fn.optional(),
  clock: clockSchema.optional(),
  maxSkewS: z.number().min(0).max(86_400).optional(),
});

/**
 * Whether a body is a `record` action's event (`recording_url`, `conversation_uuid`, no leg
 * `uuid` and no `status`), which Vonage sends to the application's event URL when the action
 * names no `eventUrl` of its own.
 */
function isRecordingEvent(rawBody: string | Uint8Array): boolean {
  const text = typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const fields = value as Record<string, unknown>;
  return (
    typeof fields['recording_url'] === 'string' &&
    fields['uuid'] === undefined &&
    fields['status'] === undefined
  );
}

/**
 * Receives Vonage's Voice API event webhooks (sent as `POST` with a JSON body, the default). A
 * request without a valid signed JWT for its body ({@link verifyVonageSignature}: HS256 with the
 * signature secret, `iat` within `maxSkewS`, `payload_hash` the body's SHA-256) gets `401` with a
 * JSON body saying why, before anything in it is read; a signed body that is not a Vonage event
 * gets `400`; a valid one that tells a call's status is handed to `onEvent` (or, for the caller
 * leg of a call to the app's numbers, when `onInbound` is given, to `onInbound` as an
 * {@link InboundCallUpdate} where it tells the call's end), then `204`; a `record` action's
 * event, which names no leg, is answered `204` without either.
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
  const { signatureSecret, onEvent, onInbound, clock, maxSkewS } = options;
  const appNumbers = new Set(options.appNumbers);
  /** The event as a caller leg's, when it is one (`direction` inbound, or none to an app number). */
  const inboundLeg = (event: VonageStatusEvent): VonageStatusEvent | undefined => {
    if (event.direction === 'inbound') return event;
    if (event.direction !== undefined) return undefined;
    const toApp = appNumbers.has(e164Of(event.to)) && !appNumbers.has(e164Of(event.from));
    return toApp ? { ...event, direction: 'inbound' } : undefined;
  };
  const report = reporterOf(options.onError);

  return async ({ rawBody, headers }) => {
    const check = verifyVonageSignature({
      signatureSecret,
      authorization: headerOf(headers, 'authorization'),
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
      // A `record` action's event names a conversation, not a leg: it tells no call's status.
      if (isRecordingEvent(rawBody)) return { status: 204 };
      report(error);
      return refusedEvent(error);
    }
    return handOn(report, async () => {
      const inbound = event !== null && onInbound ? inboundLeg(event) : undefined;
      if (inbound !== undefined) {
        const update = inboundUpdateOf(inbound);
        if (update !== null) await onInbound?.(update);
      } else if (event !== null) await onEvent(event);
    });
  };
}
