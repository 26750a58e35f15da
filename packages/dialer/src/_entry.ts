import { isCallStatus, type CallStatusEvent } from '@ringkit/call-client';
import type { DialerCounts, DialerEntry } from './types.js';

/** A time the dialers keep as ms since the epoch (the clock's), as users see it. */
const toDate = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/**
 * An entry as the dialers keep it: a {@link DialerEntry} with its times in ms since the epoch, on
 * the dialer's clock.
 */
export type EntryState = Omit<DialerEntry, 'startedAt' | 'endedAt' | 'answeredAt'> & {
  startedAt: number | null;
  endedAt: number | null;
  answeredAt: number | null;
};

/** The {@link DialerEntry} users see of `state`: a copy, its times as `Date`s. */
export function entryView(state: EntryState): DialerEntry {
  const { startedAt, endedAt, answeredAt, outcomes, ...rest } = state;
  return {
    ...rest,
    ...(outcomes === undefined ? {} : { outcomes: { ...outcomes } }),
    startedAt: toDate(startedAt),
    endedAt: toDate(endedAt),
    answeredAt: toDate(answeredAt),
  };
}

/** Every status counted at 0 but `idle`, `idle` entries not dialed yet. */
export function emptyCounts(idle: number): DialerCounts {
  return {
    idle,
    dialing: 0,
    initiated: 0,
    ringing: 0,
    answered: 0,
    completed: 0,
    busy: 0,
    'no-answer': 0,
    failed: 0,
    canceled: 0,
    suppressed: 0,
  };
}

/**
 * The status event a dialer's `handleStatus` takes, its call id as a string, or `null` when it
 * is not one (no call id, a status not of call-client's vocabulary): the one check of both
 * dialers.
 */
export function statusEventOf(event: CallStatusEvent): CallStatusEvent | null {
  const id = idOf(event);
  if (id === undefined || !isCallStatus(event.status)) return null;
  return id === event.callId ? event : { ...event, callId: id };
}

/** The error a dialer reports for what {@link statusEventOf} refuses. */
export const malformedStatus = () => new TypeError('handleStatus() expects a CallStatusEvent');

/** The event's call id as a string, or `undefined` when it has none. */
export function idOf(event: CallStatusEvent): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const id: unknown = event.callId;
  if (typeof id === 'string' && id !== '') return id;
  return typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : undefined;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
