import { css } from 'lit';
import { outcomeBarStyles } from '../outcome-bar.js';
import { shared } from '../styles.js';

/** `<rk-dialer>`'s styles, over the shared ones. */
export const styles = [
  shared,
  outcomeBarStyles,
  css`
    .head {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      justify-content: space-between;
      gap: 0.75rem;
    }
    .head h2 {
      margin: 0;
    }
    .state {
      margin: 0.25rem 0 0;
    }
    button.primary {
      min-width: 8rem;
    }
    .progress {
      margin: 1rem 0 0.75rem;
    }
    .progress .progress-label {
      display: flex;
      justify-content: space-between;
      font-weight: 600;
    }
    ol {
      list-style: none;
      margin: 1rem 0 0;
      padding: 0;
      display: grid;
      gap: 0.5rem;
    }
    li.entry {
      display: grid;
      grid-template-columns: 2rem 1fr auto;
      align-items: center;
      gap: 0.5rem;
      padding: 0.625rem 0.75rem;
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      background: var(--_surface);
    }
    .index {
      color: var(--_muted);
      font-variant-numeric: tabular-nums;
    }
    @container (min-width: 40rem) {
      ol {
        grid-template-columns: 1fr 1fr;
      }
    }
    @container (max-width: 24rem) {
      li.entry {
        grid-template-columns: 1.25rem 1fr;
        row-gap: 0.25rem;
      }
      li.entry .badge {
        grid-column: 2;
        justify-self: start;
      }
    }
  `,
];
