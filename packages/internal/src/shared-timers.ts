import { clampTimerMs, type Clock } from './time.js';

/** A {@link Clock} whose timers all wait on one timer of another clock. */
export interface SharedTimers extends Clock {
  /** Timers set on it and not yet run or cleared. */
  readonly pending: number;
}

interface Entry {
  at: number;
  seq: number;
  callback: () => void;
}

/**
 * A clock whose timers share ONE timer of `clock`, set for the earliest of them: however many
 * parts of a process wait (the wake times, lease renewals and sweeps of every campaign), the
 * clock beneath holds one timer. Timers run in due order, those due together in the order they
 * were set; every timer due when the one beneath fires runs in that firing (as Node.js runs the
 * timers due together), so the parts woken together reach the store in one batch. A timer set
 * by one that runs, for now, runs at the next firing. `now()` is `clock`'s.
 *
 * A timer of `clock` may fire a little before its time by `clock.now()` (the two count time
 * apart), or fire for a timer cleared since: nothing runs early, the timer is set again for the
 * rest.
 */
export function createSharedTimers(clock: Clock): SharedTimers {
  const entries = new Map<number, Entry>();
  let seq = 0;
  /** The timer of `clock` and the entry it is set for, or `null`. */
  let timer: unknown = null;
  let armedFor: Entry | null = null;
  /** While the due entries run: the timer beneath is set once they are done. */
  let firing = false;

  const earliest = (): Entry | null => {
    let best: Entry | null = null;
    for (const entry of entries.values()) {
      if (!best || entry.at < best.at || (entry.at === best.at && entry.seq < best.seq)) {
        best = entry;
      }
    }
    return best;
  };

  function disarm() {
    if (timer !== null) clock.clearTimeout(timer);
    timer = null;
    armedFor = null;
  }

  /** Sets the timer beneath for `entry` (the earliest), unless it is set for it already. */
  function armFor(entry: Entry | null) {
    if (firing || entry === armedFor) return;
    disarm();
    if (!entry) return;
    armedFor = entry;
    timer = clock.setTimeout(fire, clampTimerMs(entry.at - clock.now()));
  }

  const arm = () => armFor(firing ? null : earliest());

  /** Runs every entry due now, in order (those cleared by an earlier one do not run). */
  function fire() {
    timer = null;
    armedFor = null;
    const now = clock.now();
    const due = [...entries.values()]
      .filter((entry) => entry.at <= now)
      .sort((a, b) => a.at - b.at || a.seq - b.seq);
    firing = true;
    try {
      for (const entry of due) {
        if (entries.delete(entry.seq)) entry.callback();
      }
    } finally {
      firing = false;
      arm();
    }
  }

  return {
    now: () => clock.now(),
    setTimeout(callback, ms) {
      const entry: Entry = { at: clock.now() + clampTimerMs(ms), seq: ++seq, callback };
      entries.set(entry.seq, entry);
      if (!armedFor || entry.at < armedFor.at) armFor(entry);
      return entry.seq;
    },
    clearTimeout(handle) {
      if (typeof handle !== 'number' || !entries.delete(handle)) return;
      // The timer beneath stays set for a timer cleared (it fires early, runs nothing and is set
      // again for the earliest): a part that sets and clears a timer per call (a lease renewal)
      // costs the clock nothing. With no timer left it is cleared: nothing holds the process.
      if (entries.size === 0) disarm();
    },
    get pending() {
      return entries.size;
    },
  };
}
