import {
  isTerminal,
  type CallProvider,
  type CallStatusEvent,
  type Clock,
  type ProviderCall,
} from '@ringkit/call-client';
import { HangUpError } from '../errors.js';
import type { SchedulerEmitter } from '../events.js';
import type { StoredCall, StoredCallPatch } from '../store.js';
import { toScheduledCall } from '../_rows.js';
import type { ScheduledCall } from '../types.js';
import type { Outcomes } from './_outcomes.js';
import {
  cancelRefusal,
  canceled,
  hangUpable,
  hungUp,
  notCanceled,
  notYetPlaced,
} from './_transitions.js';
import type { Mutate } from './_writes.js';

export interface CancelContext {
  provider: CallProvider;
  clock: Clock;
  emitter: SchedulerEmitter;
  mutate: Mutate;
  outcomes: Outcomes;
  /** Stops this worker's watch of a call, if it has one (the call has ended). */
  unfollow: (id: string) => void;
}

/**
 * `cancel()`: a call not placed yet ends `canceled` at once; a call placed and not answered is
 * canceled through the provider's `cancelCall` first (which never hangs up an answered call),
 * then ends `canceled` in one compare-and-set with its call record (an outbound attempt, not
 * answered). A call the provider reports answered meanwhile is not canceled: it is followed to
 * its real end and `cancel()` is refused (`in_progress`). Whatever fails or does not fit throws
 * before anything is written. Any worker may cancel any call: the write decides on the row as it
 * is then, so a follower elsewhere, a webhook or a second `cancel()` meanwhile never moves a
 * call backwards or ends it twice.
 */
export function createCanceler(ctx: CancelContext) {
  const { provider, clock, emitter, mutate, outcomes } = ctx;
  const cancelCall = provider.cancelCall?.bind(provider);

  /**
   * Ends what is left of the call after the provider canceled attempt `providerCallId` (or,
   * without it, before anything was placed): `canceled` while the attempt is still initiated or
   * ringing, or while a retry of it waits (an attempt that ended meanwhile must not be tried
   * again).
   */
  async function end(id: string, fresh: StoredCall | undefined, providerCallId: string | null) {
    const now = clock.now();
    const result = await mutate(
      id,
      (r): StoredCallPatch | null => {
        if (notYetPlaced(r)) return canceled(r, now);
        // Not once answered: the provider left an answered call as it is, and so do we.
        if (providerCallId !== null && r.providerCallId === providerCallId && hangUpable(r)) {
          return hungUp(r, now);
        }
        return null;
      },
      { fresh, record: outcomes.recordOfAttempt, frees: true },
    );
    if (result.changed) {
      if (result.before.status === 'scheduled' || result.before.status === 'queued') {
        emitter.emit('canceled', { call: toScheduledCall(result.row) });
      } else {
        ctx.unfollow(id);
        outcomes.announceEnd(result.row, result.before.status, 'canceled', 'canceled');
      }
    }
    return result.row;
  }

  /** The provider's answer to `cancelCall`, as the status event it is. */
  function statusOf(providerCallId: string, reported: ProviderCall): CallStatusEvent {
    return {
      callId: providerCallId,
      status: reported.status,
      providerStatus: reported.providerStatus,
      at: new Date(clock.now()),
      ...(reported.answeredBy === undefined ? {} : { answeredBy: reported.answeredBy }),
    };
  }

  return async function cancel(id: string): Promise<ScheduledCall> {
    const first = await end(id, undefined, null);
    if (first.status === 'canceled') return toScheduledCall(first);
    const refusal = cancelRefusal(first, {
      name: provider.name,
      canHangUp: cancelCall !== undefined,
    });
    if (refusal) throw refusal;
    const providerCallId = first.providerCallId!;
    let reported: ProviderCall;
    try {
      reported = await cancelCall!(providerCallId);
    } catch (cause) {
      throw new HangUpError({ id, providerCallId, cause });
    }
    if (reported.status === 'answered') {
      // Answered before the request arrived: the provider left it as it is, and so do we.
      const row = (await outcomes.applyStatus(statusOf(providerCallId, reported), first)) ?? first;
      throw notCanceled(row);
    }
    let row = first;
    const endedFirst = isTerminal(reported.status) && reported.status !== 'canceled';
    if (endedFirst) {
      // The call ended on its own before the request arrived: that end is what happened,
      // applied as any provider status is.
      row = (await outcomes.applyStatus(statusOf(providerCallId, reported), row)) ?? row;
    }
    // The provider canceled it (or took the request and reports the change later): `canceled`.
    const last = await end(id, row, endedFirst ? null : providerCallId);
    if (last.status === 'canceled') return toScheduledCall(last);
    throw notCanceled(last);
  };
}
