/**
 * How an attempt moves on and ends, in the in-memory dialer: a status ahead of the entry's moves
 * it forward; a terminal one (or a failure) ends the attempt, frees its slot for the next call
 * at once, and either queues a retry or finishes the entry.
 */
import type { CallStatus, TerminalCallStatus } from '@ringkit/call-client';
import { adoptOrphans, armDoubt } from './_doubt.js';
import { entryRank, RETRYABLE, TERMINAL_RANK, type Entry } from './_entry.js';
import { announce, fill, postAnswered } from './_placement.js';
import type { DialerRun, EndOptions } from './_run.js';
import { DialAttemptError, type DialAttemptFailure } from './errors.js';
import type { DialerEntryStatus, DialerStatusEvent } from './types.js';

/** Moves an entry forward; `false` when the status is not ahead of the entry's. */
export function advance(
  run: DialerRun,
  entry: Entry,
  status: CallStatus,
  providerStatus: string | null,
): boolean {
  const target: DialerEntryStatus = status === 'queued' ? 'dialing' : status;
  if (entryRank(target) <= entryRank(entry.status)) return false;
  if (entryRank(target) === TERMINAL_RANK) {
    end(run, entry, target as TerminalCallStatus, providerStatus, undefined, true);
    return true;
  }
  if (target === 'answered') entry.answeredAt = run.clock.now();
  run.emitStatus(run.moved(entry, run.set(entry, target), providerStatus));
  run.progress();
  return true;
}

/** Ends the entry's attempt `failed` with a `DialAttemptError`. */
export function fail(
  run: DialerRun,
  entry: Entry,
  reason: DialAttemptFailure,
  message: string,
  cause?: unknown,
  how: EndOptions = {},
): void {
  const { index, attempts: attempt, callId } = entry;
  const error = new DialAttemptError({ reason, message, index, attempt, callId, cause });
  end(run, entry, 'failed', null, error, how.redialable, how.holdSlot);
}

/**
 * Ends the current attempt: a new one follows when allowed, else the entry is finished. With
 * `holdSlot` (a placement whose outcome is unknown) the slot stays taken until the call surely
 * ended or its timeout passed. The freed slot is taken (its POST sent) before anything that can
 * wait: events, timestamps, the deadline queue. Positional arguments, so that the path from a
 * terminal status to the next POST allocates nothing.
 */
export function end(
  run: DialerRun,
  entry: Entry,
  outcome: TerminalCallStatus,
  providerStatus: string | null = null,
  error?: DialAttemptError,
  redialable = false,
  holdSlot = false,
): void {
  const { clock, events } = run;
  if (entry.timer !== undefined) {
    clock.clearTimeout(entry.timer);
    entry.timer = undefined;
  }
  if (entry.watched) {
    run.abortReason ??= new DOMException('The call attempt ended', 'AbortError');
    entry.controller?.abort(run.abortReason);
  }
  if (holdSlot) {
    entry.inDoubt = true;
    run.doubtful.add(entry);
  }
  if (entry.posting) postAnswered(run, entry);
  entry.controller = undefined;
  entry.watched = false;
  entry.live = false;
  if (!holdSlot) run.inFlight -= 1;
  if (error) {
    entry.error = error;
    if (error.reason === 'outcome_unknown' && entry.callId === null) run.unattributed += 1;
  }
  const willRetry =
    redialable && entry.attempts < run.maxAttempts && !run.stopped && RETRYABLE.has(outcome);
  const previous = run.set(entry, outcome);
  let move: DialerStatusEvent | undefined;
  if (willRetry) {
    // fill() may dial the entry again at once: its event is taken before.
    move = run.moved(entry, previous, providerStatus, true);
    run.retries.push(entry);
  } else run.ended += 1;
  const dialed = fill(run);
  if (run.inFlight === 0) run.deadlines.clear();
  if (!willRetry) {
    entry.endedAt = clock.now();
    move = run.moved(entry, previous, providerStatus, false);
  }
  run.emitStatus(move);
  if (!willRetry && events.has('finished')) events.emit('finished', entry.toJSON());
  run.progress();
  announce(run, dialed);
  if (holdSlot) {
    armDoubt(run, entry);
    adoptOrphans(run);
  }
  run.drainedYet();
}
