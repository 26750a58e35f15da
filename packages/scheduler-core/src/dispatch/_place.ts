import {
  isCallNotPlaced,
  isPlacementWithheldError,
  placementOutcomeOf,
  type CallProvider,
  type Clock,
  type PlacementOutcome,
  type ProviderCall,
} from '@ringkit/call-client';
import { endSpan, traceIds, type SpanLike, type Tracing } from '@ringkit/internal';
import { SUPPRESSED, type StoredCall } from '../store.js';
import type { EndOptions } from './_finish.js';
import type { Outcomes } from './_outcomes.js';
import type { Pacing } from './_pacing.js';
import type { Slot } from './_slots.js';
import type { Mutate } from './_writes.js';
import { recordAnswer } from './_answer.js';
import {
  createLastCheck,
  WithheldError,
  type LastCheck,
  type LastCheckContext,
  type Withheld,
} from './_last-check.js';
import { createLeaseKeeper, holds } from './_lease.js';
import type { SchedulerEmitter } from '../events.js';
import { OUTCOME_UNKNOWN } from '../_records.js';
import { toScheduledCall } from '../_rows.js';
import { placingMark } from '../store/_mark.js';
import { deferredTo, isTerminalStatus, released, suppressedUnsent } from './_transitions.js';

/** How long a call whose do-not-call list could not be read waits before it is claimed again. */
const RECHECK_AFTER_MS = 1000;

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
  /** What the last check before each request reads (see `_last-check.ts`). */
  lastCheck: Omit<LastCheckContext, 'clock'>;
}

/**
 * Places claimed calls. Every step is one compare-and-set that this worker still holds the row
 * as it claimed (or marked) it: `placingAt` before the request, then the provider's answer in one
 * write (`initiated`, and at once the final status when the answer is one), with its call record
 * (`_answer.ts`).
 */
export function createPlacer(ctx: PlaceContext) {
  const { clock, emitter, mutate, outcomes } = ctx;

  const held = (row: StoredCall, claim: StoredCall) => holds(row, claim, ctx.workerId);
  const keepLease = createLeaseKeeper({ ...ctx, held });
  const lastCheckContext: LastCheckContext = { clock, ...ctx.lastCheck };

  /**
   * Ends or defers a call that the last check kept from leaving (`last`: the row as this worker
   * last wrote it): `suppressed`, as a claim would have ended it, or back to `scheduled` at its
   * window's next opening. Its place is given back by the caller's return.
   */
  async function withhold(last: StoredCall, withheld: Withheld): Promise<void> {
    const now = clock.now();
    if (withheld.kind === 'window') {
      const { row, changed } = await mutate(
        last.id,
        (r) => (held(r, last) ? deferredTo(r, withheld.opening, now) : null),
        { fresh: last },
      );
      if (changed) {
        outcomes.emitStatus(row, 'queued');
        ctx.wake(withheld.opening);
      }
      return;
    }
    const { row, changed } = await mutate(
      last.id,
      (r) => (held(r, last) ? suppressedUnsent(r, withheld.suppression, now) : null),
      { fresh: last },
    );
    if (!changed) return;
    if (row.options?.recurrence) await outcomes.scheduleNext(row);
    outcomes.announceEnd(row, 'queued', 'suppressed', SUPPRESSED);
  }

  /**
   * A call the last check kept from leaving: withheld as it said, or, when the check itself
   * failed (the list could not be read), handed back to be claimed again a second later
   * ({@link RECHECK_AFTER_MS}), never sent unchecked.
   */
  async function withheldOrFailed(last: StoredCall, error: unknown): Promise<void> {
    if (error instanceof WithheldError) {
      await withhold(last, error.withheld);
      return;
    }
    ctx.reportError(error, 'store', last.id);
    const again = clock.now() + RECHECK_AFTER_MS;
    const { changed } = await mutate(
      last.id,
      (r) => (held(r, last) ? { ...released(r), dueAt: Math.max(r.dueAt, again) } : null),
      { fresh: last },
    );
    if (changed) ctx.wake(again);
  }

  /**
   * Sends a marked call's request and writes the answer (or how the request failed), then
   * follows the call: the tail of {@link dispatch}. `expected` is told the provider's id for the
   * call once it answers.
   */
  async function placeAndRecord(
    claim: StoredCall,
    slot: Slot,
    span: SpanLike | undefined,
    lease: ReturnType<typeof keepLease>,
    expected: ReturnType<Outcomes['expectAnswer']>,
    check: LastCheck,
  ): Promise<void> {
    const sentAt = clock.now();
    let call: ProviderCall;
    try {
      // The call's own options with every attempt; `from` only when the call has one (the
      // scheduler's `callerId` is the history's default, never sent in its place). The client
      // runs the last check again after its own waits (its pacer, a retry's delay).
      const { beforeSend } = check;
      const request =
        claim.call === null
          ? { to: claim.to, beforeSend }
          : { to: claim.to, ...claim.call, beforeSend };
      const answer = ctx.tracing.within(span, () => ctx.provider.placeCall(request));
      slot.sent();
      call = await answer;
    } catch (error) {
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

  /**
   * Places one claimed call, or resolves what a dead worker left behind. `slot.answered()` frees
   * the call's concurrency slot once the provider answered, `slot.recorded()` once the answer is
   * written. `batch` is the span of the claim that found it. `marked`: the claim marked the row
   * itself (`CampaignClaimOptions.mark`), so no mark of its own is written.
   */
  return async function dispatch(
    claim: StoredCall,
    slot: Slot,
    sendAt: number | null = null,
    batch?: SpanLike,
    marked = false,
    claimedAt = Number.NEGATIVE_INFINITY,
  ): Promise<void> {
    const now = clock.now();
    const startedAt = performance.now();
    if (claim.status === 'suppressed') {
      // The claim found the number on the do-not-call list and ended the call: nothing is sent.
      // A recurring call's series goes on (the next occurrence is checked again at its time).
      if (claim.options?.recurrence) await outcomes.scheduleNext(claim);
      outcomes.announceEnd(claim, 'scheduled', 'suppressed', SUPPRESSED);
      return;
    }
    if (claim.status !== 'queued') {
      await ctx.adopt(claim); // in flight: its follower is gone
      return;
    }
    if (claim.placingAt !== null && !marked) {
      // The request may have gone out before the worker died: never place it again. Unless the
      // worker that sent it still records the answer, the outcome stays unknown.
      await outcomes.finish(claim, { status: 'failed', reason: OUTCOME_UNKNOWN, unanswered: true });
      return;
    }
    // The checks of the instant of placement; the window is read now too, before any wait.
    const check = createLastCheck(lastCheckContext, claim, claimedAt);
    const closed = check.window();
    if (closed) {
      await withhold(claim, closed);
      return;
    }
    // Stopping: hand the claim back (a mark its claim wrote taken out), for this or another
    // worker to place.
    const release = () =>
      mutate(claim.id, (r) => (held(r, claim) ? released(r) : null), { fresh: claim });
    if (!ctx.isRunning()) {
      await release();
      return;
    }
    // Claimed ahead (the reserve): its place comes when a call before it is answered.
    const place = slot.ready();
    if (place) {
      await place;
      if (!ctx.isRunning()) {
        await release();
        return;
      }
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
    // Record that the request may be sent, before sending it (unless the claim did). The marks
    // of the calls claimed together are written together.
    let placing = claim;
    if (!marked) {
      const markedAt = ctx.pacing.paced || place ? clock.now() : now;
      const mark = await mutate(
        claim.id,
        (r) => (held(r, claim) ? placingMark(r, markedAt) : null),
        { fresh: claim },
      );
      if (!mark.changed) return; // canceled, rescheduled or reclaimed meanwhile
      placing = mark.row;
    }
    outcomes.emitStatus(placing, 'scheduled');
    const span = placementSpan(ctx, claim, batch, startedAt);
    const lease = keepLease(placing);
    // A turn gone by too long (a slow write, a busy process) is not used: a fresh one is taken.
    if (ctx.pacing.paced) await ctx.pacing.onTime(turn);

    // Unpaced, requests leave in claim order. Paced, each leaves at its turn (a wait here would
    // bunch the calls behind it into a burst over `callsPerSecond`).
    const turnToSend = ctx.pacing.paced ? undefined : slot.inOrder();
    if (turnToSend) await turnToSend;
    // After every wait, the last step before the request: the list and the window again.
    try {
      // At once, with no turn of the event loop, while the claim's reading of the list is fresh.
      const checked = check.beforeSend();
      if (checked) await checked;
    } catch (error) {
      endUnsent(span);
      await withheldOrFailed(await lease.stop(), error);
      return;
    }
    const expected = outcomes.expectAnswer();
    try {
      await placeAndRecord(claim, slot, span, lease, expected, check);
    } finally {
      expected.settle();
    }
  };
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
function endUnsent(span: SpanLike | undefined): void {
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

/** The span of one placement, a child of its claim's (`undefined` when tracing is off). */
function placementSpan(
  ctx: Pick<PlaceContext, 'tracing' | 'provider' | 'workerId'>,
  claim: StoredCall,
  batch: SpanLike | undefined,
  startedAt: number,
): SpanLike | undefined {
  if (!ctx.tracing.enabled) return undefined;
  return ctx.tracing.start(
    'ringkit.scheduler.place',
    {
      'ringkit.call.id': claim.id,
      'ringkit.call.attempt': claim.attempt,
      'ringkit.provider': ctx.provider.name,
      'ringkit.worker.id': ctx.workerId,
    },
    { parent: batch, startTime: performance.timeOrigin + startedAt },
  );
}
