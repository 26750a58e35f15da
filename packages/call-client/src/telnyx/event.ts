import { z } from 'zod';
import { WebhookValidationError } from '../errors/errors.js';
import { callControlIdSchema } from './_ids.js';
import type { AnsweredBy } from '../providers/call-options.js';
import type { CallStatusEvent } from '../providers/provider.js';
import type { CallStatus } from '../status.js';

/** The `hangup_cause` words of Telnyx's `call.hangup` (`CallHangup.Payload` of the `telnyx` package). */
export const TELNYX_HANGUP_CAUSES: readonly string[] = Object.freeze([
  'call_rejected',
  'normal_clearing',
  'originator_cancel',
  'timeout',
  'time_limit',
  'user_busy',
  'not_found',
  'no_answer',
  'unspecified',
]);

/** A Telnyx call event as ringkit reads it: a {@link CallStatusEvent} and Telnyx's fields. */
export interface TelnyxStatusEvent extends CallStatusEvent {
  /** The `call_control_id`. */
  callId: string;
  /** The event's `event_type`, e.g. `call.hangup`. */
  eventType: string;
  /** The event's own `id`: a repeated delivery carries the same one. */
  eventId?: string;
  /** `incoming` for a call to one of your numbers, `outgoing` for one you dialled. */
  direction?: string;
  /** The `from` of the call, where Telnyx sends it. */
  from?: string;
  /** The `to` of the call, where Telnyx sends it. */
  to?: string;
  /** `call_leg_id`, where Telnyx sends it. */
  callLegId?: string;
  /** `call_session_id`, where Telnyx sends it. */
  callSessionId?: string;
  /** The `hangup_cause` of a `call.hangup`, verbatim. */
  hangupCause?: string;
  /** The `hangup_source` of a `call.hangup` (`caller`, `callee`, `unknown`). */
  hangupSource?: string;
  /** The call's `client_state` (base64), as Telnyx sent it. */
  clientState?: string;
}

/** Options of {@link parseTelnyxWebhook}. */
export interface ParseTelnyxWebhookOptions {
  /**
   * The event's time when it has no readable `occurred_at`.
   * @default new Date()
   */
  now?: Date;
}

const text = (max: number) => z.string().max(max);

const payloadSchema = z.looseObject({
  call_control_id: callControlIdSchema,
  call_leg_id: text(256).optional(),
  call_session_id: text(256).optional(),
  client_state: text(16_384).nullish(),
  direction: text(32).optional(),
  from: text(256).optional(),
  to: text(256).optional(),
  hangup_cause: text(64).optional(),
  hangup_source: text(32).optional(),
  result: text(64).optional(),
});

const envelopeSchema = z.looseObject({
  data: z.looseObject({
    event_type: z
      .string()
      .regex(/^[a-z][a-z0-9_.]{0,99}$/, 'must be an event type such as call.hangup'),
    id: text(256).optional(),
    occurred_at: text(64).optional(),
    record_type: text(32).optional(),
    payload: z.unknown().optional(),
  }),
});

/** `hangup_cause` → the call's end (Telnyx sends no status word of its own). */
const HANGUP: Readonly<Record<string, CallStatus>> = {
  normal_clearing: 'completed',
  // The call was answered and reached its `time_limit_secs`: a conversation that took place.
  time_limit: 'completed',
  user_busy: 'busy',
  call_rejected: 'busy',
  timeout: 'no-answer',
  no_answer: 'no-answer',
  originator_cancel: 'canceled',
};

/** The results of standard and premium machine detection, as an {@link AnsweredBy}. */
const DETECTED: Readonly<Record<string, AnsweredBy>> = {
  human: 'human',
  human_residence: 'human',
  human_business: 'human',
  machine: 'machine',
  fax_detected: 'fax',
  not_sure: 'unknown',
  silence: 'unknown',
};

const DETECTION_ENDED = new Set([
  'call.machine.detection.ended',
  'call.machine.premium.detection.ended',
]);

/**
 * Reads one Telnyx Call Control webhook (`{ data: { event_type, id, occurred_at, payload }, meta }`,
 * the raw JSON string or the parsed object) as a {@link TelnyxStatusEvent}, whose `callId` is the
 * `call_control_id` and whose `at` is Telnyx's `occurred_at`:
 * - `call.initiated` → `initiated`; `call.answered` → `answered` (Telnyx sends no ringing event);
 * - `call.hangup` by its `hangup_cause`: `normal_clearing` and `time_limit` → `completed`,
 *   `user_busy`/`call_rejected` → `busy`, `timeout`/`no_answer` → `no-answer`,
 *   `originator_cancel` → `canceled`, anything else → `failed`; the cause is `providerStatus`;
 * - `call.machine.detection.ended` and `call.machine.premium.detection.ended` → `answered` with
 *   `answeredBy` (`human`, `machine`, `fax`, or `unknown` for `not_sure` and `silence`).
 *
 * Returns `null` for every other event (speak, recording, greeting ended…): none changes a call's
 * status. The call's length is not in the hang-up event: it is the time from the `call.answered`
 * event's `at` to the `call.hangup` event's `at`, which the scheduler and the dialer compute.
 * Throws a `WebhookValidationError` for anything that is not a Telnyx event.
 *
 * @example
 * const event = parseTelnyxWebhook(rawBody);
 * if (event) await scheduler.handleStatus(event);
 */
export function parseTelnyxWebhook(
  body: unknown,
  options: ParseTelnyxWebhookOptions = {},
): TelnyxStatusEvent | null {
  let value = body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    try {
      value = JSON.parse(body.toString());
    } catch (cause) {
      throw new WebhookValidationError({
        reason: 'not_json',
        message: `A Telnyx webhook must be JSON: ${(cause as Error).message}`,
        body,
      });
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new WebhookValidationError({
      reason: 'not_object',
      message: 'A Telnyx webhook must be a JSON object',
      body,
    });
  const envelope = envelopeSchema.safeParse(value);
  if (!envelope.success)
    throw new WebhookValidationError({
      reason: 'missing_status',
      message:
        'A Telnyx webhook has data.event_type (the { data: { event_type, payload } } envelope)',
      body,
      issues: envelope.error.issues,
    });
  const { event_type: type, id, occurred_at: occurredAt } = envelope.data.data;
  const status = statusOf(type);
  if (status === null) return null;
  const payload = payloadSchema.safeParse(envelope.data.data.payload);
  if (!payload.success)
    throw new WebhookValidationError({
      reason: payload.error.issues.some(
        (i) => i.path.length === 0 || i.path[0] === 'call_control_id',
      )
        ? 'missing_id'
        : 'invalid_field',
      message: `A Telnyx ${type} event's payload is malformed`,
      body,
      issues: payload.error.issues,
    });
  const p = payload.data;
  const event: TelnyxStatusEvent = {
    callId: p.call_control_id,
    status: 'initiated',
    providerStatus: type,
    at: dateOf(occurredAt) ?? options.now ?? new Date(),
    eventType: type,
    raw: value,
  };
  if (type === 'call.hangup') {
    const cause = p.hangup_cause ?? 'unspecified';
    event.status = HANGUP[cause] ?? 'failed';
    event.providerStatus = cause;
  } else if (type === 'call.answered' || DETECTION_ENDED.has(type)) {
    event.status = 'answered';
  }
  if (DETECTION_ENDED.has(type)) event.answeredBy = DETECTED[p.result ?? ''] ?? 'unknown';
  if (id !== undefined) event.eventId = id;
  if (p.direction !== undefined) event.direction = p.direction;
  if (p.from !== undefined) event.from = p.from;
  if (p.to !== undefined) event.to = p.to;
  if (p.call_leg_id !== undefined) event.callLegId = p.call_leg_id;
  if (p.call_session_id !== undefined) event.callSessionId = p.call_session_id;
  if (p.hangup_cause !== undefined) event.hangupCause = p.hangup_cause;
  if (p.hangup_source !== undefined) event.hangupSource = p.hangup_source;
  if (typeof p.client_state === 'string' && p.client_state !== '')
    event.clientState = p.client_state;
  return event;
}

/** The events that tell a call's status, and what each tells; `null` for the others. */
function statusOf(type: string): CallStatus | null {
  if (type === 'call.initiated') return 'initiated';
  if (type === 'call.answered' || DETECTION_ENDED.has(type)) return 'answered';
  if (type === 'call.hangup') return 'failed';
  return null;
}

/** An ISO 8601 time, or `undefined` when missing or unreadable. */
export function dateOf(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}
