import { SUPPRESSED, type StoredCall } from '../store.js';
import { WithheldError, type Withheld } from './_last-check.js';
import type { PlaceContext } from './_place-context.js';
import { deferredTo, released, stoppedUnsent, suppressedUnsent } from './_transitions.js';

/** How long a call whose do-not-call list could not be read waits before it is claimed again. */
export const RECHECK_AFTER_MS = 1000;

/**
 * What becomes of a call the last check kept from leaving: ended `suppressed`, deferred to its
 * window's next opening, or, when the check itself failed, handed back to be claimed again.
 * `held(row, last)`: this worker still holds the row as it last wrote it.
 */
export function createWithholding(
  ctx: PlaceContext,
  held: (row: StoredCall, last: StoredCall) => boolean,
) {
  const { clock, mutate, outcomes } = ctx;

  /**
   * Ends or defers a call that the last check kept from leaving (`last`: the row as this worker
   * last wrote it): `suppressed`, as a claim would have ended it, or back to `scheduled` at its
   * window's next opening. Its place is given back by the caller's return.
   */
  async function withhold(last: StoredCall, withheld: Withheld): Promise<void> {
    const now = clock.now();
    if (withheld.kind === 'halted') {
      // Paused: back to `scheduled`, claimed again on resume. Stopped: it ends as the stop's
      // cancel pass ends the entries not dialed (which may have read the row while it was held).
      const stopped = withheld.state === 'stopped';
      const { row, changed } = await mutate(
        last.id,
        (r) => (held(r, last) ? (stopped ? stoppedUnsent(r, now) : released(r)) : null),
        { fresh: last, frees: true },
      );
      if (changed && stopped) outcomes.announceEnd(row, 'queued', 'canceled', 'stopped');
      return;
    }
    if (withheld.kind === 'window') {
      const { row, changed } = await mutate(
        last.id,
        (r) => (held(r, last) ? deferredTo(r, withheld.opening, now) : null),
        { fresh: last, frees: true },
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
      { fresh: last, frees: true },
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
      { fresh: last, frees: true },
    );
    if (changed) ctx.wake(again);
  }

  return { withhold, withheldOrFailed };
}
