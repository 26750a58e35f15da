/** The mark a row gets just before its request may leave, and taking back a mark never sent. */
import { timeline, withEvent } from './_timeline.js';
import type { StoredCall, StoredCallPatch } from './_stored-call.js';

/**
 * The write that records that a row's request may be sent at `at`, before it is: `placingAt`
 * and a `queued` step of its attempt. The dispatcher writes it on its own, or a campaign's claim
 * writes it with the lease (`CampaignClaimOptions.mark`: the PostgreSQL store in SQL); the store
 * contract checks they agree.
 */
export function placingMark(row: StoredCall, at: number): StoredCallPatch {
  return {
    placingAt: at,
    events: withEvent(row, { status: 'queued', at, attempt: row.attempt }),
  };
}

/**
 * `row` as it was before {@link placingMark} at its `placingAt`, for a marked row whose request
 * never left (handed back, or deferred to its window): `placingAt` cleared and the mark's step,
 * its last, taken out.
 */
export function withoutMark(row: StoredCall): StoredCall {
  const steps = timeline(row);
  const last = steps[steps.length - 1];
  const isMark =
    last !== undefined &&
    last.status === 'queued' &&
    last.at === row.placingAt &&
    last.attempt === row.attempt;
  return { ...row, placingAt: null, events: isMark ? steps.slice(0, -1) : row.events };
}
