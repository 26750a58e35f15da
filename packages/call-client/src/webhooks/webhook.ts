import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { strictObject, unstorableText } from '@ringkit/internal';
import { z } from 'zod';
import { providerIdSchema } from '../providers/_schemas.js';
import { InvalidOptionsError, WebhookValidationError } from '../errors/errors.js';
import { mapAnsweredBy } from '../providers/call-options.js';
import type { CallStatusEvent } from '../providers/provider.js';
import { mapProviderStatus } from '../status.js';

const bodySchema = z.record(z.string(), z.unknown());

/**
 * The status words the webhook flavour ("Num Dialer API") sends: the call rings, is answered,
 * and ends `completed`, or `busy`, `no-answer` or `failed` (the other ends a real dialer has, and
 * the simulator plays). Never `queued`, `initiated` or `canceled`: a webhook saying one of those
 * did not come from the provider.
 */
export const NUM_DIALER_WEBHOOK_STATUSES: readonly string[] = Object.freeze([
  'ringing',
  'answered',
  'completed',
  'busy',
  'no-answer',
  'failed',
]);

/** Options of {@link parseStatusWebhook}. */
export interface ParseStatusWebhookOptions {
  /** The event's time. @default new Date() */
  now?: Date;
  /**
   * The status words the provider sends in webhooks; any other is refused with reason
   * `unexpected_status`. Leave it out to take every word call-client knows.
   * @example NUM_DIALER_WEBHOOK_STATUSES
   */
  statuses?: readonly string[];
}

/**
 * Parses a status webhook body (`{ "id": 2345, "status": "ringing" }`, as an object, a JSON string
 * or bytes) into a {@link CallStatusEvent}. Anything malformed (not JSON, not an object, a missing
 * id, a missing or unknown status, a status the provider never sends) is a
 * {@link WebhookValidationError} saying which. An `answered_by` word, where the provider sends
 * one, is the event's `answeredBy`; `raw` is the body as parsed.
 */
export function parseStatusWebhook(
  body: unknown,
  options: ParseStatusWebhookOptions = {},
): CallStatusEvent {
  let value = body;
  if (typeof value === 'string' || value instanceof Uint8Array) {
    const text = typeof value === 'string' ? value : utf8.decode(value);
    try {
      value = JSON.parse(text);
    } catch {
      throw new WebhookValidationError({
        reason: 'not_json',
        message: 'The webhook body is not JSON',
        body: text,
      });
    }
  }
  const fields = plainFields(value) ?? parseFields(value, body);
  const id = fastProviderId(fields['id']) ?? parseProviderId(fields['id'], value);
  const word = fields['status'];
  if (typeof word !== 'string' || word.trim() === '') {
    throw new WebhookValidationError({
      reason: 'missing_status',
      message: `The webhook for call ${id} has no "status"`,
      body: value,
    });
  }
  const status = mapProviderStatus(word);
  if (status === undefined) {
    throw new WebhookValidationError({
      reason: 'unknown_status',
      message: `The webhook for call ${id} has an unknown status ${JSON.stringify(word)}`,
      body: value,
      providerStatus: word,
    });
  }
  if (options.statuses && !options.statuses.includes(word)) {
    throw new WebhookValidationError({
      reason: 'unexpected_status',
      message: `The webhook for call ${id} says ${JSON.stringify(word)}, which this provider never sends (expected one of ${options.statuses.join(', ')})`,
      body: value,
      providerStatus: word,
    });
  }
  const event: CallStatusEvent = {
    callId: id,
    status,
    providerStatus: word,
    at: options.now ?? new Date(),
    raw: value,
  };
  const answeredBy =
    typeof fields['answered_by'] === 'string' ? mapAnsweredBy(fields['answered_by']) : undefined;
  if (answeredBy !== undefined) event.answeredBy = answeredBy;
  return event;
}

const utf8 = new TextDecoder();

/**
 * The body's fields when it is surely what `bodySchema` accepts as it is: a plain object (no
 * prototype but `Object`'s, no `constructor` or symbol of its own), whose own enumerable `id` and
 * `status` are read as zod's copy would have them. `undefined` for anything else, which zod then
 * judges.
 */
function plainFields(
  value: unknown,
): { id?: unknown; status?: unknown; answered_by?: unknown } | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return undefined;
  if (Object.hasOwn(value, 'constructor') || Object.getOwnPropertySymbols(value).length > 0)
    return undefined;
  const fields = value as Record<string, unknown>;
  return {
    id: Object.prototype.propertyIsEnumerable.call(value, 'id') ? fields['id'] : undefined,
    status: Object.prototype.propertyIsEnumerable.call(value, 'status')
      ? fields['status']
      : undefined,
    answered_by: Object.prototype.propertyIsEnumerable.call(value, 'answered_by')
      ? fields['answered_by']
      : undefined,
  };
}

function parseFields(value: unknown, body: unknown): Record<string, unknown> {
  const shape = bodySchema.safeParse(value);
  if (!shape.success || Array.isArray(value)) {
    throw new WebhookValidationError({
      reason: 'not_object',
      message: 'The webhook body must be a JSON object',
      body,
      issues: shape.success ? [] : shape.error.issues,
    });
  }
  return shape.data;
}

/**
 * The id as `providerIdSchema` makes it, when it surely passes: a whole number from 0 up to
 * `Number.MAX_SAFE_INTEGER`, or a string of 1 to 256 characters once trimmed that is storable
 * text. `undefined` otherwise, which zod then judges.
 */
function fastProviderId(id: unknown): string | undefined {
  if (typeof id === 'number') return Number.isSafeInteger(id) && id >= 0 ? String(id) : undefined;
  if (typeof id !== 'string') return undefined;
  const trimmed = id.trim();
  const fits = trimmed.length >= 1 && trimmed.length <= 256 && unstorableText(trimmed) === null;
  return fits ? trimmed : undefined;
}

function parseProviderId(id: unknown, body: unknown): string {
  const parsed = providerIdSchema.safeParse(id);
  if (!parsed.success) {
    throw new WebhookValidationError({
      reason: 'missing_id',
      message: 'The webhook body has no valid "id" (a non-empty string or a whole number)',
      body,
      issues: parsed.error.issues,
    });
  }
  return parsed.data;
}

/** A fresh unguessable token (192 random bits, URL-safe) for a webhook URL. */
export function createWebhookToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Options of {@link createWebhookHandler}. */
export interface WebhookHandlerOptions {
  /** The secret the webhook URL carries; at least 16 characters. */
  token: string;
  /** Receives each valid event. A rejection answers `500`, so the provider may retry. */
  onEvent: (event: CallStatusEvent) => void | Promise<void>;
  /** Told about every refused or failed webhook, e.g. to log it. */
  onError?: (error: unknown) => void;
  /**
   * The status words the provider sends; a webhook with any other is answered `400` and changes
   * nothing.
   * @default NUM_DIALER_WEBHOOK_STATUSES
   */
  statuses?: readonly string[];
}

/** What to answer the provider. */
export interface WebhookResponse {
  status: 204 | 400 | 404 | 500;
  body?: { error: { code: string; message: string; details?: unknown } };
}

/** A framework-agnostic webhook handler: give it the token from the path and the body. */
export type WebhookHandler = (request: {
  token: string | undefined;
  body: unknown;
}) => Promise<WebhookResponse>;

const handlerOptionsSchema = strictObject({
  token: z.string().min(16, 'the token must have at least 16 characters'),
  onEvent: z.custom<WebhookHandlerOptions['onEvent']>((v) => typeof v === 'function'),
  onError: z.custom<(error: unknown) => void>((v) => typeof v === 'function').optional(),
  statuses: z.array(z.string().min(1)).min(1).readonly().optional(),
});

/**
 * Receives status webhooks. A request whose token differs (compared in constant time) gets `404`,
 * as if nothing were there; a malformed body `400`; a valid one is handed to `onEvent`, then `204`.
 */
export function createWebhookHandler(options: WebhookHandlerOptions): WebhookHandler {
  const parsed = handlerOptionsSchema.safeParse(options);
  if (!parsed.success) throw new InvalidOptionsError('createWebhookHandler', parsed.error.issues);
  const expected = digest(options.token);
  const { onEvent, onError } = options;
  const statuses = options.statuses ?? NUM_DIALER_WEBHOOK_STATUSES;

  return async ({ token, body }) => {
    if (typeof token !== 'string' || !timingSafeEqual(digest(token), expected)) {
      onError?.(new Error('A webhook arrived with an unknown token'));
      return { status: 404, body: { error: { code: 'not_found', message: 'Not found' } } };
    }
    let event: CallStatusEvent;
    try {
      event = parseStatusWebhook(body, { statuses });
    } catch (error) {
      onError?.(error);
      const { message, reason } = error as WebhookValidationError;
      return {
        status: 400,
        body: { error: { code: 'invalid_webhook', message, details: reason } },
      };
    }
    try {
      await onEvent(event);
    } catch (error) {
      onError?.(error);
      return {
        status: 500,
        body: { error: { code: 'internal', message: 'The event could not be handled' } },
      };
    }
    return { status: 204 };
  };
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
