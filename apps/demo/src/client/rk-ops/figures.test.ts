import { describe, expect, it } from 'vitest';
import type { OpsSampleJson } from '../types.js';
import {
  CHARTS,
  headline,
  isolated,
  longGaps,
  quiet,
  SPAN_S,
  timeRange,
  windowLabel,
} from './figures.js';

const zeroEnded = {
  completed: 0,
  busy: 0,
  'no-answer': 0,
  failed: 0,
  canceled: 0,
  suppressed: 0,
};
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
      'Last minute: Completed 14, Busy 3, No answer 0, Failed 0, Canceled 0, Do not call 0',
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

/** Times one second apart from `t0`, as the samples come. */
const seconds = (n: number, t0 = 1000) => Array.from({ length: n }, (_, i) => t0 + i);

describe('isolated', () => {
  it('finds a lone sample, and values no line reaches: none within 10 s on either side', () => {
    expect(isolated(seconds(1), [0])).toEqual([0]);
    // Sparse timings a few seconds apart are joined by the line: no point of their own.
    expect(isolated(seconds(6), [3, null, 4, 5, null, 6])).toEqual([]);
    expect(isolated(seconds(3), [1, 2, 3])).toEqual([]);
    expect(isolated(seconds(2), [null, null])).toEqual([]);
    expect(isolated([], [])).toEqual([]);
    // Alone between two long stretches with nothing.
    const times = seconds(40);
    const values = times.map((_, i) => (i === 0 || i === 20 || i === 21 || i === 39 ? i : null));
    expect(isolated(times, values)).toEqual([0, 39]);
    expect(isolated(times, values, 25)).toEqual([]);
  });
});

describe('longGaps', () => {
  it('gives the stretches with no value longer than 10 s, by the times of the values around them', () => {
    const times = seconds(40);
    const values = times.map((_, i) => (i < 3 || (i >= 20 && i < 25) || i === 30 ? i : null));
    // 2 → 20 is 18 s: a gap; 24 → 30 is 6 s: joined.
    expect(longGaps(times, values)).toEqual([[1002, 1020]]);
    expect(longGaps(times, values, 5)).toEqual([
      [1002, 1020],
      [1024, 1030],
    ]);
    expect(longGaps(seconds(3), [1, 2, 3])).toEqual([]);
    expect(longGaps(seconds(3), [null, null, null])).toEqual([]);
  });
});

describe('timeRange', () => {
  it('spans five minutes up to the newest sample, from the first one on', () => {
    expect(timeRange(1000)).toEqual([700, 1000]);
    expect(SPAN_S).toBe(300);
    const [from, to] = timeRange(undefined);
    expect(to - from).toBe(300);
  });
});

describe('the outcomes chart', () => {
  it('spreads its axis, and no other chart does', () => {
    expect(CHARTS.filter((c) => c.scale === 'spread').map((c) => c.id)).toEqual(['ended']);
  });
});

describe('a quiet page', () => {
  const still: OpsSampleJson = {
    ...sample,
    placed_per_s: { scheduler: 0, dialer: 0 },
    ended: { ...zeroEnded },
    in_flight: { scheduler: 0, dialer: 0 },
  };

  it('is quiet while no sample holds a call placed, ended or in flight', () => {
    expect(quiet([still, still])).toBe(true);
    expect(quiet([still, { ...still, placed_per_s: { scheduler: 0, dialer: 0.5 } }])).toBe(false);
    expect(quiet([{ ...still, ended: { ...zeroEnded, canceled: 1 } }, still])).toBe(false);
    expect(quiet([still, { ...still, in_flight: { scheduler: 1, dialer: 0 } }])).toBe(false);
    expect(quiet([sample])).toBe(false);
  });
});
