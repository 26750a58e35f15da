import { css } from 'lit';
import { addForm, narrowTable, shared, table } from '../styles.js';

/** `<rk-do-not-call>`'s styles, over the shared ones. */
export const styles = [
  shared,
  table,
  addForm,
  css`
    @container (min-width: 40rem) {
      .row {
        grid-template-columns: 1fr 1fr 1fr;
      }
    }
    .report ul {
      margin: 0.25rem 0 0;
      padding-left: 1.25rem;
      max-height: 12rem;
      overflow: auto;
    }
    th,
    td {
      vertical-align: top;
    }
    th {
      font-size: 0.8125rem;
      text-transform: uppercase;
      letter-spacing: 0.03em;
      color: var(--_muted);
    }
    td.reason {
      overflow-wrap: anywhere;
    }
    td.actions {
      text-align: right;
    }
    nav {
      display: flex;
      align-items: center;
      justify-content: space-between;
      gap: 0.5rem;
      margin-top: 0.75rem;
    }
    dialog {
      max-width: min(28rem, calc(100vw - 2rem));
      border: 1px solid var(--_border);
      border-radius: calc(var(--_radius) * 1.5);
      padding: 1rem;
      color: inherit;
      background: var(--_surface);
    }
    dialog::backdrop {
      background: rgb(0 0 0 / 0.4);
    }
    dialog p {
      margin: 0 0 1rem;
    }
    dialog .buttons {
      display: flex;
      flex-wrap: wrap;
      justify-content: end;
      gap: 0.5rem;
    }
    @container (max-width: 32rem) {
      td.actions {
        grid-column: 2;
        grid-row: 1 / span 2;
      }
      td.reason,
      td.since,
      td.until {
        grid-column: 1;
      }
    }
  `,
  narrowTable,
];
