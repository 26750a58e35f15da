import type { Clock } from '@ringkit/call-client';
import { type SpanLike } from '@ringkit/internal';
import { OUTCOME_UNKNOWN } from '../_records.js';
import { toScheduledCall } from '../_rows.js';
import { SUPPRESSED, type StoredCall } from '../store.js';
import { placingMark } from '../store/_mark.js';
import { createLastCheck, haltOf, type LastCheck, type LastCheckContext } from './_last-check.js';
import { createLeaseKeeper, holds } from './_lease.js';
import { goneBy, type Pacing } from './_pacing.js';
import type { PlaceContext } from './_place-context.js';
import { createSender, endUnsent } from './_send.js';
import type { Slot } from './_slots.js';
import { released } from './_transitions.js';
import { createWithholding } from './_withhold.js';

export type { PlaceContext } from './_place-context.js';

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
  const { withhold, withheldOrFailed } = createWithholding(ctx, held);
  const placeAndRecord = createSender(ctx, withheldOrFailed);

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
    const closed = check.window() ?? haltOf(lastCheckContext, claimedAt);
    if (closed) {
      await withhold(claim, closed);
      return;
    }
    // Stopping: hand the claim back (a mark its claim wrote taken out), for this or another
    // worker to place.
    const release = () =>
      mutate(claim.id, (r) => (held(r, claim) ? released(r) : null), { fresh: claim, frees: true });
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
    // Paused or stopped here while it waited: not told, not sent.
    const halted = haltOf(lastCheckContext, claimedAt);
    if (halted) {
      await withhold(claim, halted);
      return;
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
    // Paced, the turn is the last word too: one gone by too long (a slow write, a busy process,
    // a read of the list) is not used, and a fresh one is taken, then the list read again.
    const last = ctx.pacing.paced ? onTurn(check, ctx.pacing, turn, clock) : check;

    // Unpaced, requests leave in claim order. Paced, each leaves at its turn (a wait here would
    // bunch the calls behind it into a burst over `callsPerSecond`).
    const turnToSend = ctx.pacing.paced ? undefined : slot.inOrder();
    if (turnToSend) await turnToSend;
    // After every wait, the last step before the request: the list and the window again.
    try {
      // At once, with no turn of the event loop, while the claim's reading of the list is fresh.
      const checked = last.beforeSend();
      if (checked) await checked;
    } catch (error) {
      endUnsent(span);
      await withheldOrFailed(await lease.stop(), error);
      return;
    }
    const expected = outcomes.expectAnswer();
    try {
      // The client runs `last.beforeSend` again right before the request leaves.
      await placeAndRecord(claim, slot, span, lease, expected, last);
    } finally {
      expected.settle();
    }
  };
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

/**
 * How many fresh turns one `beforeSend` of {@link onTurn} takes at most, each because the list's
 * read outlasted the turn before it: then the request leaves on the last, the list just read.
 */
export const FRESH_TURNS = 3;

/**
 * `check` with the call's turn under `callsPerSecond` as its last step: the list and the window,
 * then the turn, checked after whatever wait the list's read took. A turn gone by more than
 * `LATE_LIMIT_MS` ({@link goneBy}) is given up for a fresh one, waited for, and everything is checked again
 * (at most {@link FRESH_TURNS} times: a list that is slower to read than a turn every time may
 * not hold the call forever; the list always has the last word). Answers at once, with no turn of
 * the event loop, when nothing needs a wait.
 */
export function onTurn(check: LastCheck, pacing: Pacing, turn: number, clock: Clock): LastCheck {
  let at = turn;
  let taken = 0;
  const inTime = (): void | Promise<void> => {
    if (!goneBy(clock, at) || taken >= FRESH_TURNS) return;
    return pacing.onTime(at).then((fresh) => {
      // No fresh turn to be had (nothing paces it after all): it goes as it is.
      if (fresh === at) return;
      at = fresh;
      taken += 1;
      return send();
    });
  };
  const send = (): void | Promise<void> => {
    const checked = check.beforeSend();
    return checked ? checked.then(inTime) : inTime();
  };
  return {
    window: () => check.window(),
    check: () => check.check(),
    beforeSend: () => {
      taken = 0;
      return send();
    },
  };
}
