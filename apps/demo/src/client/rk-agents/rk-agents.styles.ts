import { css } from 'lit';
import { addForm, narrowTable, shared, table } from '../styles.js';

/** `<rk-agents>`'s styles, over the shared ones. */
export const styles = [
  shared,
  table,
  addForm,
  css`
    @container (min-width: 40rem) {
      .row {
        grid-template-columns: 1fr 1fr;
      }
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
    td.who .id {
      display: block;
      font-size: 0.8125rem;
    }
    td.who,
    td.campaigns,
    td.reach {
      overflow-wrap: anywhere;
    }
    td.state .elapsed {
      display: block;
      font-size: 0.8125rem;
      font-variant-numeric: tabular-nums;
    }
    td.actions .buttons {
      display: flex;
      flex-wrap: wrap;
      justify-content: end;
      gap: 0.375rem;
    }
    /* A cell's name, said by its column's heading where the table has one. */
    .cell-label {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip-path: inset(50%);
      white-space: nowrap;
    }
    .badge[data-state='available'] {
      --c: var(--rk-agent-available, #116329);
    }
    .badge[data-state='ringing'] {
      --c: var(--rk-agent-ringing, #7d4e00);
    }
    .badge[data-state='talking'] {
      --c: var(--rk-agent-talking, #0a5c63);
    }
    .badge[data-state='wrap-up'] {
      --c: var(--rk-agent-wrap-up, #5a32a3);
    }
    .badge[data-state='away'] {
      --c: var(--rk-agent-away, #59636e);
    }
    nav {
      display: flex;
      align-items: center;
      justify-content: space-between;
      gap: 0.5rem;
      margin-top: 0.75rem;
    }
    @container (max-width: 32rem) {
      td.actions {
        grid-column: 1 / span 2;
      }
      td.actions .buttons {
        justify-content: start;
      }
      .cell-label {
        position: static;
        width: auto;
        height: auto;
        clip-path: none;
        color: var(--_muted);
        font-size: 0.8125rem;
      }
      td.state,
      td.occupancy {
        grid-column: 2;
        text-align: right;
      }
      td.state {
        grid-row: 1;
      }
      td.occupancy {
        grid-row: 2;
      }
      td.who,
      td.reach,
      td.campaigns {
        grid-column: 1;
      }
    }
  `,
  narrowTable,
];
