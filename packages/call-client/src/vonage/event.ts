import { z } from 'zod';
import { WebhookValidationError } from '../errors/errors.js';
import type { CallStatusEvent } from '../providers/provider.js';
import { toVonageStatus } from './_status.js';

/** A Vonage call event as ringkit reads it: a {@link CallStatusEvent} and Vonage's fields. */
export interface VonageStatusEvent extends CallStatusEvent {
  /** The call leg's `uuid`. */
  callId: string;
  /** `conversation_uuid`: the conversation the leg belongs to, where Vonage sends it. */
  conversationUuid?: string;
  /** `outbound` for a call you placed, `inbound` for one to your number. */
  direction?: string;
  /** The `from` of the call, where Vonage sends it. */
  from?: string;
  /** The `to` of the call, where Vonage sends it. */
  to?: string;
  /**
   * Vonage's reason for an unsuccessful end (`detail`), verbatim: `invalid_number`, `restricted`,
   * `declined`, `cannot_route`, `unavailable`, `ring_timeout`…
   */
  detail?: string;
  /** `sub_state` of a machine detection result (`beep_start`, `beep_timeout`), verbatim. */
  subState?: string;
  /** `start_time`: when the call was answered, on its `completed` event. */
  startTime?: Date;
  /** `end_time`: when the call ended, on its `completed` event. */
  endTime?: Date;
}

/** Options of {@link parseVonageEvent}. */
export interface ParseVonageEventOptions {
  /**
   * The event's time when it has no readable `timestamp`.
   * @default new Date()
   */
  now?: Date;
}

const text = (max: number) => z.string().max(max);

/** Vonage sends numbers as strings (`"duration": "12"`), or as numbers. */
const seconds = z.union([
  z.number().int().min(0).max(2_147_483_647),
  z
    .string()
    .regex(/^\d{1,10}$/, 'must be whole seconds')
    .transform(Number),
]);

const eventSchema = z.looseObject({
  uuid: text(256).trim().min(1, 'must be the call leg uuid'),
  status: text(64).trim().min(1).optional(),
  conversation_uuid: text(256).optional(),
  direction: text(32).optional(),
  from: text(256).optional(),
  to: text(256).optional(),
  timestamp: text(64).optional(),
  duration: seconds.nullish(),
  start_time: text(64).nullish(),
  end_time: text(64).nullish(),
  detail: text(128).optional(),
  sub_state: text(64).optional(),
});

/**
 * Reads one Vonage Voice API event webhook (the JSON string, its bytes, or the parsed object) as
 * a {@link VonageStatusEvent}, whose `callId` is the leg's `uuid`, whose `at` is Vonage's
 * `timestamp`, and whose `status` is its `status` word mapped by the Vonage map (`started` →
 * `initiated`, `ringing`, `answered`, `machine`/`human` → `answered` with `answeredBy`,
 * `completed`, `busy`, `cancelled` → `canceled`, `failed`/`rejected` → `failed`,
 * `timeout`/`unanswered` → `no-answer`). A word ringkit does not know is kept verbatim as
 * `providerStatus` with status `initiated`, which never moves a call back. `durationS` is the
 * `duration` of a `completed` event.
 *
 * Returns `null` for an event with no `status` (a recording, input, transfer or error event):
 * none changes a call's status. Throws a `WebhookValidationError` for anything that is not a
 * Vonage event: `not_json`, `not_object`, `missing_id` (no `uuid`, nor the `call_uuid` that
 * machine detection's `human` and `machine` events carry instead), `invalid_field`.
 *
 * @example
 * const event = parseVonageEvent(rawBody);
 * if (event) await scheduler.handleStatus(event);
 */
export function parseVonageEvent(
  body: unknown,
  options: ParseVonageEventOptions = {},
): VonageStatusEvent | null {
  let value = body;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const source = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
    try {
      value = JSON.parse(source);
    } catch (cause) {
      throw new WebhookValidationError({
        reason: 'not_json',
        message: `A Vonage event must be JSON: ${(cause as Error).message}`,
        body,
      });
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new WebhookValidationError({
      reason: 'not_object',
      message: 'A Vonage event must be a JSON object',
      body,
    });
  // Vonage names the leg `call_uuid` in its `human` and `machine` events (standard machine
  // detection), `uuid` in the others: either is the call.
  const record = value as Record<string, unknown>;
  const parsed = eventSchema.safeParse(
    record['uuid'] === undefined && record['call_uuid'] !== undefined
      ? { ...record, uuid: record['call_uuid'] }
      : record,
  );
  if (!parsed.success) {
    const badId = parsed.error.issues.some((issue) => issue.path[0] === 'uuid');
    throw new WebhookValidationError({
      reason: badId ? 'missing_id' : 'invalid_field',
      message: badId
        ? 'A Vonage event has a uuid (the call leg it is about)'
        : `A Vonage event's fields are malformed: ${parsed.error.issues
            .map((issue) => issue.path.join('.'))
            .join(', ')}`,
      body,
      issues: parsed.error.issues,
    });
  }
  const e = parsed.data;
  if (e.status === undefined) return null;
  const mapped = toVonageStatus(e.status);
  const event: VonageStatusEvent = {
    callId: e.uuid,
    status: mapped.status,
    providerStatus: mapped.providerStatus,
    at: dateOf(e.timestamp) ?? options.now ?? new Date(),
    raw: value,
  };
  if (mapped.answeredBy !== undefined) event.answeredBy = mapped.answeredBy;
  if (mapped.status === 'completed' && typeof e.duration === 'number') event.durationS = e.duration;
  if (e.conversation_uuid !== undefined) event.conversationUuid = e.conversation_uuid;
  if (e.direction !== undefined) event.direction = e.direction;
  if (e.from !== undefined) event.from = e.from;
  if (e.to !== undefined) event.to = e.to;
  if (e.detail !== undefined) event.detail = e.detail;
  if (e.sub_state !== undefined) event.subState = e.sub_state;
  const startTime = dateOf(e.start_time);
  if (startTime !== undefined) event.startTime = startTime;
  const endTime = dateOf(e.end_time);
  if (endTime !== undefined) event.endTime = endTime;
  return event;
}

/** An ISO 8601 time, or `undefined` when missing or unreadable. */
function dateOf(value: string | null | undefined): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}
