import type { Clock } from '../time/clock.js';

/**
 * A {@link Clock} that only moves when told to; timers run in due order (those due at the same
 * time in the order they were set). Two ways to move it: `advance` (async) lets promises settle
 * after every timer, as real time would; `advanceSync` and `runNext` run timers back to back,
 * for code whose timers only call synchronous code.
 */
export interface FakeClock extends Clock {
  /** Timers set and not yet run or cleared. */
  readonly pending: number;
  /**
   * Moves time forward by `ms`, running every timer due on the way at its own time, and lets
   * promises settle after each one.
   */
  advance(ms: number): Promise<void>;
  /** Moves time to `at` (epoch ms or Date); see {@link FakeClock.advance}. */
  advanceTo(at: number | Date): Promise<void>;
  /** Lets pending promise callbacks run without moving time (timers due now run too). */
  flush(): Promise<void>;
  /** Moves time forward by `ms`, running every timer due on the way, with no await in between. */
  advanceSync(ms: number): void;
  /** Jumps to the earliest timer and runs it; `false` when none is set. */
  runNext(): boolean;
}

interface Timer {
  at: number;
  seq: number;
  callback: () => void;
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

/**
 * A deterministic clock for tests: no globals are patched; pass it as `clock` to the scheduler,
 * the dialer or `watchCall`.
 *
 * @param start The time it shows at first (epoch ms, a Date or an ISO string).
 * @default start 0
 * @example
 * const clock = createFakeClock('2026-03-08T08:00:00Z');
 * const scheduler = createScheduler({ store, provider, callerId, clock });
 * await clock.advance(60_000);
 */
export function createFakeClock(start: number | Date | string = 0): FakeClock {
  let now = typeof start === 'number' ? start : new Date(start).getTime();
  let seq = 0;
  const timers = new Map<number, Timer>();

  const nextDue = (limit: number) => {
    let best: Timer | undefined;
    for (const timer of timers.values()) {
      if (
        timer.at <= limit &&
        (!best || timer.at < best.at || (timer.at === best.at && timer.seq < best.seq))
      ) {
        best = timer;
      }
    }
    return best;
  };

  const run = (timer: Timer) => {
    timers.delete(timer.seq);
    now = Math.max(now, timer.at);
    timer.callback();
  };

  const advanceTo = async (target: number) => {
    await settle();
    for (let timer = nextDue(target); timer; timer = nextDue(target)) {
      run(timer);
      await settle();
    }
    now = Math.max(now, target);
    await settle();
  };

  return {
    now: () => now,
    setTimeout(callback, ms) {
      const timer = { at: now + Math.max(0, ms), seq: ++seq, callback };
      timers.set(timer.seq, timer);
      return timer.seq;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    get pending() {
      return timers.size;
    },
    advance: (ms) => advanceTo(now + ms),
    advanceTo: (at) => advanceTo(typeof at === 'number' ? at : at.getTime()),
    flush: () => advanceTo(now),
    advanceSync(ms) {
      const target = now + ms;
      for (let timer = nextDue(target); timer; timer = nextDue(target)) run(timer);
      now = Math.max(now, target);
    },
    runNext() {
      const timer = nextDue(Infinity);
      if (!timer) return false;
      run(timer);
      return true;
    },
  };
}
