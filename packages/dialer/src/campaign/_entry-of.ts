/**
 * Reading a campaign's row into its entry: what `snapshot()`, the dialer's events and
 * `results()` show of it. Pure functions of the row, so every process, and a reader that comes
 * later, see the same entry.
 */
import { isTerminal, type AnsweredBy, type CallStatus } from '@ringkit/call-client';
import {
  countAttempts,
  type AttemptCounts,
  type ScheduledCall,
  type StoredCall,
  type StoredEvent,
} from '@ringkit/scheduler-core';
import type { EntryState } from '../_entry.js';
import { DialAttemptError, type DialAttemptFailure } from '../errors.js';
import type { DialerEntryStatus } from '../types.js';

/** The scheduler's reasons of an attempt that failed without the provider saying so. */
const FAILURES: Record<string, DialAttemptFailure> = {
  placement_failed: 'place_failed',
  outcome_unknown: 'outcome_unknown',
  timeout: 'timeout',
  watch_failed: 'watch_failed',
};

/** What an entry needs of a row, from the store or from one of the engine's events. */
export interface RowView {
  id: string;
  status: StoredCall['status'];
  attempt: number;
  providerCallId: string | null;
  reason: string | null;
  updatedAt: number;
  placingAt: number | null;
  events: StoredEvent[];
  /**
   * The worker holding the row by its lease, and until when, as stored (`null`: none). Left out
   * for a row of this process's own engine, which holds what it works.
   */
  lease?: { owner: string; until: number } | null;
  /**
   * Why its attempt failed, as this process's engine told it (`failed` event): the entry's
   * `DialAttemptError` keeps it as its `cause`. A row read from the store has none.
   */
  cause?: unknown;
}

export const fromStored = (row: StoredCall): RowView => ({
  id: row.id,
  status: row.status,
  attempt: row.attempt,
  providerCallId: row.providerCallId,
  reason: row.reason,
  updatedAt: row.updatedAt,
  placingAt: row.placingAt,
  events: row.events ?? [],
  lease:
    row.leaseOwner === null || row.leaseUntil === null
      ? null
      : { owner: row.leaseOwner, until: row.leaseUntil },
});

export const fromCall = (call: ScheduledCall): RowView => ({
  id: call.id,
  status: call.status,
  attempt: call.attempt,
  providerCallId: call.providerCallId,
  reason: call.reason,
  updatedAt: call.updatedAt.getTime(),
  placingAt: null,
  events: call.events.map((e) => ({ ...e, at: e.at.getTime() })),
});

/**
 * What an entry shows of its row. Everything comes from the row's status and its steps, whose
 * times are the ones stored: every process, and a dialer that reads the campaign later, see the
 * same entry, and a time once shown never changes.
 */
export interface RowEntry {
  status: DialerEntryStatus;
  /** The row waits for its next attempt: it shows how the last one ended. */
  waiting: boolean;
  /** The attempt it tells of, the latest one placed (or being placed); 0 before the first. */
  attempt: number;
  /** The provider's id of that attempt's call. */
  callId: string | null;
  /** The first `queued` step: written just before the first request was sent. */
  startedAt: number | null;
  /** The step that ended the row, once it is final. */
  endedAt: number | null;
  answeredAt: number | null;
  answeredBy: AnsweredBy | null;
  /** Why that attempt ended as it did, as the scheduler says (`placement_failed`, `busy`…). */
  reason: string | null;
  /** Every attempt that ended, by outcome. */
  outcomes: AttemptCounts;
}

/** A step that ends an attempt. */
const ends = (step: StoredEvent) =>
  step.status !== 'scheduled' && isTerminal(step.status as CallStatus);

/** The row ended for good. */
export const isFinal = (row: RowView) => isTerminal(row.status as CallStatus);

export function entryOf(row: RowView): RowEntry {
  const steps = row.events;
  // The `queued` step of an attempt is written just before its request leaves: from then on the
  // attempt counts as made (a `placeCall` invocation), whatever its outcome.
  const placed = (attempt: number) =>
    steps.some((e) => e.attempt === attempt && (e.status === 'queued' || e.status === 'initiated'));
  // A row waiting for an attempt, or whose next attempt `stop()` (or `cancel()`) ended before it
  // was placed, tells of the attempt before. So does a `queued` row that may still be handed back
  // unsent (by a pause, a stop or its window), so that an attempt once shown as made stays made:
  // one not marked yet (waiting for its place or its turn), and, read from the store, any `queued`
  // row, since a claim marks its rows before the placing worker's last checks. The placing
  // worker's own engine tells its row once those checks passed (`lease` left out).
  // A row the do-not-call list ended was never sent at its last attempt either.
  const suppressed = row.status === 'suppressed';
  const unsent = row.status === 'queued' && (row.lease !== undefined || !placed(row.attempt));
  const before =
    row.status === 'scheduled' ||
    unsent ||
    ((row.status === 'canceled' || suppressed) && !placed(row.attempt));
  const attempt = before ? row.attempt - 1 : row.attempt;
  const own = steps.filter((e) => e.attempt === attempt);
  const end = own.findLast(ends);
  let status: DialerEntryStatus;
  if (suppressed) status = 'suppressed';
  else if (!before)
    status = row.status === 'queued' ? 'dialing' : (row.status as DialerEntryStatus);
  else if (attempt === 0) status = row.status === 'scheduled' || unsent ? 'idle' : 'canceled';
  else {
    status =
      (end?.status as DialerEntryStatus | undefined) ??
      (row.status === 'scheduled' || unsent ? 'failed' : 'canceled');
  }
  const first = steps.find((e) => e.status === 'queued' || e.status === 'initiated');
  return {
    status,
    waiting: (row.status === 'scheduled' || unsent) && attempt > 0,
    attempt,
    callId:
      attempt === row.attempt
        ? row.providerCallId
        : (own.find((e) => e.providerCallId !== undefined)?.providerCallId ?? null),
    startedAt: first?.at ?? null,
    endedAt: isFinal(row) ? (steps.findLast(ends)?.at ?? row.updatedAt) : null,
    answeredAt: own.find((e) => e.status === 'answered')?.at ?? null,
    answeredBy: own.find((e) => e.answeredBy !== undefined)?.answeredBy ?? null,
    reason: attempt === row.attempt || suppressed ? row.reason : (end?.reason ?? null),
    outcomes: countAttempts(steps),
  };
}

/**
 * The row's placement's outcome is unknown and its call may still be ringing: `held` says that
 * its hold (`placingAt + callTimeoutMs`) has not passed.
 */
export const inDoubtOf = (row: RowView, held: (row: RowView) => boolean) =>
  row.status === 'failed' && row.reason === 'outcome_unknown' && held(row);

/** Whether a row's hold has not passed at `now`, with the campaign's `callTimeoutMs`. */
export const heldAt =
  (now: () => number, callTimeoutMs: () => number) =>
  (row: RowView): boolean =>
    row.placingAt === null || row.placingAt + callTimeoutMs() > now();

/** The error an entry that ended `failed` without the provider saying so carries. */
export function errorOf(
  index: number,
  view: RowEntry,
  cause?: unknown,
): DialAttemptError | undefined {
  const failure = view.reason === null ? undefined : FAILURES[view.reason];
  if (!failure || view.status !== 'failed') return undefined;
  return new DialAttemptError({
    reason: failure,
    index,
    attempt: view.attempt,
    callId: view.callId,
    message: MESSAGES[failure],
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * What a failed attempt's error says: from what the store holds alone, so that every process,
 * and a read of the campaign later, tells the same. The engine's own error, where this process
 * saw it, is the error's `cause`.
 */
const MESSAGES: Record<DialAttemptFailure, string> = {
  place_failed: 'Placing the call failed: the provider refused it, and no call was made',
  outcome_unknown: 'The call may or may not have been placed',
  timeout: 'The call reached no end within callTimeoutMs',
  watch_failed: 'Following the call failed',
};

/** A new entry of the list, not dialed yet, as the mirror adopts it before reading its row. */
export const idleEntry = (index: number, phone: string): EntryState => ({
  index,
  phone,
  status: 'idle',
  callId: null,
  attempts: 0,
  startedAt: null,
  endedAt: null,
  answeredAt: null,
  answeredBy: null,
  inDoubt: false,
});

/**
 * The entry of a stored row read on its own: what the mirror holds once it has adopted the row
 * and applied it (`results()` reads a campaign a page at a time with it).
 */
export function storedEntry(
  row: StoredCall,
  index: number,
  held: (row: RowView) => boolean,
): EntryState {
  const seen = fromStored(row);
  const view = entryOf(seen);
  const entry: EntryState = {
    ...idleEntry(index, row.to),
    status: view.status,
    callId: view.callId,
    attempts: view.attempt,
    startedAt: view.startedAt,
    endedAt: view.endedAt,
    answeredAt: view.answeredAt,
    answeredBy: view.answeredBy,
    inDoubt: inDoubtOf(seen, held),
    outcomes: view.outcomes,
  };
  const error = errorOf(index, view);
  if (error) entry.error = error;
  return entry;
}
