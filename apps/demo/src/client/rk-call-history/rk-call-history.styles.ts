import { css } from 'lit';
import { narrowTable, shared, table } from '../styles.js';

/** `<rk-call-history>`'s styles, over the shared ones. */
export const styles = [
  shared,
  table,
  css`
    form.lookup {
      display: flex;
      flex-wrap: wrap;
      align-items: end;
      gap: 0.75rem;
    }
    form.lookup > div {
      flex: 1 1 14rem;
      max-width: 24rem;
    }
    th {
      font-size: 0.8125rem;
      text-transform: uppercase;
      letter-spacing: 0.03em;
      color: var(--_muted);
    }
    td.duration,
    th.duration {
      text-align: right;
    }
    .type {
      display: inline-flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.375rem;
      font-weight: 600;
    }
    /* The outcome stays whole; a long direction (with the app's number) wraps on a narrow page. */
    .outcome,
    .arrow {
      white-space: nowrap;
    }
    .outcome {
      --c: var(--rk-status-unknown, #57606a);
      display: inline-flex;
      align-items: center;
      gap: 0.375em;
      padding: 0.125rem 0.5rem;
      border-radius: 999px;
      font-size: 0.8125rem;
      color: var(--c);
      background: color-mix(in srgb, var(--c) 12%, transparent);
    }
    .outcome::before {
      content: '';
      width: 0.5em;
      height: 0.5em;
      border-radius: 50%;
      background: currentColor;
    }
    .type[data-outcome='completed'] .outcome {
      --c: var(--rk-status-completed, #116329);
    }
    .type[data-outcome='missed'] .outcome {
      --c: var(--rk-status-missed, #953800);
    }
    .type[data-outcome='in-progress'] .outcome {
      --c: var(--rk-status-in-progress, #0b5cad);
      box-shadow: inset 0 0 0 1px var(--c);
    }
    .type[data-outcome='unknown'] .outcome {
      --c: var(--rk-status-unknown, #57606a);
      box-shadow: inset 0 0 0 1px var(--c);
    }
    .type[data-outcome='unknown'] .outcome::before {
      content: '?';
      width: auto;
      height: auto;
      background: none;
    }
    @media (prefers-reduced-motion: no-preference) {
      .type[data-outcome='in-progress'] .outcome::before {
        animation: rk-pulse 1s ease-in-out infinite;
      }
    }
    .answered-by {
      display: inline-block;
      margin-left: 0.375rem;
      padding: 0 0.375rem;
      border: 1px solid currentColor;
      border-radius: var(--_radius);
      font-size: 0.75rem;
      font-weight: 600;
      color: var(--_muted);
      white-space: nowrap;
    }
    .arrow {
      font-size: 1.1em;
    }
    h2 .own-number {
      display: inline-block;
      margin-left: 0.5rem;
      padding: 0.125rem 0.5rem;
      border-radius: 999px;
      font-size: 0.8125rem;
      vertical-align: middle;
      color: var(--_accent);
      box-shadow: inset 0 0 0 1px currentColor;
    }
    .voicemail {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem;
      margin-top: 0.375rem;
    }
    .voicemail audio {
      height: 2rem;
      max-width: 100%;
    }
    .opt-out {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem;
      margin: 0 0 0.75rem;
    }
    .opt-out p {
      margin: 0;
    }
    .opt-out .badge {
      margin-right: 0.25rem;
    }
    .newer {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem;
    }
    nav {
      display: flex;
      align-items: center;
      justify-content: space-between;
      gap: 0.5rem;
      margin-top: 0.75rem;
    }
    .empty {
      padding: 1.5rem 0;
      text-align: center;
    }
    /* Rows being replaced keep their full contrast; a bar above them says a page is coming. */
    table:has(tbody[aria-busy='true']) {
      box-shadow: 0 -3px 0 var(--_accent);
    }
    @container (max-width: 32rem) {
      td.when {
        grid-column: 1 / -1;
        color: var(--_muted);
        font-size: 0.875rem;
      }
      td.who {
        grid-column: 1;
        grid-row: 2;
      }
      td.duration {
        grid-column: 2;
        grid-row: 2;
      }
      td.kind {
        grid-column: 1 / -1;
        grid-row: 3;
      }
    }
  `,
  narrowTable,
];
