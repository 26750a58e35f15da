import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSharedTimers } from './shared-timers.js';
import { countingClock } from './testing.js';
import { MAX_TIMER_MS, systemClock, type Clock } from './time.js';

afterEach(() => {
  vi.useRealTimers();
});

/** Shared timers over the system clock under vitest's fake timers, with the timers beneath counted. */
function shared() {
  vi.useFakeTimers({ now: 0 });
  const beneath = countingClock(systemClock);
  return { timers: createSharedTimers(beneath.clock), stats: beneath.stats };
}

describe('createSharedTimers', () => {
  it('runs many timers in due order on one timer of the clock beneath', () => {
    const { timers, stats } = shared();
    const ran: string[] = [];
    timers.setTimeout(() => ran.push('c'), 300);
    timers.setTimeout(() => ran.push('a'), 100);
    timers.setTimeout(() => ran.push('b1'), 200);
    timers.setTimeout(() => ran.push('b2'), 200);
    expect(timers.pending).toBe(4);
    expect(stats.maxLive).toBe(1);
    vi.advanceTimersByTime(199);
    expect(ran).toEqual(['a']);
    vi.advanceTimersByTime(101);
    expect(ran).toEqual(['a', 'b1', 'b2', 'c']);
    expect(timers.pending).toBe(0);
    expect(stats.live()).toBe(0);
    expect(stats.maxLive).toBe(1);
  });

  it('moves the timer beneath when the earliest is cleared, and drops it with the last', () => {
    const { timers, stats } = shared();
    const ran: string[] = [];
    const first = timers.setTimeout(() => ran.push('first'), 100);
    const second = timers.setTimeout(() => ran.push('second'), 500);
    timers.clearTimeout(first);
    expect(timers.pending).toBe(1);
    vi.advanceTimersByTime(400);
    expect(ran).toEqual([]);
    timers.clearTimeout(second);
    expect(stats.live()).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(ran).toEqual([]);
  });

  it('keeps the timer beneath when a timer is set and cleared per call, and fires it early harmlessly', () => {
    vi.useFakeTimers({ now: 0 });
    let armed = 0;
    let cleared = 0;
    const beneath: Clock = {
      now: () => systemClock.now(),
      setTimeout: (callback, ms) => ((armed += 1), systemClock.setTimeout(callback, ms)),
      clearTimeout: (handle) => ((cleared += 1), systemClock.clearTimeout(handle)),
    };
    const timers = createSharedTimers(beneath);
    const ran: string[] = [];
    timers.setTimeout(() => ran.push('sweep'), 60_000);
    // A lease renewal set and cleared for each of 100 calls: the clock beneath is not touched.
    for (let i = 0; i < 100; i += 1)
      timers.clearTimeout(timers.setTimeout(() => ran.push('x'), 10_000));
    expect([armed, cleared]).toEqual([2, 1]);
    // It fires for the cleared one at 10 s, runs nothing, and is set again for the sweep.
    vi.advanceTimersByTime(10_000);
    expect(ran).toEqual([]);
    expect(armed).toBe(3);
    vi.advanceTimersByTime(50_000);
    expect(ran).toEqual(['sweep']);
  });

  it('ignores handles it never gave and handles already run', () => {
    const { timers } = shared();
    const ran = vi.fn();
    const handle = timers.setTimeout(ran, 10);
    vi.advanceTimersByTime(10);
    timers.clearTimeout(handle);
    timers.clearTimeout('nope');
    timers.clearTimeout(undefined);
    expect(ran).toHaveBeenCalledTimes(1);
  });

  it('runs the timers due together in one firing, and one set by them at the next', () => {
    const { timers } = shared();
    const ran: string[] = [];
    timers.setTimeout(() => {
      ran.push('outer');
      timers.setTimeout(() => ran.push('now'), 0);
      timers.setTimeout(() => ran.push('later'), 50);
      timers.clearTimeout(cleared);
    }, 10);
    timers.setTimeout(() => ran.push('same time'), 10);
    const cleared = timers.setTimeout(() => ran.push('cleared by outer'), 10);
    vi.advanceTimersByTime(10);
    expect(ran).toEqual(['outer', 'same time']);
    vi.advanceTimersByTime(50);
    expect(ran).toEqual(['outer', 'same time', 'now', 'later']);
  });

  it('runs the rest of the timers due together after one that throws', () => {
    const { timers } = shared();
    const ran: string[] = [];
    timers.setTimeout(() => {
      throw new Error('boom');
    }, 10);
    timers.setTimeout(() => ran.push('after'), 10);
    expect(() => vi.advanceTimersByTime(10)).toThrow('boom');
    vi.advanceTimersByTime(1);
    expect(ran).toEqual(['after']);
  });

  it('runs nothing early when the timer beneath fires before its time by the clock', () => {
    let now = 0;
    const armed: { callback: () => void; ms: number }[] = [];
    const early: Clock = {
      now: () => now,
      setTimeout: (callback, ms) => armed.push({ callback, ms }),
      clearTimeout: () => undefined,
    };
    const timers = createSharedTimers(early);
    const ran = vi.fn();
    timers.setTimeout(ran, 1000);
    now = 999;
    armed.at(-1)!.callback();
    expect(ran).not.toHaveBeenCalled();
    expect(armed.at(-1)!.ms).toBe(1);
    now = 1000;
    armed.at(-1)!.callback();
    expect(ran).toHaveBeenCalledTimes(1);
  });

  it('clamps delays as every timer is', () => {
    const { timers } = shared();
    const ran = vi.fn();
    timers.setTimeout(ran, Number.NaN);
    timers.setTimeout(ran, 60 * 24 * 3_600_000);
    vi.advanceTimersByTime(0);
    expect(ran).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(MAX_TIMER_MS);
    expect(ran).toHaveBeenCalledTimes(2);
  });

  it('runs what the clock beneath would run, in its order, for any sets and clears', () => {
    const step = fc.oneof(
      fc.record({ set: fc.integer({ min: 0, max: 500 }) }),
      fc.record({ clear: fc.nat({ max: 40 }) }),
      fc.record({ advance: fc.integer({ min: 0, max: 300 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        vi.useFakeTimers({ now: 0 });
        try {
          const beneath = countingClock(systemClock);
          const timers = createSharedTimers(beneath.clock);
          const direct: string[] = [];
          const viaShared: string[] = [];
          const handles: [unknown, unknown][] = [];
          for (const s of steps) {
            if ('set' in s) {
              const name = `t${handles.length}`;
              handles.push([
                systemClock.setTimeout(() => direct.push(name), s.set),
                timers.setTimeout(() => viaShared.push(name), s.set),
              ]);
            } else if ('clear' in s) {
              const pair = handles[s.clear];
              if (pair) {
                systemClock.clearTimeout(pair[0]);
                timers.clearTimeout(pair[1]);
              }
            } else {
              vi.advanceTimersByTime(s.advance);
            }
            expect(beneath.stats.live()).toBeLessThanOrEqual(1);
          }
          vi.advanceTimersByTime(1000);
          expect(viaShared).toEqual(direct);
          expect(timers.pending).toBe(0);
        } finally {
          vi.useRealTimers();
        }
      }),
      { numRuns: 300 },
    );
  });
});
