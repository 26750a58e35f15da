import { css } from 'lit';
import { outcomeBarStyles } from '../outcome-bar.js';
import { shared } from '../styles.js';

/** `<rk-campaigns>`'s styles, over the shared ones. */
export const styles = [
  shared,
  outcomeBarStyles,
  css`
    h3 {
      font-size: 1rem;
      margin: 0;
    }
    form {
      display: grid;
      gap: 0.5rem;
      padding-bottom: 1rem;
      border-bottom: 1px solid var(--_border);
    }
    form h3 {
      margin-bottom: 0.25rem;
    }
    form label {
      margin: 0.25rem 0 0;
    }
    form button {
      justify-self: start;
      margin-top: 0.5rem;
    }
    fieldset.agents-fields {
      display: grid;
      gap: 0.5rem;
      margin: 0;
      padding: 0.5rem 0.75rem 0.75rem;
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
    }
    legend {
      font-weight: 600;
      padding: 0 0.25rem;
    }
    .row {
      display: grid;
      grid-template-columns: 1fr;
      gap: 0.5rem;
    }
    @container (min-width: 32rem) {
      .row {
        grid-template-columns: 2fr 1fr;
      }
    }
    ul {
      list-style: none;
      margin: 1rem 0 0;
      padding: 0;
      display: grid;
      gap: 0.75rem;
    }
    li.campaign {
      padding: 0.75rem;
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      background: var(--_surface);
    }
    .head {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      justify-content: space-between;
      gap: 0.5rem;
      margin-bottom: 0.5rem;
    }
    /* Its badges (state, archived, mode) together at the end of the line. */
    .head h3 {
      margin-right: auto;
    }
    h3 {
      overflow-wrap: anywhere;
    }
    .badge[data-state='running'] {
      --c: var(--rk-status-ringing, #0b5cad);
    }
    .badge[data-state='paused'] {
      --c: var(--rk-status-scheduled, #7d4e00);
    }
    .badge[data-state='stopped'] {
      --c: var(--rk-status-failed, #a40e26);
    }
    .badge[data-state='done'] {
      --c: var(--rk-status-completed, #116329);
    }
    .total {
      margin: 0.25rem 0 0;
      font-size: 0.875rem;
    }
    .times {
      margin: 0 0 0.5rem;
      font-size: 0.875rem;
    }
    .unknown {
      margin: 0 0 0.5rem;
      padding-left: 0.5rem;
      border-left: 3px solid var(--rk-status-scheduled, #7d4e00);
      font-size: 0.875rem;
    }
    .figures {
      display: flex;
      flex-wrap: wrap;
      gap: 0.25rem 1rem;
      margin: 0 0 0.75rem;
    }
    .figures div {
      display: flex;
      gap: 0.375rem;
      align-items: baseline;
    }
    .figures dt {
      color: var(--_muted);
      font-size: 0.875rem;
    }
    .figures dd {
      margin: 0;
      font-weight: 600;
      font-variant-numeric: tabular-nums;
    }
    .actions {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem;
    }
    .actions a:first-of-type {
      margin-left: auto;
    }
  `,
];
