import { isTerminal, type CallStatus, type ProviderCall } from '@ringkit/call-client';
import type { StoredCall, StoredCallPatch } from '../store.js';
import type { ScheduledCallStatus } from '../types.js';
import { timeline, withEvent } from '../_rows.js';
import { backoffDelay, DEFAULT_BACKOFF } from '../_time.js';

/**
 * The patches of a call's lifecycle, as pure functions of the row they apply to. The dispatcher
 * writes each with a compare-and-set on the row's version; several steps that happen together
 * (a placement answered with a final status) are merged into one write.
 */

export const isTerminalStatus = (status: ScheduledCallStatus): boolean =>
  status !== 'scheduled' && isTerminal(status);

/** The reason a provider's status ends an attempt with (`null` for `completed`). */
export const reasonOf = (status: CallStatus): string | null =>
  status === 'completed' ? null : status;

/** Whether an attempt that ended with `status` is tried again. */
export function canRetry(row: StoredCall, status: CallStatus, retryable: boolean): boolean {
  return (
    retryable &&
    (status === 'busy' || status === 'no-answer' || status === 'failed') &&
    row.attempt < (row.options?.maxAttempts ?? 1)
  );
}

/** A claimed call due outside its calling window: back to `scheduled` at the window's opening. */
export function deferredTo(row: StoredCall, opening: number, now: number): StoredCallPatch {
  return {
    status: 'scheduled',
    dueAt: opening,
    leaseOwner: null,
    leaseUntil: null,
    events: withEvent(row, {
      status: 'scheduled',
      at: now,
      attempt: row.attempt,
      reason: 'window',
    }),
  };
}

/** A claimed call not sent, handed back (the scheduler is stopping). */
export const released = (): StoredCallPatch => ({
  status: 'scheduled',
  leaseOwner: null,
  leaseUntil: null,
});

/**
 * Records that the request may be sent: written, and committed, before it is. The lease taken by
 * the claim a moment ago is kept as it is (renewals extend it), so the row's wake time, and every
 * index on it, stay as they are.
 */
export function markPlacing(row: StoredCall, now: number): StoredCallPatch {
  return {
    placingAt: now,
    events: withEvent(row, { status: 'queued', at: now, attempt: row.attempt }),
  };
}

/** The provider accepted the call: `initiated`, its id, and the lease released. */
export function placed(row: StoredCall, call: ProviderCall, at: number): StoredCallPatch {
  return {
    status: 'initiated',
    providerCallId: call.id,
    leaseOwner: null,
    leaseUntil: null,
    events: withEvent(row, {
      status: 'initiated',
      at,
      attempt: row.attempt,
      providerStatus: call.providerStatus,
    }),
  };
}

/** The lease of the worker that follows a call in flight by polling (no claim looks at it). */
export const followLease = (owner: string, until: number): StoredCallPatch => ({
  leaseOwner: owner,
  leaseUntil: until,
});

/** A provider status that moves a call forward without ending it (`ringing`, `answered`). */
export function advanced(
  row: StoredCall,
  status: CallStatus,
  at: number,
  providerStatus: string | undefined,
): StoredCallPatch {
  return {
    status,
    events: withEvent(row, { status, at, attempt: row.attempt, providerStatus }),
  };
}

/**
 * An `answered` that arrived after a later status (webhooks out of order): the status stays, but
 * the step goes on the timeline so the call record learns that, and about when, it was answered.
 * `null` when the attempt already has an `answered` step as early (the record counts the
 * earliest).
 */
export function answeredLate(
  row: StoredCall,
  at: number,
  providerStatus: string | undefined,
): StoredCallPatch | null {
  const known = timeline(row).some(
    (e) => e.attempt === row.attempt && e.status === 'answered' && e.at <= at,
  );
  if (known) return null;
  return {
    events: withEvent(row, { status: 'answered', at, attempt: row.attempt, providerStatus }),
  };
}

/** Ends the current attempt: back to `scheduled` with the next attempt, or the final status. */
export function ended(
  row: StoredCall,
  status: CallStatus,
  reason: string | null,
  retry: boolean,
  now: number,
): StoredCallPatch {
  const events = withEvent(row, {
    status,
    at: now,
    attempt: row.attempt,
    ...(reason ? { reason } : {}),
  });
  if (!retry) return { status, reason, leaseOwner: null, leaseUntil: null, events };
  return {
    status: 'scheduled',
    dueAt: now + backoffDelay(row.options?.retryBackoff ?? DEFAULT_BACKOFF, row.attempt),
    attempt: row.attempt + 1,
    leaseOwner: null,
    leaseUntil: null,
    placingAt: null,
    providerCallId: null,
    reason: null,
    events: [
      ...events,
      { status: 'scheduled', at: now, attempt: row.attempt + 1, reason: reason ?? status },
    ],
  };
}

/**
 * Whether a status change is worth a call record write: the record of an attempt changes
 * meaningfully when it is placed, answered and ended (`ringing` only changes its status word).
 */
export const recordWorthy = (status: ScheduledCallStatus): boolean =>
  status === 'initiated' || status === 'answered' || isTerminalStatus(status);
