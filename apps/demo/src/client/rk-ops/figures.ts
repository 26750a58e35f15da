/**
 * What `<rk-ops>` draws and says: its charts, their lines, their headline figures (over the
 * sample's window, or now for calls in flight) and which points a chart marks on their own.
 */
import { OUTCOME_WORDS } from '../history-type.js';
import type { OpsSampleJson } from '../types.js';

/** One line of a chart: its legend, its colour and how a sample gives its value. */
export interface Line {
  label: string;
  color: string;
  /** A custom property that overrides `color` (the status colours of the other elements). */
  colorProperty?: string;
  /** A dashed line, told apart from its neighbours without its colour. */
  dash?: number[];
  value: (sample: OpsSampleJson) => number | null;
}

/** The figures of a window: the sample's own (one interval) from a server that sends none. */
type Figures = Omit<OpsSampleJson['window'], 'span_s'>;

/** One chart of the page. */
export interface Chart {
  id: string;
  title: string;
  /** The y axis' label, with its unit. */
  unit: string;
  lines: Line[];
  /** `window`: the headline covers the sample's window; `now`: the sample's own value. */
  period: 'window' | 'now';
  /** The headline figures, in words. */
  headline: (figures: Figures & Pick<OpsSampleJson, 'in_flight'>) => string;
  /**
   * `spread`: an arcsinh y axis, linear near zero and logarithmic far from it, so one spike
   * (9,991 cancellations in a second) leaves the rest readable.
   */
  scale?: 'spread';
}

const fmt = (value: number | null, unit: string) =>
  value === null
    ? '–'
    : `${Number.isInteger(value) ? value : Number(value.toFixed(Math.abs(value) < 1 ? 2 : 1))} ${unit}`;

/** Each terminal status: its legend, colour and dash (no two alike in both). */
const ENDED = [
  ['completed', OUTCOME_WORDS.completed, '#116329', undefined],
  ['busy', OUTCOME_WORDS.busy, '#bc4c00', undefined],
  ['no-answer', OUTCOME_WORDS['no-answer'], '#7d4e00', [6, 4]],
  ['failed', OUTCOME_WORDS.failed, '#a40e26', [2, 3]],
  ['canceled', OUTCOME_WORDS.canceled, '#59636e', [8, 3, 2, 3]],
  ['suppressed', OUTCOME_WORDS.suppressed, '#6639ba', [1, 4]],
] as const;

/** A chart of the p50 and p99, in ms, of one of the sample's timings. */
function percentiles(id: string, title: string, key: 'dispatch_lag_ms' | 'provider_ms'): Chart {
  return {
    id,
    title,
    unit: 'ms',
    lines: [
      { label: 'p50', color: '#0b5cad', value: (s) => s[key].p50 },
      { label: 'p99', color: '#a40e26', value: (s) => s[key].p99 },
    ],
    period: 'window',
    headline: (f) => `p50 ${fmt(f[key].p50, 'ms')}, p99 ${fmt(f[key].p99, 'ms')}`,
  };
}

/** A chart of one of the sample's figures: a line for the scheduler's, one for the dialer's. */
function bySource(
  id: string,
  title: string,
  unit: string,
  key: 'placed_per_s' | 'in_flight',
  show: (value: number) => string,
): Chart {
  return {
    id,
    title,
    unit,
    lines: [
      { label: 'Scheduler', color: '#0b5cad', value: (s) => s[key].scheduler },
      { label: 'Dialer', color: '#8250df', value: (s) => s[key].dialer },
    ],
    period: key === 'in_flight' ? 'now' : 'window',
    headline: (f) => `scheduler ${show(f[key].scheduler)}, dialer ${show(f[key].dialer)}`,
  };
}

export const CHARTS: Chart[] = [
  bySource('placed', 'Calls placed per second', 'calls/s', 'placed_per_s', (v) => fmt(v, '/s')),
  percentiles('lag', 'Dispatch lag', 'dispatch_lag_ms'),
  {
    id: 'ended',
    title: 'Outcomes by status',
    unit: 'calls ended',
    lines: ENDED.map(([status, label, color, dash]) => ({
      label,
      color,
      colorProperty: `--rk-status-${status}`,
      ...(dash ? { dash: [...dash] } : {}),
      value: (s: OpsSampleJson) => s.ended[status],
    })),
    period: 'window',
    headline: (f) => ENDED.map(([status, label]) => `${label} ${f.ended[status]}`).join(', '),
    scale: 'spread',
  },
  bySource('in-flight', 'Calls in flight', 'calls', 'in_flight', String),
  percentiles('provider', "Provider's response time", 'provider_ms'),
];

/** How long a window is, in words: `last minute`, `last 5 minutes`, `last 12 s`. */
export function windowLabel(spanS: number): string {
  const minutes = spanS / 60;
  if (Number.isInteger(minutes) && minutes >= 1) {
    return minutes === 1 ? 'last minute' : `last ${minutes} minutes`;
  }
  return `last ${Math.max(1, Math.round(spanS))} s`;
}

/**
 * A chart's headline for the latest sample: its period, then its figures, e.g.
 * `Last minute: scheduler 0.5 /s, dialer 1.2 /s` or `Now: scheduler 2, dialer 0`.
 */
export function headline(chart: Chart, sample: OpsSampleJson, intervalMs: number): string {
  if (chart.period === 'now') return `Now: ${chart.headline(sample)}`;
  const window = sample.window ?? { ...sample, span_s: intervalMs / 1000 };
  const label = windowLabel(window.span_s);
  return `${label[0]!.toUpperCase()}${label.slice(1)}: ${chart.headline({ ...window, in_flight: sample.in_flight })}`;
}

/**
 * How far apart two values may be, in seconds, and still be joined by a line: a timing of the
 * calls placed has no value in a second with none, and a few such seconds are not a gap.
 */
export const JOIN_WITHIN_S = 10;

/** Seconds of samples a chart spans: five minutes at one a second, as the server keeps. */
export const SPAN_S = 300;

/**
 * The stretches with no value longer than `joinWithinS`, as `[from, to]` times of the values
 * on each side: a chart leaves them empty, and joins the values across shorter ones.
 */
export function longGaps(
  times: readonly number[],
  values: readonly (number | null | undefined)[],
  joinWithinS = JOIN_WITHIN_S,
): [number, number][] {
  const gaps: [number, number][] = [];
  let previous: number | undefined;
  values.forEach((value, i) => {
    if (value === null || value === undefined) return;
    const time = times[i]!;
    if (previous !== undefined && time - previous > joinWithinS) gaps.push([previous, time]);
    previous = time;
  });
  return gaps;
}

/**
 * The indices of the values no line reaches: none within `joinWithinS` on either side (the
 * first and only sample, or one between long gaps). The chart marks them with a point.
 */
export function isolated(
  times: readonly number[],
  values: readonly (number | null | undefined)[],
  joinWithinS = JOIN_WITHIN_S,
): number[] {
  const present = values.flatMap((value, i) => (value === null || value === undefined ? [] : [i]));
  return present.filter((index, k) => {
    const before = present[k - 1];
    const after = present[k + 1];
    const near = (other: number | undefined) =>
      other !== undefined && Math.abs(times[other]! - times[index]!) <= joinWithinS;
    return !near(before) && !near(after);
  });
}

/** The x range of a chart: the last {@link SPAN_S} seconds up to the newest sample. */
export function timeRange(newest: number | null | undefined): [number, number] {
  const end = newest ?? Date.now() / 1000;
  return [end - SPAN_S, end];
}

/**
 * Nothing has happened in the samples held: no call placed, none ended, none in flight. The page
 * then says so rather than showing empty charts.
 */
export function quiet(samples: readonly OpsSampleJson[]): boolean {
  const sum = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0);
  return samples.every(
    (s) => sum(s.placed_per_s) === 0 && sum(s.ended) === 0 && sum(s.in_flight) === 0,
  );
}
