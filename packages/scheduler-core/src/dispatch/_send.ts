import {
  isCallNotPlaced,
  isPlacementWithheldError,
  placementOutcomeOf,
  type PlacementOutcome,
  type ProviderCall,
} from '@ringkit/call-client';
import { endSpan, traceIds, type SpanLike } from '@ringkit/internal';
import { OUTCOME_UNKNOWN } from '../_records.js';
import { toScheduledCall } from '../_rows.js';
import type { StoredCall } from '../store.js';
import { deadlineOf } from './_deadline.js';
import type { EndOptions } from './_finish.js';
import { recordAnswer } from './_answer.js';
import type { LastCheck } from './_last-check.js';
import type { createLeaseKeeper } from './_lease.js';
import type { Outcomes } from './_outcomes.js';
import type { PlaceContext } from './_place-context.js';
import type { Slot } from './_slots.js';
import { isTerminalStatus } from './_transitions.js';

/**
 * The request of a marked call and its answer's write (or how the request failed), then the
 * call followed: the tail of the placer's `dispatch`.
 */
export function createSender(
  ctx: PlaceContext,
  withheldOrFailed: (last: StoredCall, error: unknown) => Promise<void>,
) {
  const { clock, outcomes } = ctx;

  /**
   * Sends a marked call's request and writes the answer (or how the request failed), then
   * follows the call: the tail of {@link dispatch}. `expected` is told the provider's id for the
   * call once it answers.
   */
  async function placeAndRecord(
    claim: StoredCall,
    slot: Slot,
    span: SpanLike | undefined,
    lease: ReturnType<ReturnType<typeof createLeaseKeeper>>,
    expected: ReturnType<Outcomes['expectAnswer']>,
    check: LastCheck,
  ): Promise<void> {
    const sentAt = clock.now();
    const deadline = deadlineOf(
      clock,
      ctx.callTimeoutMs,
      () => new PlacementTimeoutError(ctx.callTimeoutMs),
    );
    let call: ProviderCall;
    try {
      // The call's own options with every attempt; `from` only when the call has one (the
      // scheduler's `callerId` is the history's default, never sent in its place). The client
      // runs the last check again after its own waits (its pacer, a retry's delay).
      const { beforeSend } = check;
      const { signal } = deadline;
      const request =
        claim.call === null
          ? { to: claim.to, beforeSend, signal }
          : { to: claim.to, ...claim.call, beforeSend, signal };
      const answer = ctx.tracing.within(span, () => ctx.provider.placeCall(request));
      slot.sent();
      call = await deadline.race(answer);
      const problem = answerProblem(ctx, claim, call);
      if (problem !== null) throw new ProviderAnswerError(problem);
    } catch (error) {
      deadline.clear();
      const answeredAt = clock.now();
      slot.answered();
      const last = await lease.stop();
      if (isPlacementWithheldError(error)) {
        // Nothing was sent: the call ends or waits as the check said, and no placement is told.
        endUnsent(span);
        await withheldOrFailed(last, error.cause);
        return;
      }
      ctx.reportError(error, 'provider', claim.id);
      // Retried only when surely not placed; else its outcome is unknown (see failedPlacement).
      const times = { dueAt: claim.dueAt, sentAt, answeredAt };
      let written = last;
      try {
        written = await outcomes.finish(last, failedPlacement(error));
      } finally {
        // Ended and told even when the write failed (that failure is reported on its own).
        placementDone(ctx, span, written, placementOutcomeOf(error), times, { error });
      }
      return;
    }
    deadline.clear();
    const answeredAt = clock.now();
    // Statuses of the call that come before its answer is written wait for it (no look-up).
    expected.answeredWith(call.id);
    slot.answered();
    const last = await lease.stop();
    const times = { dueAt: claim.dueAt, sentAt, answeredAt };
    let row: StoredCall | null = null;
    try {
      row = await recordAnswer(ctx, last, call);
    } finally {
      placementDone(ctx, span, row ?? last, 'placed', times, { call });
    }
    slot.recorded();
    if (!row) return;
    outcomes.remember(row);
    const current = outcomes.hasEarly(call.id) ? await outcomes.drainEarly(call.id, row) : row;
    if (!isTerminalStatus(current.status) && current.providerCallId === call.id) {
      ctx.follow(current, true);
    }
  }

  return placeAndRecord;
}

/**
 * Ends the placement's span and emits `placement`, once the outcome is written: `row` is the
 * call as written then.
 */
function placementDone(
  ctx: Pick<PlaceContext, 'emitter' | 'provider'>,
  span: SpanLike | undefined,
  row: StoredCall,
  outcome: PlacementOutcome,
  times: { dueAt: number; sentAt: number; answeredAt: number },
  answer: { call?: ProviderCall; error?: unknown },
) {
  const lagMs = Math.max(0, times.sentAt - times.dueAt);
  const durationMs = Math.max(0, times.answeredAt - times.sentAt);
  // Read while the span is still being recorded.
  const trace = traceIds(span);
  if (span !== undefined) {
    span.setAttribute('ringkit.placement.outcome', outcome);
    span.setAttribute('ringkit.dispatch.lag_ms', lagMs);
    span.setAttribute('ringkit.call.status', row.status);
    endSpan(span, answer.error);
  }
  const { emitter } = ctx;
  if (!emitter.has('placement')) return;
  const providerStatus = answer.call?.providerStatus;
  const answeredBy = answer.call?.answeredBy;
  emitter.emit('placement', {
    call: toScheduledCall(row),
    outcome,
    provider: ctx.provider.name,
    ...(providerStatus === undefined ? {} : { providerStatus }),
    ...(answeredBy === undefined ? {} : { answeredBy }),
    ...('error' in answer ? { error: answer.error } : {}),
    sentAt: new Date(times.sentAt),
    lagMs,
    durationMs,
    ...(trace === undefined ? {} : { trace }),
  });
}

/** Ends the span of a placement whose request was never sent. */
export function endUnsent(span: SpanLike | undefined): void {
  if (span === undefined) return;
  span.setAttribute('ringkit.placement.outcome', 'not_placed');
  endSpan(span);
}

/**
 * How the attempt of a request that failed ends. Only a failure that proves no call exists may
 * be retried: a person is never called twice. Anything else (a timeout, a reset, 500, 502,
 * 504…) may have rung a phone: it is recorded with an unknown outcome and never placed again,
 * whatever `maxAttempts` says.
 */
function failedPlacement(error: unknown): EndOptions {
  return isCallNotPlaced(error)
    ? { status: 'failed', reason: 'placement_failed', retryable: true, error }
    : { status: 'failed', reason: OUTCOME_UNKNOWN, error, unanswered: true };
}

/**
 * A provider answered a placement with what cannot be its call: no id, or the id of another
 * call this engine has in flight. The request was taken: its call may exist.
 */
export class ProviderAnswerError extends Error {
  override name = 'ProviderAnswerError';
}

/** What is wrong with a provider's answer to the placement of `claim`, or `null`. */
function answerProblem(ctx: PlaceContext, claim: StoredCall, call: ProviderCall): string | null {
  const id: unknown = call?.id;
  const { name } = ctx.provider;
  if (typeof id !== 'string' || id === '') return `${name} answered the POST without a call id`;
  const other = ctx.outcomes.recentRow(id);
  if ((other && other.id !== claim.id) || ctx.outcomes.answering(id)) {
    return `${name} answered call id ${id}, already given to another call in flight`;
  }
  return null;
}

/** The error of a request that got no answer within `callTimeoutMs`: its call may exist. */
export class PlacementTimeoutError extends Error {
  override name = 'PlacementTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`The POST got no answer within ${timeoutMs} ms`);
  }
}
