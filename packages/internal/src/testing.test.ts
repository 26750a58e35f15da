import { describe, expect, it } from 'vitest';
import {
  attributeText,
  countingClock,
  driveClock,
  mostInOneSecond,
  ownTracer,
  recordSpans,
  type TimerClock,
} from './testing.js';

/** A clock whose timers fire only when told. */
function manualClock() {
  let now = 0;
  const timers = new Map<number, () => void>();
  let seq = 0;
  const clock: TimerClock & { fire(handle: number): void } = {
    now: () => now,
    setTimeout(callback) {
      timers.set(++seq, callback);
      return seq;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    fire(handle) {
      now += 1;
      const callback = timers.get(handle);
      timers.delete(handle);
      callback?.();
    },
  };
  return clock;
}

describe('countingClock', () => {
  it('counts the timers armed now and the most at one moment, through fires and clears', () => {
    const { clock, inner, stats } = countingClock(manualClock());
    const fired: string[] = [];
    const a = clock.setTimeout(() => fired.push('a'), 10) as number;
    const b = clock.setTimeout(() => fired.push('b'), 20);
    expect(stats.live()).toBe(2);
    inner.fire(a);
    expect(fired).toEqual(['a']);
    expect(stats.live()).toBe(1);
    clock.clearTimeout(b);
    expect(stats.live()).toBe(0);
    expect(stats.maxLive).toBe(2);
    expect(clock.now()).toBe(1);
  });
});

describe('mostInOneSecond', () => {
  it('counts the most moments in a half-open second, in any order', () => {
    expect(mostInOneSecond([])).toBe(0);
    expect(mostInOneSecond([5])).toBe(1);
    // 0, 999 and 500 share [0, 1000); 1000 does not.
    expect(mostInOneSecond([1000, 0, 999, 500])).toBe(3);
    expect(mostInOneSecond([0, 1000, 2000, 3000])).toBe(1);
    expect(mostInOneSecond([100, 100.5, 1099.9, 1100])).toBe(3);
  });
});

describe('ownTracer', () => {
  it('keeps the spans of its own tracer, which the global provider never sees', async () => {
    const global = recordSpans();
    const own = ownTracer();
    own.tracer.startSpan('mine', { attributes: { n: 1 } }).end();
    expect(own.spans().map((s) => [s.name, s.attributes])).toEqual([['mine', { n: 1 }]]);
    expect(global.spans()).toEqual([]);
    await own.close();
    await global.close();
  });
});

describe('attributeText', () => {
  it('holds every span name, attribute and status, to search for a phone number', () => {
    const own = ownTracer();
    const span = own.tracer.startSpan('placed', { attributes: { 'ringkit.call.id': 'c1' } });
    span.setStatus({ code: 2, message: 'http_error' });
    span.end();
    const text = attributeText(own.spans());
    expect(text).toContain('placed');
    expect(text).toContain('"ringkit.call.id":"c1"');
    expect(text).toContain('http_error');
  });
});

describe('driveClock', () => {
  /** A clock that only counts how far it was moved. */
  const steppedClock = () => {
    const clock = { now: 0, advance: async (ms: number) => void (clock.now += ms) };
    return clock;
  };

  it('moves the clock a step at a time until the condition holds, and no further', async () => {
    const clock = steppedClock();
    await driveClock(clock, () => clock.now >= 35, { stepMs: 10 });
    expect(clock.now).toBe(40);
    await driveClock(clock, async () => true);
    expect(clock.now).toBe(40);
  });

  it('lets real I/O run between steps', async () => {
    const clock = steppedClock();
    let arrived = false;
    setTimeout(() => (arrived = true), 5);
    await driveClock(clock, () => arrived, { stepMs: 1, maxMs: 10_000 });
    expect(arrived).toBe(true);
  });

  it('throws, naming what never happened, after maxMs of fake time', async () => {
    const clock = steppedClock();
    await expect(
      driveClock(clock, () => false, { stepMs: 100, maxMs: 1_000, what: 'the answer' }),
    ).rejects.toThrow('the answer: not after 1000 ms of fake time');
    expect(clock.now).toBe(1_100);
  });
});
