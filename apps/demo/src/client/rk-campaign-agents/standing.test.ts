import { describe, expect, it } from 'vitest';
import type { AbandonsJson, AgentJson } from '../types.js';
import {
  chartPath,
  CHART,
  KEEP_SAMPLES,
  occupancyOf,
  overCap,
  percent,
  rateText,
  rateTop,
  trendText,
  withSample,
  type StandingSample,
} from './standing.js';

const agent = (state: AgentJson['state'], talking: number, other: number) =>
  ({
    state,
    totals: { available_ms: other, ringing_ms: 0, talking_ms: talking, wrap_up_ms: 0 },
  }) as AgentJson;

const abandons = (patch: Partial<AbandonsJson>): AbandonsJson => ({
  campaign: 'renewals',
  mode: 'predictive',
  answered: 250,
  abandoned: 3,
  rate: 0.012,
  abandon_cap: 0.03,
  since: '2030-01-01T00:00:00.000Z',
  until: '2030-01-31T00:00:00.000Z',
  ...patch,
});

describe('a campaign’s standing', () => {
  it('sums the occupancy over the agents logged in, and has none while nobody is', () => {
    expect(occupancyOf([agent('talking', 3000, 1000), agent('available', 1000, 3000)])).toBe(0.5);
    expect(occupancyOf([agent('away', 9000, 0)])).toBeNull();
    expect(occupancyOf([])).toBeNull();
  });

  it('says the rate against the cap, and that no one answered before anyone did', () => {
    expect(percent(0.012)).toBe('1.2 %');
    expect(percent(0.62)).toBe('62 %');
    expect(percent(0)).toBe('0 %');
    expect(rateText(abandons({}))).toBe('1.2 % (cap 3 %)');
    expect(rateText(abandons({ rate: null, answered: 0, abandoned: 0 }))).toBe(
      'no one answered yet (cap 3 %)',
    );
    expect(overCap(abandons({}))).toBe(false);
    expect(overCap(abandons({ rate: 0.04 }))).toBe(true);
  });

  it('keeps the last samples only', () => {
    let samples: StandingSample[] = [];
    for (let i = 0; i < KEEP_SAMPLES + 5; i += 1) {
      samples = withSample(samples, { at: i, rate: 0, occupancy: 0 });
    }
    expect(samples).toHaveLength(KEEP_SAMPLES);
    expect(samples[0]!.at).toBe(5);
  });

  it('draws each value across the chart, breaking the line where none was read', () => {
    expect(chartPath([0, 0.5, 1], 1)).toBe(`M0.0 ${CHART.height.toFixed(1)}L120.0 24.0L240.0 0.0`);
    expect(chartPath([0.5, null, 0.5], 1)).toBe('M0.0 24.0M240.0 24.0');
    expect(chartPath([null], 1)).toBe('');
    // A value over the top stays at the top.
    expect(chartPath([2, 2], 1)).toBe('M0.0 0.0L240.0 0.0');
    expect(rateTop([{ at: 0, rate: 0.01, occupancy: null }], 0.03)).toBe(0.06);
    expect(rateTop([{ at: 0, rate: 0.1, occupancy: null }], 0.03)).toBe(0.1);
  });

  it('says the chart in words', () => {
    const samples: StandingSample[] = [
      { at: 0, rate: null, occupancy: 0.62 },
      { at: 3000, rate: 0, occupancy: 0.62 },
      { at: 90_000, rate: 0.012, occupancy: 0.62 },
    ];
    expect(trendText(samples, 0.03)).toBe(
      'Over the last 2 min: abandon rate between 0 % and 1.2 %, 1.2 % now (cap 3 %); occupancy steady at 62 %.',
    );
    expect(trendText(samples.slice(0, 1), 0.03)).toBe(
      'Over the last 0 s: abandon rate no reading yet (cap 3 %); occupancy steady at 62 %.',
    );
    expect(trendText([], 0.03)).toBe('No reading yet.');
  });
});
