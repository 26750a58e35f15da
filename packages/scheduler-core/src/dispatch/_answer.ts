import { isTerminal, type Clock, type ProviderCall } from '@ringkit/call-client';
import type { SchedulerEmitter } from '../events.js';
import type { StoredCall } from '../store.js';
import { OUTCOME_UNKNOWN } from '../_records.js';
import { retryDelay } from '../_retry.js';
import type { Outcomes } from './_outcomes.js';
import {
  advanced,
  canRetry,
  continuesSeries,
  ended,
  followLease,
  placed,
  reasonOf,
} from './_transitions.js';
import type { Mutate } from './_writes.js';

/** What writing a provider's answer needs. */
export interface AnswerContext {
  clock: Clock;
  emitter: SchedulerEmitter;
  mutate: Mutate;
  workerId: string;
  leaseMs: number;
  outcomes: Outcomes;
  /** Whether placed calls are followed by polling, under a follow lease of this worker. */
  polls: () => boolean;
  reportError: (error: unknown, source: 'store', callId?: string) => void;
}

/**
 * Whether the provider's answer to this attempt's request may still be written on `row`: the
 * attempt, not the lease, decides. The row is on the same attempt, marked by the same
 * `placingAt`, and no answer was written yet: still `queued` (held, or reclaimed by a worker
 * that will not place it again), or ended by such a worker as `outcome_unknown`, which the
 * answer corrects.
 */
const unanswered = (row: StoredCall, lease: StoredCall) =>
  row.attempt === lease.attempt &&
  row.placingAt === lease.placingAt &&
  row.providerCallId === null &&
  (row.status === 'queued' || (row.status === 'failed' && row.reason === OUTCOME_UNKNOWN));

/**
 * Writes the provider's answer to a placement in one step, with its call record: `initiated`,
 * and at once the status it answered with when that is `ringing`, `answered` or a final one (a
 * retry, or the end and the series' next occurrence). Emits the events of each step, each with
 * its own version (the write moves the version on by the steps it carries). Resolves
 * to the row, or `null` when the attempt was ended meanwhile (reported as an error).
 */
export async function recordAnswer(
  ctx: AnswerContext,
  lease: StoredCall,
  call: ProviderCall,
): Promise<StoredCall | null> {
  const { clock, outcomes } = ctx;
  const at = clock.now();
  const answer = call.status;
  const ends = isTerminal(answer);
  const end = { status: answer, answeredBy: call.answeredBy, retryable: true };
  const retry = ends && canRetry(lease, end);
  const moves = answer === 'ringing' || answer === 'answered';
  if (ends && !retry && continuesSeries(answer) && lease.options?.recurrence) {
    await outcomes.scheduleNext(lease);
  }
  const result = await ctx.mutate(
    lease.id,
    (r) => {
      if (!unanswered(r, lease)) return null;
      const patch = { ...placed(r, call, at), reason: null };
      // This worker follows the call it placed, under a lease another worker takes over if it
      // dies (see `_follow.ts`).
      if (ctx.polls() && !ends) Object.assign(patch, followLease(ctx.workerId, at + ctx.leaseMs));
      const next = { ...r, ...patch };
      if (ends) {
        return {
          ...patch,
          ...ended(next, {
            status: answer,
            reason: reasonOf(answer),
            retryAfterMs: retry ? retryDelay(next, end) : null,
            at,
          }),
        };
      }
      if (moves) {
        return { ...patch, ...advanced(next, answer, at, call.providerStatus, call.answeredBy) };
      }
      return patch;
    },
    // The `initiated` step and the status answered with are two steps, each with its version.
    {
      fresh: lease,
      record: outcomes.recordOfAttempt,
      steps: () => (ends || moves ? 2 : 1),
      frees: ends,
    },
  );
  if (!result.changed) {
    ctx.reportError(
      new Error(
        `Call ${lease.id} was placed (provider id ${call.id}) but its attempt was ended meanwhile`,
      ),
      'store',
      lease.id,
    );
    return null;
  }
  const row = result.row;
  if (ctx.emitter.has('status')) {
    // The `initiated` step as it was, though it was written together with what followed.
    const before = result.before;
    const step = {
      ...before,
      version: before.version + 1,
      updatedAt: row.updatedAt,
      ...placed(before, call, at),
    };
    outcomes.emitStatus(step, 'queued', call.providerStatus);
  }
  if (ends) outcomes.announceEnd(row, 'initiated', answer, reasonOf(answer));
  else if (moves) outcomes.emitStatus(row, 'initiated', call.providerStatus);
  return row;
}
