import {
  isTerminal,
  type AnsweredBy,
  type CallStatus,
  UnsupportedOperationError,
  type ProviderCall,
} from '@ringkit/call-client';
import { ConflictError } from '../errors.js';
import {
  suppressedPatch,
  type StoredCall,
  type StoredCallPatch,
  type StoredSuppression,
} from '../store.js';
import type { ScheduledCallStatus } from '../types.js';
import { saysWhoAnswered, timeline, withEvent } from '../_rows.js';
import { retryDelay, type AttemptEnd } from '../_retry.js';
import { withoutMark } from '../store/_mark.js';

/**
 * The patches of a call's lifecycle, as pure functions of the row they apply to: every change a
 * scheduler makes to a call, from `cancel()` and `reschedule()` to a provider's final status. The dispatcher
 * writes each with a compare-and-set on the row's version; several steps that happen together
 * (a placement answered with a final status) are merged into one write.
 */

export const isTerminalStatus = (status: ScheduledCallStatus): boolean =>
  status !== 'scheduled' && isTerminal(status);

/** The reason a provider's status ends an attempt with (`null` for `completed`). */
export const reasonOf = (status: CallStatus): string | null =>
  status === 'completed' ? null : status;

/** Whether the current attempt of `row`, ending as `end` says, is tried again (see `retryDelay`). */
export const canRetry = (row: StoredCall, end: AttemptEnd): boolean =>
  retryDelay(row, end) !== null;

/** A claimed call due outside its calling window: back to `scheduled` at the window's opening. */
export function deferredTo(claimed: StoredCall, opening: number, now: number): StoredCallPatch {
  // A mark its claim wrote is taken back: the request never left.
  const row = claimed.placingAt === null ? claimed : withoutMark(claimed);
  return {
    status: 'scheduled',
    dueAt: opening,
    leaseOwner: null,
    leaseUntil: null,
    ...(row === claimed ? {} : { placingAt: null }),
    events: withEvent(row, {
      status: 'scheduled',
      at: now,
      attempt: row.attempt,
      reason: 'window',
    }),
  };
}

/**
 * A claimed call whose number the last check before its request found on the do-not-call list:
 * it ends `suppressed`, as a claim would have ended it, its mark (if any) taken back.
 */
export function suppressedUnsent(
  claimed: StoredCall,
  suppression: StoredSuppression,
  now: number,
): StoredCallPatch {
  const row = claimed.placingAt === null ? claimed : withoutMark(claimed);
  return {
    ...suppressedPatch(row, suppression, now),
    ...(row === claimed ? {} : { placingAt: null }),
  };
}

/**
 * A claimed call whose campaign this process stopped before its request left: it ends
 * `canceled` (reason `stopped`), as the stop's cancel pass ends the entries not dialed, its mark
 * (if any) taken back.
 */
export function stoppedUnsent(claimed: StoredCall, now: number): StoredCallPatch {
  const row = claimed.placingAt === null ? claimed : withoutMark(claimed);
  return {
    status: 'canceled',
    reason: 'stopped',
    leaseOwner: null,
    leaseUntil: null,
    ...(row === claimed ? {} : { placingAt: null }),
    events: withEvent(row, {
      status: 'canceled',
      at: now,
      attempt: row.attempt,
      reason: 'stopped',
    }),
  };
}

/** A call not sent to the provider yet: it may still be canceled or moved. */
export const notYetPlaced = (row: StoredCall): boolean =>
  row.status === 'scheduled' || (row.status === 'queued' && row.placingAt === null);

function alreadyPlaced(row: StoredCall, what: string): ConflictError {
  return new ConflictError({
    reason: 'already_placed',
    id: row.id,
    status: row.status,
    message: `Call ${row.id} is ${row.status}: only a call not yet placed can be ${what}`,
  });
}

/**
 * `cancel()` of a call not placed yet: it ends `canceled`, its claim (if any) released; `null`
 * when it was canceled already. @throws ConflictError once it may have been sent (a call in
 * flight is canceled at the provider instead, see {@link cancelRefusal} and {@link hungUp}).
 */
export function canceled(row: StoredCall, now: number): StoredCallPatch | null {
  if (row.status === 'canceled') return null;
  if (!notYetPlaced(row)) throw alreadyPlaced(row, 'canceled');
  return {
    status: 'canceled',
    reason: 'canceled',
    leaseOwner: null,
    leaseUntil: null,
    events: withEvent(row, {
      status: 'canceled',
      at: now,
      attempt: row.attempt,
      reason: 'canceled',
    }),
  };
}

/** A placed call `cancel()` may cancel: accepted by the provider, not answered, its id known. */
export const hangUpable = (row: StoredCall): boolean =>
  (row.status === 'initiated' || row.status === 'ringing') && row.providerCallId !== null;

/**
 * Why `cancel()` cannot end `row`, or `null` when it can: a call not placed yet, one canceled
 * already, or one placed and not answered when the provider can end calls (`canHangUp`).
 */
export function cancelRefusal(
  row: StoredCall,
  provider: { name: string; canHangUp: boolean },
): ConflictError | UnsupportedOperationError | null {
  if (row.status === 'canceled' || notYetPlaced(row)) return null;
  const refuse = (reason: 'already_placed' | 'in_progress' | 'placing', why: string) =>
    new ConflictError({ reason, id: row.id, status: row.status, message: `Call ${row.id} ${why}` });
  if (isTerminalStatus(row.status)) {
    return refuse('already_placed', `has ended (${row.status}): there is nothing to cancel`);
  }
  if (row.status === 'answered') {
    return refuse('in_progress', 'was answered and is in progress: it is not hung up');
  }
  if (!provider.canHangUp) {
    return new UnsupportedOperationError(
      `Call ${row.id} is ${row.status === 'queued' ? 'being placed' : row.status} and the provider ${provider.name} cannot end calls (it has no cancelCall): only a call not yet placed can be canceled`,
      'cannot_hang_up',
      { provider: provider.name, operation: 'cancelCall' },
    );
  }
  if (!hangUpable(row)) {
    return refuse(
      'placing',
      'is being placed and the provider has not given its id yet: cancel it again once it is initiated',
    );
  }
  return null;
}

/**
 * Why `cancel()` did not end `row`, a call in flight when the provider was asked to cancel it:
 * it was answered before the request arrived (`in_progress`: the provider left it as it is, and
 * so is it here, followed to its real end), or it ended on its own first (`already_placed`).
 */
export function notCanceled(row: StoredCall): ConflictError {
  const { id, status } = row;
  if (status === 'answered') {
    const message = `Call ${id} was answered before it could be canceled: it is not hung up`;
    return new ConflictError({ reason: 'in_progress', id, status, message });
  }
  const message = `Call ${id} ended (${status}) before it could be canceled`;
  return new ConflictError({ reason: 'already_placed', id, status, message });
}

/** A call in flight the provider canceled at `cancel()`'s request: `canceled`, for good. */
export const hungUp = (row: StoredCall, now: number): StoredCallPatch =>
  ended(row, { status: 'canceled', reason: 'canceled', retryAfterMs: null, at: now });

/**
 * Whether an attempt that ended with `status` lets a recurring series go on: a canceled call
 * (by `cancel()`, or at the provider) ends the series, as `cancel()` of an occurrence not yet
 * placed does.
 */
export const continuesSeries = (status: CallStatus): boolean => status !== 'canceled';

/**
 * `reschedule()`: a call not placed yet is due at `dueAt` instead, back to `scheduled`, its claim
 * (if any) released. @throws ConflictError once it may have been sent.
 */
export function rescheduled(row: StoredCall, dueAt: number, now: number): StoredCallPatch {
  if (!notYetPlaced(row)) throw alreadyPlaced(row, 'rescheduled');
  return {
    status: 'scheduled',
    dueAt,
    leaseOwner: null,
    leaseUntil: null,
    events: withEvent(row, {
      status: 'scheduled',
      at: now,
      attempt: row.attempt,
      reason: 'rescheduled',
    }),
  };
}

/**
 * A claimed call not sent, handed back (the scheduler is stopping). A mark its claim wrote
 * (`CampaignClaimOptions.mark`) is taken back with it: the row is as an unmarked claim leaves it.
 */
export function released(row: StoredCall): StoredCallPatch {
  const patch: StoredCallPatch = { status: 'scheduled', leaseOwner: null, leaseUntil: null };
  if (row.placingAt === null) return patch;
  const { placingAt, events } = withoutMark(row);
  return { ...patch, placingAt, events };
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
      answeredBy: call.answeredBy,
      providerCallId: call.id,
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
  answeredBy?: AnsweredBy,
): StoredCallPatch {
  return {
    status,
    events: withEvent(row, { status, at, attempt: row.attempt, providerStatus, answeredBy }),
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
  answeredBy?: AnsweredBy,
): StoredCallPatch | null {
  const known = timeline(row).some(
    (e) => e.attempt === row.attempt && e.status === 'answered' && e.at <= at,
  );
  if (known) return answeredByLearned(row, answeredBy);
  return {
    events: withEvent(row, {
      status: 'answered',
      at,
      attempt: row.attempt,
      providerStatus,
      answeredBy,
    }),
  };
}

/**
 * Who answered, from a provider event that changes nothing else (a repeated or late status):
 * set on the current attempt's latest step, only when no step of the attempt says so yet.
 */
export function answeredByLearned(
  row: StoredCall,
  answeredBy: AnsweredBy | undefined,
): StoredCallPatch | null {
  const steps = timeline(row);
  if (answeredBy === undefined || saysWhoAnswered(steps, row.attempt)) return null;
  const last = steps.findLastIndex((e) => e.attempt === row.attempt);
  if (last < 0) return null;
  const events = [...steps];
  events[last] = { ...events[last]!, answeredBy };
  return { events };
}

/**
 * Ends the current attempt at `at`: back to `scheduled` with the next attempt, due
 * `retryAfterMs` later, or the final status (`retryAfterMs: null`). The ending step stays on
 * the timeline as it was reported (an attempt answered by a machine stays `completed`).
 */
export function ended(
  row: StoredCall,
  {
    status,
    reason,
    retryAfterMs: delay,
    at: now,
    answeredBy,
  }: {
    status: CallStatus;
    reason: string | null;
    /** The wait before the next attempt (see `retryDelay`), or `null` for none. */
    retryAfterMs: number | null;
    at: number;
    /** Who answered, as the provider's final status said. */
    answeredBy?: AnsweredBy;
  },
): StoredCallPatch {
  const events = withEvent(row, {
    status,
    at: now,
    attempt: row.attempt,
    ...(reason ? { reason } : {}),
    answeredBy,
  });
  if (delay === null) return { status, reason, leaseOwner: null, leaseUntil: null, events };
  return {
    status: 'scheduled',
    // A retry at once is due as the call was: a claim that read the clock a moment before this
    // write (another worker's) still sees it due, and takes it in its place in the order.
    dueAt: delay === 0 ? Math.min(now, row.dueAt) : now + delay,
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
