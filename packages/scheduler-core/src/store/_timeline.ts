/** A row's timeline: its steps, the implicit first one included, and a step added. */
import type { StoredCall, StoredEvent } from './_stored-call.js';

/** A row's timeline, with the implicit first `scheduled` step of a row never changed. */
export function timeline(row: StoredCall): StoredEvent[] {
  return row.events ?? [{ status: 'scheduled', at: row.createdAt, attempt: 1 }];
}

/**
 * The timeline with one more step. Its `answeredBy` is kept only when no step of its attempt
 * has one yet: the first word on who answered stands.
 */
export function withEvent(row: StoredCall, event: StoredEvent): StoredEvent[] {
  const steps = timeline(row);
  const entry: StoredEvent = { status: event.status, at: event.at, attempt: event.attempt };
  if (event.providerStatus !== undefined) entry.providerStatus = event.providerStatus;
  if (event.reason !== undefined) entry.reason = event.reason;
  if (event.providerCallId !== undefined) entry.providerCallId = event.providerCallId;
  if (event.note !== undefined) entry.note = event.note;
  if (event.answeredBy !== undefined && !saysWhoAnswered(steps, event.attempt)) {
    entry.answeredBy = event.answeredBy;
  }
  return [...steps, entry];
}

/** Whether a step of `attempt` says who answered. */
export const saysWhoAnswered = (steps: StoredEvent[], attempt: number): boolean =>
  steps.some((e) => e.attempt === attempt && e.answeredBy !== undefined);
