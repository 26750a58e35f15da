/**
 * Retries: whether an attempt that ended is tried again, and when. Everything is read from the
 * row (its options and its timeline, where every step carries its attempt), so a restart, or
 * another worker, decides the same: no counter is kept beside the steps.
 */
import {
  isTerminal,
  RETRYABLE_OUTCOMES,
  type AnsweredBy,
  type CallStatus,
} from '@ringkit/call-client';
import type { StoredCall, StoredEvent } from './store.js';
import type { AttemptCounts, AttemptOutcome, RetryByOutcome, RetryOutcome } from './types.js';
import { timeline } from './_rows.js';
import { backoffDelay, DEFAULT_BACKOFF } from './_time.js';

/** What counting attempts reads of a timeline's steps (a `ScheduledCall`'s or a stored row's). */
type Step = Pick<StoredEvent, 'status' | 'attempt' | 'answeredBy'>;

/** A step that ends its attempt. */
const endsAttempt = (step: Step) => step.status !== 'scheduled' && isTerminal(step.status);

/** The outcome of an attempt that ended with `status`, answered by `answeredBy`. */
export const outcomeOf = (status: CallStatus, answeredBy: AnsweredBy | null): AttemptOutcome =>
  status === 'completed' && answeredBy === 'machine' ? 'machine' : (status as AttemptOutcome);

/**
 * How each attempt of a timeline ended, by attempt (1-based), for the attempts that were sent
 * (a `queued` step: the request may have left) and ended: the status of its last ending step
 * (an unknown outcome the provider's late answer corrected ends again), `machine` for one
 * `completed` whose first word on who answered was `machine`. A retry canceled before it was
 * sent is no attempt.
 */
export function attemptOutcomes(steps: readonly Step[]): Map<number, AttemptOutcome> {
  const sent = new Set<number>();
  const ends = new Map<number, CallStatus>();
  const who = new Map<number, AnsweredBy>();
  for (const step of steps) {
    if (step.status === 'queued' || step.status === 'initiated') sent.add(step.attempt);
    if (step.answeredBy !== undefined && !who.has(step.attempt)) {
      who.set(step.attempt, step.answeredBy);
    }
    if (endsAttempt(step)) ends.set(step.attempt, step.status as CallStatus);
  }
  const outcomes = new Map<number, AttemptOutcome>();
  for (const [attempt, status] of ends) {
    if (!sent.has(attempt)) continue;
    outcomes.set(attempt, outcomeOf(status, who.get(attempt) ?? null));
  }
  return outcomes;
}

/**
 * How many of a call's attempts ended in each outcome, from its timeline (`ScheduledCall.events`,
 * or a stored row's `events`): an attempt `completed` and answered by a machine counts as
 * `machine`; a retry canceled before it was sent is no attempt. Outcomes with none are left out.
 * @example countAttempts(call.events) // { busy: 2, 'no-answer': 1, machine: 1 }
 */
export function countAttempts(steps: readonly Step[]): AttemptCounts {
  const counts: AttemptCounts = {};
  for (const outcome of attemptOutcomes(steps).values()) {
    counts[outcome] = (counts[outcome] ?? 0) + 1;
  }
  return counts;
}

/** The most attempts `retry` allows: the first, and each outcome's cap less its first. */
export const mostAttempts = (retry: RetryByOutcome): number =>
  1 + Object.values(retry).reduce((sum, rule) => sum + (rule ? rule.maxAttempts - 1 : 0), 0);

/** How the current attempt of `row` ends. */
export interface AttemptEnd {
  status: CallStatus;
  /** Who answered, as the status that ends the attempt says (the timeline's first word stands). */
  answeredBy?: AnsweredBy | undefined;
  /**
   * Whether this end allows another attempt at all: only when the provider surely placed no
   * call, or reported the call's end itself.
   */
  retryable: boolean;
}

/**
 * The wait before the next attempt of `row`, whose current attempt ends as `end` says, or
 * `null` when it is not tried again. With `retry`: the outcome's `afterMs` while fewer of its
 * attempts than its cap ended so (this one included) and `maxAttempts` allows; an outcome not
 * listed is not retried. Without: `busy`, `no-answer` and `failed` after `retryBackoff` while
 * `maxAttempts` allows.
 */
export function retryDelay(row: StoredCall, end: AttemptEnd): number | null {
  if (!end.retryable) return null;
  const options = row.options;
  const maxAttempts = options?.maxAttempts ?? 1;
  if (row.attempt >= maxAttempts) return null;
  const retry = options?.retry;
  if (!retry) {
    if (!(RETRYABLE_OUTCOMES as readonly CallStatus[]).includes(end.status)) return null;
    return backoffDelay(options?.retryBackoff ?? DEFAULT_BACKOFF, row.attempt);
  }
  const steps = timeline(row);
  const said = steps.find((e) => e.attempt === row.attempt && e.answeredBy !== undefined);
  const outcome = outcomeOf(end.status, said?.answeredBy ?? end.answeredBy ?? null);
  const rule = retry[outcome as RetryOutcome];
  if (!rule) return null;
  let ended = 1; // this one
  for (const [attempt, seen] of attemptOutcomes(steps)) {
    if (attempt < row.attempt && seen === outcome) ended += 1;
  }
  return ended < rule.maxAttempts ? rule.afterMs : null;
}
