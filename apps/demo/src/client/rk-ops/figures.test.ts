import { describe, expect, it } from 'vitest';
import type { OpsSampleJson } from '../types.js';
import { CHARTS, headline, isolated, windowLabel } from './figures.js';

const zeroEnded = { completed: 0, busy: 0, 'no-answer': 0, failed: 0, canceled: 0 };
const sample: OpsSampleJson = {
  t: 1_000,
  placed_per_s: { scheduler: 1, dialer: 0 },
  dispatch_lag_ms: { p50: 12, p99: 12 },
  provider_ms: { p50: null, p99: null },
  ended: { ...zeroEnded, busy: 1 },
  in_flight: { scheduler: 2, dialer: 3 },
  window: {
    span_s: 60,
    placed_per_s: { scheduler: 0.25, dialer: 1.5 },
    dispatch_lag_ms: { p50: 8, p99: 40.5 },
    provider_ms: { p50: 120, p99: 480 },
    ended: { ...zeroEnded, completed: 14, busy: 3 },
  },
};
const chart = (id: string) => CHARTS.find((c) => c.id === id)!;

describe('the headline of each chart', () => {
  it('gives the figures of the window, labelled, not those of the last second', () => {
    expect(headline(chart('placed'), sample, 1000)).toBe(
      'Last minute: scheduler 0.25 /s, dialer 1.5 /s',
    );
    expect(headline(chart('lag'), sample, 1000)).toBe('Last minute: p50 8 ms, p99 40.5 ms');
    expect(headline(chart('provider'), sample, 1000)).toBe('Last minute: p50 120 ms, p99 480 ms');
    expect(headline(chart('ended'), sample, 1000)).toBe(
      'Last minute: Completed 14, Busy 3, No answer 0, Failed 0, Canceled 0',
    );
  });

  it('gives the calls in flight now', () => {
    expect(headline(chart('in-flight'), sample, 1000)).toBe('Now: scheduler 2, dialer 3');
  });

  it('says how long a shorter window is', () => {
    const young = { ...sample, window: { ...sample.window, span_s: 12 } };
    expect(headline(chart('lag'), young, 1000)).toBe('Last 12 s: p50 8 ms, p99 40.5 ms');
    expect(windowLabel(300)).toBe('last 5 minutes');
    expect(windowLabel(0.4)).toBe('last 1 s');
  });
});

describe('isolated', () => {
  it('finds a lone sample, and values between gaps, that a line cannot draw', () => {
    expect(isolated([0])).toEqual([0]);
    expect(isolated([3, null, 4, 5, null, 6])).toEqual([0, 5]);
    expect(isolated([1, 2, 3])).toEqual([]);
    expect(isolated([null, null])).toEqual([]);
    expect(isolated([])).toEqual([]);
  });
});
