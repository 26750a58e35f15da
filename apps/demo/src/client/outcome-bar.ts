/**
 * A progress bar of outcomes (part `progress`): each ended outcome in its own colour, then the
 * calls in flight, on a track of what is left, so a list where 4 of 9 calls were missed looks
 * it. Used by the dialer and by each campaign's card.
 */
import { css, html } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';
import { OUTCOME_WORDS } from './history-type.js';

/** An outcome in its one word, as every page says it (lower case in a sentence). */
const word = (outcome: keyof typeof OUTCOME_WORDS) => OUTCOME_WORDS[outcome].toLowerCase();

/** The colours of a bar's segments, from left to right. */
export const BAR_OUTCOMES = [
  'completed',
  'missed',
  'failed',
  'unknown',
  'canceled',
  'suppressed',
  'live',
] as const;
export type BarOutcome = (typeof BAR_OUTCOMES)[number];

/** One segment of the bar: an outcome and how many, with its words (`2 missed`). */
export interface BarSegment {
  outcome: BarOutcome;
  count: number;
  label: string;
}

/** What the bar says in words: `5 of 9 ended: 3 completed, 2 missed; 1 in flight`. */
export function barText(segments: readonly BarSegment[], total: number): string {
  const ended = segments.filter((s) => s.outcome !== 'live' && s.count > 0);
  const live = segments.find((s) => s.outcome === 'live')?.count ?? 0;
  const done = ended.reduce((sum, s) => sum + s.count, 0);
  const parts = ended.map((s) => `${s.count} ${s.label}`).join(', ');
  return `${done} of ${total} ended${parts ? `: ${parts}` : ''}${live > 0 ? `; ${live} in flight` : ''}`;
}

/**
 * The bar: a `progressbar` whose value is how many ended, its segments sized by count (`flex`),
 * each `data-outcome` and titled with its words.
 */
export function outcomeBar(segments: readonly BarSegment[], total: number, name: string) {
  const shown = segments.filter((s) => s.count > 0);
  const ended = shown.filter((s) => s.outcome !== 'live').reduce((sum, s) => sum + s.count, 0);
  const left = Math.max(0, total - shown.reduce((sum, s) => sum + s.count, 0));
  const text = barText(segments, total);
  return html`<div
    class="outcome-bar"
    part="progress"
    role="progressbar"
    aria-label=${name}
    aria-valuemin="0"
    aria-valuemax=${total}
    aria-valuenow=${ended}
    aria-valuetext=${text}
    title=${text}
  >
    ${shown.map(
      (s) =>
        html`<span
          data-outcome=${s.outcome}
          data-count=${s.count}
          style=${styleMap({
            flexGrow: String(s.count),
          })}
        ></span>`,
    )}
    ${left > 0 ? html`<span data-left style=${styleMap({ flexGrow: String(left) })}></span>` : ''}
  </div>`;
}

/** The bar's look, for the elements that show one. */
export const outcomeBarStyles = css`
  .outcome-bar {
    display: flex;
    width: 100%;
    height: 0.75rem;
    border-radius: 999px;
    overflow: hidden;
    background: var(--_border);
  }
  .outcome-bar > span {
    flex-basis: 0;
    min-width: 0;
  }
  .outcome-bar > span + span[data-outcome] {
    border-left: 1px solid var(--_surface);
  }
  .outcome-bar > [data-outcome='completed'] {
    background: var(--rk-status-completed, #116329);
  }
  .outcome-bar > [data-outcome='missed'] {
    background: var(--rk-status-missed, #953800);
  }
  .outcome-bar > [data-outcome='failed'] {
    background: var(--rk-status-failed, #a40e26);
  }
  .outcome-bar > [data-outcome='unknown'] {
    background: var(--rk-status-unknown, #57606a);
  }
  .outcome-bar > [data-outcome='canceled'] {
    background: var(--rk-status-canceled, #8c959f);
  }
  .outcome-bar > [data-outcome='suppressed'] {
    background: var(--rk-status-suppressed, #6639ba);
  }
  .outcome-bar > [data-outcome='live'] {
    background: var(--rk-status-ringing, #7d4e00);
    opacity: 0.55;
  }
`;

/** A dialer's entries as segments: their statuses, the missed (busy, no answer) as one. */
export function statusSegments(statuses: readonly string[]): BarSegment[] {
  const count = (...of: string[]) => statuses.filter((s) => of.includes(s)).length;
  return [
    { outcome: 'completed', count: count('completed'), label: word('completed') },
    { outcome: 'missed', count: count('busy', 'no-answer'), label: word('missed') },
    { outcome: 'failed', count: count('failed'), label: word('failed') },
    { outcome: 'canceled', count: count('canceled'), label: word('canceled') },
    { outcome: 'suppressed', count: count('suppressed'), label: word('suppressed') },
    {
      outcome: 'live',
      count: count('dialing', 'queued', 'initiated', 'ringing', 'answered'),
      label: 'in flight',
    },
  ];
}

/** A campaign's progress as segments: its outcomes as its card counts them, then its calls live. */
export function progressSegments(progress: {
  completed: number;
  missed: number;
  unknown: number;
  canceled: number;
  suppressed: number;
  live: number;
}): BarSegment[] {
  return [
    { outcome: 'completed', count: progress.completed, label: word('completed') },
    { outcome: 'missed', count: progress.missed, label: word('missed') },
    { outcome: 'unknown', count: progress.unknown, label: word('unknown') },
    { outcome: 'canceled', count: progress.canceled, label: word('canceled') },
    { outcome: 'suppressed', count: progress.suppressed, label: word('suppressed') },
    { outcome: 'live', count: progress.live, label: 'in flight' },
  ];
}
