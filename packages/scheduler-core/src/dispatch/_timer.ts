import type { Clock } from '@ringkit/call-client';
import { clampTimerMs } from '@ringkit/internal';

/** The dispatch loop's one timer, for the earliest wake time it knows of. */
export interface WakeTimer {
  /** Fires at `at` (instead of any earlier or later time it was set to). */
  set(at: number): void;
  clear(): void;
  /** Makes sure it fires by `at`: set to `at` when it is not set, or set later. */
  by(at: number): void;
}

/**
 * The one timer of a dispatch loop on `clock`: `fire` runs when it goes off. A wake more than
 * 24.8 days away fires at the longest delay a timer takes, and sets itself again.
 */
export function createWakeTimer(clock: Clock, fire: () => void): WakeTimer {
  let timer: unknown = null;
  let timerAt: number | null = null;

  function set(at: number) {
    if (timer !== null && timerAt === at) return;
    if (timer !== null) clock.clearTimeout(timer);
    timerAt = at;
    timer = clock.setTimeout(
      () => {
        timer = null;
        timerAt = null;
        // A timer may fire a little before `at` by the clock's reckoning (the two count time
        // apart): wait out the rest rather than claim too early and read the store again.
        if (clock.now() < at) set(at);
        else fire();
      },
      // A wake more than 24.8 days away fires at the longest delay a timer takes, and re-arms.
      clampTimerMs(at - clock.now()),
    );
  }

  function clear() {
    if (timer !== null) clock.clearTimeout(timer);
    timer = null;
    timerAt = null;
  }

  return {
    set,
    clear,
    by(at) {
      if (timerAt === null || at < timerAt) set(at);
    },
  };
}
