/** The do-not-call list as a store keeps it, and what a claim does with a number on it. */
import { timeline } from './_timeline.js';
import type { StoredCall, StoredCallPatch, StoredEvent } from './_stored-call.js';

/** A number on the do-not-call list (times in epoch milliseconds). */
export interface StoredSuppression {
  /** The number, in E.164. One entry per number. */
  phone: string;
  /** Why it may not be called (an opt-out, a regulator's list…), kept with every call it stops. */
  reason: string;
  /** When it was (last) put on the list. */
  createdAt: number;
  /** When it comes off the list by itself (exclusive); `null`: never. */
  until: number | null;
}

/** What `Store.listSuppressions` takes: numbers after `afterPhone`, in code-point order. */
export interface SuppressionsQuery {
  afterPhone?: string | null;
  limit: number;
}

/** The reason a call or a campaign entry that a suppression stopped ends with. */
export const SUPPRESSED = 'suppressed';

/** Whether `suppression` keeps its number from being called at `now`. */
export const suppresses = (suppression: StoredSuppression | null | undefined, now: number) =>
  suppression != null && (suppression.until === null || suppression.until > now);

/**
 * Whether a claim checks a row against the list: a row not sent yet (`scheduled`, or `queued`
 * without `placingAt`). A row in flight, or one whose request may have left, is never suppressed.
 */
export const suppressible = (row: Pick<StoredCall, 'status' | 'placingAt'>): boolean =>
  row.status === 'scheduled' || (row.status === 'queued' && row.placingAt === null);

/**
 * The write a claim makes, in its own transaction, to a row whose number is suppressed: the
 * call ends `suppressed` (lease cleared) with a step that carries the suppression's reason. The
 * PostgreSQL store writes the same in SQL (its claim statements); the store contract checks
 * both agree.
 */
export function suppressedPatch(
  row: StoredCall,
  suppression: StoredSuppression,
  now: number,
): StoredCallPatch {
  const step: StoredEvent = {
    status: 'suppressed',
    at: now,
    attempt: row.attempt,
    reason: SUPPRESSED,
    note: suppression.reason,
  };
  return {
    status: 'suppressed',
    reason: SUPPRESSED,
    leaseOwner: null,
    leaseUntil: null,
    updatedAt: now,
    events: [...timeline(row), step],
  };
}
