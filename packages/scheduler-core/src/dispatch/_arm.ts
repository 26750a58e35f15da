import type { Clock } from '@ringkit/call-client';
import { nextBeat } from '@ringkit/internal';
import type { WakeTimer } from './_timer.js';

/** What arming the dispatch timer uses of the loop. */
export interface ArmingOptions {
  clock: Clock;
  timer: WakeTimer;
  recheckIntervalMs: number;
  isRunning(): boolean;
  /** The earliest wake time of the loop's rows, or `null`. */
  readNext(): Promise<number | null>;
  /** While the send budget is spent, no claim before this moment (else -Infinity). */
  budgetUntil(): number;
  reportError(error: unknown, source: 'store'): void;
}

/**
 * The dispatch loop's one timer, armed for the earliest wake time (`arm`), brought forward by a
 * wake asked for (`wake`), and the reads of the next wake time under way.
 */
export function createArming(options: ArmingOptions) {
  const { clock, timer } = options;
  /**
   * The read of the next wake time under way (its number; a later read or a claim started since
   * makes its answer stale), the earliest wake asked for while it runs, and every read not done.
   */
  let armRead = 0;
  let wokenWhileReading = Infinity;
  const reads = new Set<Promise<void>>();

  /** Makes sure the timer fires by `at`. */
  function wake(at: number) {
    if (!options.isRunning()) return;
    timer.by(at);
    wokenWhileReading = Math.min(wokenWhileReading, at);
  }

  /**
   * Arms the one timer for the earliest wake time in the store (or the safety re-check). The read
   * runs outside the claims: a wake that comes due while it is on its way claims at once instead
   * of after it. What it answers is used only if it is still the latest word: not when a claim
   * or another read started since (they re-arm, or refill, after themselves), and never later
   * than a wake asked for meanwhile (a NOTIFY, a retry) that the read may have missed.
   */
  function arm(): Promise<void> {
    if (!options.isRunning()) return Promise.resolve();
    const read = ++armRead;
    wokenWhileReading = Infinity;
    const done: Promise<void> = (async () => {
      let next: number | null;
      try {
        next = await options.readNext();
      } catch (error) {
        if (!options.isRunning() || read !== armRead) return;
        options.reportError(error, 'store');
        // Read again within a second, and no later than a wake asked for meanwhile.
        timer.by(clock.now() + 1000);
        return;
      }
      if (!options.isRunning() || read !== armRead) return;
      let at = Math.min(next ?? Infinity, wokenWhileReading);
      // The safety re-check, on the process's beat (`nextBeat`): the loops of every campaign
      // look again together, so their reads can go to the store in one batch.
      if (options.recheckIntervalMs > 0) {
        at = Math.min(at, nextBeat(clock.now(), options.recheckIntervalMs));
      }
      // The last claim was held back by the budget: come back when it has a turn. (A campaign's
      // wake times leave out the entries already due, so `next` alone may never come.)
      if (options.budgetUntil() > Number.NEGATIVE_INFINITY) at = options.budgetUntil();
      if (at === Infinity) timer.clear();
      else timer.set(at);
    })().finally(() => reads.delete(done));
    reads.add(done);
    return done;
  }

  return {
    wake,
    arm,
    /** A claim started: a read of the next wake time on its way may miss what it changes. */
    stale() {
      armRead += 1;
    },
    /** Every read not done yet, settled. */
    settled: () => Promise.all(reads).then(() => undefined),
  };
}
