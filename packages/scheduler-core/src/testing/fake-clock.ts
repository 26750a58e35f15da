import type { Clock } from '@ringkit/call-client';

/** A {@link Clock} that only moves when told to; timers run in due order. */
export interface FakeClock extends Clock {
  /** Timers not run yet. */
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
 * A deterministic clock for tests: no globals are patched; pass it as `clock` to the scheduler.
 *
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

  const advanceTo = async (target: number) => {
    await settle();
    for (;;) {
      const timer = nextDue(target);
      if (!timer) break;
      timers.delete(timer.seq);
      now = Math.max(now, timer.at);
      timer.callback();
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
  };
}
