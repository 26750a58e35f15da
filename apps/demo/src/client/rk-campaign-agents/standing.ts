/**
 * What `<rk-campaign-agents>` says of a campaign with agents: its abandon rate against its cap,
 * its agents' occupancy, and the two as they moved while the page was shown, drawn as lines of
 * an inline SVG and said in words.
 */
import { formatCount } from '../format.js';
import type { AbandonsJson, AgentJson } from '../types.js';

/** One reading of the campaign, as the page took it. */
export interface StandingSample {
  /** Epoch ms. */
  at: number;
  /** Abandoned over answered, 0..1; `null` while no one answered. */
  rate: number | null;
  /** Talking over logged-in time of its agents logged in, 0..1; `null` while none is. */
  occupancy: number | null;
}

/** Readings kept: two minutes at one every 3 s. */
export const KEEP_SAMPLES = 40;

/** `samples` with `sample` added at their end, the oldest dropped past {@link KEEP_SAMPLES}. */
export const withSample = (samples: readonly StandingSample[], sample: StandingSample) =>
  [...samples, sample].slice(-KEEP_SAMPLES);

const isLoggedIn = (agent: AgentJson) => agent.state !== 'away';

/**
 * The occupancy of `agents` together: their time talking over their time logged in, summed over
 * those logged in now (one agent's long day weighs as much as it lasted); `null` when none is.
 */
export function occupancyOf(agents: readonly AgentJson[]): number | null {
  let talking = 0;
  let total = 0;
  for (const { totals } of agents.filter(isLoggedIn)) {
    talking += totals.talking_ms;
    total += totals.available_ms + totals.ringing_ms + totals.talking_ms + totals.wrap_up_ms;
  }
  return total === 0 ? null : talking / total;
}

/** How many of `agents` are logged in. */
export const loggedIn = (agents: readonly AgentJson[]) => agents.filter(isLoggedIn).length;

/** A share as a percentage, to a tenth under 10 % (`1.2 %`), whole above (`62 %`). */
export function percent(share: number): string {
  const value = share * 100;
  const digits = value !== 0 && value < 10 ? 1 : 0;
  return `${value.toLocaleString('en-US', { maximumFractionDigits: digits })} %`;
}

/** The rate against the cap, in words: `1.2 % (cap 3 %)`; before anyone answered, that no one did. */
export function rateText(abandons: AbandonsJson): string {
  const cap = abandons.abandon_cap === null ? '' : ` (cap ${percent(abandons.abandon_cap)})`;
  if (abandons.rate === null) return `no one answered yet${cap}`;
  return `${percent(abandons.rate)}${cap}`;
}

/** Whether the campaign stands above its cap. */
export const overCap = (abandons: AbandonsJson) =>
  abandons.rate !== null && abandons.abandon_cap !== null && abandons.rate > abandons.abandon_cap;

/** Its people in words: `3 of 250 people who answered in 30 days`. */
export function peopleText(abandons: AbandonsJson): string {
  const who = abandons.answered === 1 ? 'person' : 'people';
  return `${formatCount(abandons.abandoned)} of ${formatCount(abandons.answered)} ${who} who answered in 30 days`;
}

/** The chart's size, in the SVG's own units. */
export const CHART = { width: 240, height: 48 } as const;

/**
 * The line of `values` (each 0..`top`; `null`: no reading) through the chart, one point per
 * sample spread over its width, as an SVG path; a `null` breaks the line. Empty with no value.
 */
export function chartPath(values: readonly (number | null)[], top: number): string {
  const step = values.length > 1 ? CHART.width / (values.length - 1) : 0;
  let path = '';
  let drawing = false;
  values.forEach((value, i) => {
    if (value === null) {
      drawing = false;
      return;
    }
    const x = values.length > 1 ? i * step : CHART.width / 2;
    const y = CHART.height - (Math.min(value, top) / top) * CHART.height;
    path += `${drawing ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)}`;
    drawing = true;
  });
  return path;
}

/**
 * The top of the rate's scale: twice the cap, so the cap sits halfway up and a rate over it
 * shows; higher when the rate went higher.
 */
export function rateTop(samples: readonly StandingSample[], cap: number | null): number {
  const highest = Math.max(0, ...samples.map((s) => s.rate ?? 0));
  return Math.max(2 * (cap ?? 0.03), highest, 0.001);
}

/** The span of `values` read, in words: `from 0 % to 1.2 %`, `steady at 62 %`, or `no reading`. */
function span(values: readonly (number | null)[]): string {
  const read = values.filter((v): v is number => v !== null);
  if (read.length === 0) return 'no reading yet';
  const [low, high] = [Math.min(...read), Math.max(...read)];
  const last = percent(read.at(-1)!);
  if (percent(low) === percent(high)) return `steady at ${last}`;
  return `between ${percent(low)} and ${percent(high)}, ${last} now`;
}

/**
 * The chart in words, its text equivalent: what it spans and where each line went, e.g.
 * `Over the last 2 min: abandon rate between 0 % and 1.2 %, 1.2 % now (cap 3 %); occupancy
 * steady at 62 %.`
 */
export function trendText(samples: readonly StandingSample[], cap: number | null): string {
  if (samples.length === 0) return 'No reading yet.';
  const seconds = Math.round((samples.at(-1)!.at - samples[0]!.at) / 1000);
  const over = seconds < 60 ? `the last ${seconds} s` : `the last ${Math.round(seconds / 60)} min`;
  const capText = cap === null ? '' : ` (cap ${percent(cap)})`;
  return (
    `Over ${over}: abandon rate ${span(samples.map((s) => s.rate))}${capText}; ` +
    `occupancy ${span(samples.map((s) => s.occupancy))}.`
  );
}
