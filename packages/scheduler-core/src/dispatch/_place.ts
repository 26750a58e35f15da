import {
  isCallNotPlaced,
  isTerminal,
  placementOutcomeOf,
  type CallProvider,
  type Clock,
  type PlacementOutcome,
  type ProviderCall,
} from '@ringkit/call-client';
import { endSpan, traceIds, type SpanLike, type Tracing } from '@ringkit/internal';
import type { StoredCall } from '../store.js';
import type { Outcomes } from './_outcomes.js';
import type { Pacing } from './_pacing.js';
import type { Mutate } from './_writes.js';
import { createLeaseKeeper, holds } from './_lease.js';
import type { SchedulerEmitter } from '../events.js';
import { OUTCOME_UNKNOWN } from '../_records.js';
import { toScheduledCall } from '../_rows.js';
import { inWindow, nextOpening } from '../_time.js';
import {
  advanced,
  canRetry,
  continuesSeries,
  deferredTo,
  ended,
  isTerminalStatus,
  markPlacing,
  followLease,
  placed,
  reasonOf,
  released,
} from './_transitions.js';

/** A claimed call's hold on the dispatcher's capacity (see `_dispatch.ts`). */
export interface Slot {
  /** The provider answered (or failed): the request is no longer in flight. */
  answered(): void;
  /** The answer is written. */
  recorded(): void;
}

/** What placing needs: the provider, this worker's leases, the outcomes and the follower. */
export interface PlaceContext {
  clock: Clock;
  emitter: SchedulerEmitter;
  mutate: Mutate;
  provider: CallProvider;
  workerId: string;
  leaseMs: number;
  outcomes: Outcomes;
  isRunning: () => boolean;
  reportError: (error: unknown, source: 'store' | 'provider', callId?: string) => void;
  /** Starts following a placed call by polling, where the provider needs it. */
  follow: (row: StoredCall, justPlaced?: boolean) => void;
  /** Whether placed calls are followed by polling, under a follow lease of this worker. */
  polls: () => boolean;
  /** Takes over a call in flight claimed because its follower's lease ran out. */
  adopt: (claim: StoredCall) => Promise<void>;
  /** Makes sure the dispatch timer fires by `at`. */
  wake: (at: number) => void;
  /** When each request may leave (`callsPerSecond`). */
  pacing: Pacing;
  tracing: Tracing;
}

/**
 * Places claimed calls. Every step is one compare-and-set that this worker still holds the row
 * as it claimed (or marked) it: `placingAt` before the request, then the provider's answer in one
 * write (`initiated`, and at once the final status when the answer is one), with its call record.
 */
export function createPlacer(ctx: PlaceContext) {
  const { clock, emitter, mutate, outcomes } = ctx;

  const held = (row: StoredCall, claim: StoredCall) => holds(row, claim, ctx.workerId);
  const keepLease = createLeaseKeeper({ ...ctx, held });

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

  /** Writes the provider's answer; resolves to the row, or `null` when it could not be. */
  async function record(lease: StoredCall, call: ProviderCall): Promise<StoredCall | null> {
    const at = clock.now();
    const answer = call.status;
    const ends = isTerminal(answer);
    const retry = ends && canRetry(lease, answer, true);
    const moves = answer === 'ringing' || answer === 'answered';
    if (ends && !retry && continuesSeries(answer) && lease.options?.recurrence) {
      await outcomes.scheduleNext(lease);
    }
    const result = await mutate(
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
            ...ended(next, { status: answer, reason: reasonOf(answer), retry, at }),
          };
        }
        if (moves) {
          return { ...patch, ...advanced(next, answer, at, call.providerStatus, call.answeredBy) };
        }
        return patch;
      },
      { fresh: lease, record: outcomes.recordOfAttempt },
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
    if (emitter.has('status')) {
      // The `initiated` step as it was, though it was written together with what followed.
      const before = result.before;
      const step = {
        ...before,
        version: row.version,
        updatedAt: row.updatedAt,
        ...placed(before, call, at),
      };
      outcomes.emitStatus(step, 'queued', call.providerStatus);
    }
    if (ends) outcomes.announceEnd(row, 'initiated', answer, reasonOf(answer));
    else if (moves) outcomes.emitStatus(row, 'initiated', call.providerStatus);
    return row;
  }

  /**
   * Ends the placement's span and emits `placement`, once the outcome is written: `row` is the
   * call as written then.
   */
  function placementDone(
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

  /**
   * Places one claimed call, or resolves what a dead worker left behind. `slot.answered()` frees
   * the call's concurrency slot once the provider answered, `slot.recorded()` once the answer is
   * written. `batch` is the span of the claim that found it.
   */
  return async function dispatch(
    claim: StoredCall,
    slot: Slot,
    sendAt: number | null = null,
    batch?: SpanLike,
  ): Promise<void> {
    const now = clock.now();
    const startedAt = performance.now();
    if (claim.status !== 'queued') {
      await ctx.adopt(claim); // in flight: its follower is gone
      return;
    }
    if (claim.placingAt !== null) {
      // The request may have gone out before the worker died: never place it again. Unless the
      // worker that sent it still records the answer, the outcome stays unknown.
      await outcomes.finish(claim, { status: 'failed', reason: OUTCOME_UNKNOWN, unanswered: true });
      return;
    }
    const window = claim.options?.window;
    if (window && !inWindow(window, now)) {
      const opening = nextOpening(window, now);
      const { row, changed } = await mutate(
        claim.id,
        (r) => (held(r, claim) ? deferredTo(r, opening, now) : null),
        { fresh: claim },
      );
      if (changed) {
        outcomes.emitStatus(row, 'queued');
        ctx.wake(opening);
      }
      return;
    }
    // Stopping: hand the claim back untouched, for this or another worker to place.
    const release = () =>
      mutate(claim.id, (r) => (held(r, claim) ? released() : null), { fresh: claim });
    if (!ctx.isRunning()) {
      await release();
      return;
    }
    if (emitter.has('dispatching')) emitter.emit('dispatching', { call: toScheduledCall(claim) });
    let turn = now;
    if (ctx.pacing.paced) {
      // The call's turn under `callsPerSecond`; it may still be canceled meanwhile.
      turn = await ctx.pacing.turn(sendAt);
      if (!ctx.isRunning()) {
        await release();
        return;
      }
    }
    // Record that the request may be sent, before sending it. The marks of the calls claimed
    // together are written together.
    const markedAt = ctx.pacing.paced ? clock.now() : now;
    const marked = await mutate(
      claim.id,
      (r) => (held(r, claim) ? markPlacing(r, markedAt) : null),
      { fresh: claim },
    );
    if (!marked.changed) return; // canceled, rescheduled or reclaimed meanwhile
    outcomes.emitStatus(marked.row, 'scheduled');
    const span = ctx.tracing.enabled
      ? ctx.tracing.start(
          'ringkit.scheduler.place',
          {
            'ringkit.call.id': claim.id,
            'ringkit.call.attempt': claim.attempt,
            'ringkit.provider': ctx.provider.name,
            'ringkit.worker.id': ctx.workerId,
          },
          { parent: batch, startTime: performance.timeOrigin + startedAt },
        )
      : undefined;
    const lease = keepLease(marked.row);
    // A turn gone by too long (a slow write, a busy process) is not used: a fresh one is taken.
    if (ctx.pacing.paced) await ctx.pacing.onTime(turn);

    const sentAt = clock.now();
    let call: ProviderCall;
    try {
      // The call's own options with every attempt; `from` only when the call has one (the
      // scheduler's `callerId` is the history's default, never sent in its place).
      const request = claim.call === null ? { to: claim.to } : { to: claim.to, ...claim.call };
      call = await ctx.tracing.within(span, () => ctx.provider.placeCall(request));
    } catch (error) {
      const answeredAt = clock.now();
      slot.answered();
      const last = await lease.stop();
      ctx.reportError(error, 'provider', claim.id);
      // Only a failure that proves no call exists may be retried: a person is never called twice.
      // Anything else (a timeout, a reset, 500, 502, 504…) may have rung a phone: it is recorded
      // with an unknown outcome and never placed again, whatever `maxAttempts` says.
      const times = { dueAt: claim.dueAt, sentAt, answeredAt };
      let written = last;
      try {
        written = isCallNotPlaced(error)
          ? await outcomes.finish(last, {
              status: 'failed',
              reason: 'placement_failed',
              retryable: true,
              error,
            })
          : await outcomes.finish(last, {
              status: 'failed',
              reason: OUTCOME_UNKNOWN,
              error,
              unanswered: true,
            });
      } finally {
        // Ended and told even when the write failed (that failure is reported on its own).
        placementDone(span, written, placementOutcomeOf(error), times, { error });
      }
      return;
    }
    const answeredAt = clock.now();
    slot.answered();
    const last = await lease.stop();
    const times = { dueAt: claim.dueAt, sentAt, answeredAt };
    let row: StoredCall | null = null;
    try {
      row = await record(last, call);
    } finally {
      placementDone(span, row ?? last, 'placed', times, { call });
    }
    slot.recorded();
    if (!row) return;
    const current = outcomes.hasEarly(call.id) ? await outcomes.drainEarly(call.id, row) : row;
    if (!isTerminalStatus(current.status) && current.providerCallId === call.id) {
      ctx.follow(current, true);
    }
  };
}
