// What the events of the actions an inbound call was answered with tell of the call: the
// forward's leg (its `connect`) and the voicemail (its `record`).
import { z } from 'zod';
import { WebhookValidationError } from '../errors/errors.js';
import type { InboundCallUpdate } from '../inbound/inbound.js';
import type { StepTarget } from './_answer-request.js';
import type { VonageStatusEvent } from './event.js';

/** The words of a forward's leg that nobody took: the caller may leave a voicemail. */
const NOT_TAKEN = new Set(['timeout', 'unanswered', 'busy', 'rejected', 'failed']);

/** The update's fields every step's update shares. */
const base = (target: StepTarget, at: Date, providerStatus: string, raw: unknown) => ({
  provider: 'vonage',
  callId: target.callId,
  from: target.from,
  to: target.to,
  at,
  providerStatus,
  raw,
});

/**
 * What an event of the forward's leg tells of the caller's call, or `null` when it tells
 * nothing (`started`, `ringing`, a `completed` of a leg never answered):
 * - `answered` (or `human`): someone took the call, `answered` with `answeredAt`;
 * - `completed` of an answered leg: the conversation, `completed` with `answeredAt` (its
 *   `start_time`) and `durationS`;
 * - `timeout`, `unanswered`, `busy`, `rejected`, `failed`: a forward nobody took, `no-answer`;
 * - `cancelled`: the caller hung up while the forward rang, `canceled`.
 */
export function forwardUpdateOf(
  target: StepTarget,
  event: VonageStatusEvent,
): InboundCallUpdate | null {
  const word = event.providerStatus.trim().toLowerCase();
  const ended = event.endTime ?? event.at;
  if (word === 'answered' || word === 'human')
    return {
      ...base(target, event.at, event.providerStatus, event.raw),
      status: 'answered',
      answeredAt: event.at,
    };
  if (word === 'completed') {
    const { durationS } = event;
    const answeredAt =
      event.startTime ??
      (durationS !== undefined && durationS > 0
        ? new Date(ended.getTime() - durationS * 1000)
        : undefined);
    if (answeredAt === undefined) return null;
    return {
      ...base(target, ended, event.providerStatus, event.raw),
      status: 'completed',
      answeredAt,
      ...(durationS !== undefined && { durationS }),
    };
  }
  if (word === 'cancelled')
    return { ...base(target, ended, event.providerStatus, event.raw), status: 'canceled' };
  if (NOT_TAKEN.has(word))
    return { ...base(target, ended, event.providerStatus, event.raw), status: 'no-answer' };
  return null;
}

const recordingSchema = z.looseObject({
  recording_url: z.url({ protocol: /^https?$/ }).max(2048),
  start_time: z.string().max(64).optional(),
  end_time: z.string().max(64).optional(),
  timestamp: z.string().max(64).optional(),
});

/**
 * What the voicemail's recording event tells: a missed call, `no-answer` with `recordingUrl`
 * and `recordingDurationS` (from `start_time` to `end_time`, whole seconds). An event with no
 * `recording_url` that is a URL is a `WebhookValidationError` (`invalid_field`).
 */
export function voicemailUpdateOf(
  target: StepTarget,
  fields: Record<string, unknown>,
  now: () => Date,
): InboundCallUpdate {
  const parsed = recordingSchema.safeParse(fields);
  if (!parsed.success)
    throw new WebhookValidationError({
      reason: 'invalid_field',
      message: `A Vonage recording event's fields are malformed: ${parsed.error.issues
        .map((issue) => issue.path.join('.'))
        .join(', ')}`,
      body: fields,
      issues: parsed.error.issues,
    });
  const data = parsed.data;
  const started = dateOf(data.start_time);
  const ended = dateOf(data.end_time);
  const update: InboundCallUpdate = {
    ...base(target, dateOf(data.timestamp) ?? ended ?? now(), 'voicemail', fields),
    status: 'no-answer',
    recordingUrl: data.recording_url,
  };
  if (started !== undefined && ended !== undefined && ended >= started)
    update.recordingDurationS = Math.round((ended.getTime() - started.getTime()) / 1000);
  return update;
}

/** An ISO 8601 time, or `undefined` when missing or unreadable. */
function dateOf(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}
