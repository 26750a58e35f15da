import { afterEach, describe, expect, it, vi } from 'vitest';
import { clampTimerMs, isClock, MAX_TIMER_MS, nextBeat, sleep, systemClock } from './time.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('clampTimerMs', () => {
  it('keeps delays Node can arm and cuts longer ones to the largest it can', () => {
    expect(clampTimerMs(1_000)).toBe(1_000);
    expect(clampTimerMs(MAX_TIMER_MS)).toBe(MAX_TIMER_MS);
    expect(clampTimerMs(30 * 24 * 3_600_000)).toBe(MAX_TIMER_MS);
    expect(clampTimerMs(Number.POSITIVE_INFINITY)).toBe(MAX_TIMER_MS);
  });

  it('turns negative and NaN delays into 0', () => {
    expect(clampTimerMs(-5)).toBe(0);
    expect(clampTimerMs(Number.NaN)).toBe(0);
  });
});

describe('systemClock', () => {
  it('arms a timer of more than 24.8 days without overflowing to 1 ms', () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    vi.useFakeTimers();
    try {
      const fired = vi.fn();
      systemClock.setTimeout(fired, 40 * 24 * 3_600_000);
      vi.advanceTimersByTime(1_000);
      expect(fired).not.toHaveBeenCalled();
      vi.advanceTimersByTime(MAX_TIMER_MS);
      expect(fired).toHaveBeenCalledTimes(1);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.name === 'TimeoutOverflowWarning')).toEqual([]);
  });

  it('sleep resolves on the clock and rejects with the reason of an aborted signal', async () => {
    await expect(sleep(1)).resolves.toBeUndefined();
    const controller = new AbortController();
    const pending = sleep(60_000, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });
});

describe('isClock', () => {
  it('takes anything with now, setTimeout and clearTimeout, and nothing less', () => {
    expect(isClock(systemClock)).toBe(true);
    expect(isClock({ now: () => 0, setTimeout: () => 0, clearTimeout: () => {} })).toBe(true);
    for (const value of [
      null,
      undefined,
      42,
      'clock',
      { now: () => 0, setTimeout: () => 0 },
      { now: 0, setTimeout: () => 0, clearTimeout: () => {} },
    ]) {
      expect(isClock(value)).toBe(false);
    }
  });
});

describe('nextBeat', () => {
  it('answers the first multiple of the interval after now', () => {
    expect(nextBeat(0, 1000)).toBe(1000);
    expect(nextBeat(999, 1000)).toBe(1000);
    expect(nextBeat(1000, 1000)).toBe(2000);
    expect(nextBeat(1_700_000_000_123, 500)).toBe(1_700_000_000_500);
  });

  it('is never later than one interval from now, and never now itself', () => {
    for (let now = 0; now < 5000; now += 37) {
      const at = nextBeat(now, 250);
      expect(at).toBeGreaterThan(now);
      expect(at).toBeLessThanOrEqual(now + 250);
      expect(at % 250).toBe(0);
    }
  });

  it('puts two loops started apart on one beat', () => {
    expect(nextBeat(10_020, 1000)).toBe(nextBeat(10_870, 1000));
  });

  it('answers now when there is no interval', () => {
    expect(nextBeat(1234, 0)).toBe(1234);
    expect(nextBeat(1234, -5)).toBe(1234);
  });
});
