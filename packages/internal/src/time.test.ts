import { afterEach, describe, expect, it, vi } from 'vitest';
import { clampTimerMs, isClock, MAX_TIMER_MS, sleep, systemClock } from './time.js';

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
