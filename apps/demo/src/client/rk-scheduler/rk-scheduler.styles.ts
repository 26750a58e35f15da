import { css } from 'lit';
import { shared } from '../styles.js';

/** `<rk-scheduler>`'s styles, over the shared ones. */
export const styles = [
  shared,
  css`
    /* The form's card and the list's, apart, as the dialer's page has them. */
    rk-schedule-form {
      display: block;
      margin-bottom: 1rem;
    }
    .toolbar {
      display: flex;
      flex-wrap: wrap;
      align-items: end;
      gap: 0.75rem;
      margin: 0.75rem 0;
    }
    .toolbar > div {
      flex: 1 1 10rem;
    }
    .counts button {
      min-height: 2.25rem;
      padding: 0.125rem 0.5rem 0.125rem 0.25rem;
      font-weight: 400;
      display: inline-flex;
      align-items: center;
      gap: 0.375rem;
      border-radius: 999px;
    }
    .counts button[aria-pressed='true'] {
      border-color: var(--_accent);
      box-shadow: 0 0 0 1px var(--_accent);
    }
    ul.calls {
      list-style: none;
      margin: 0;
      padding: 0;
      display: grid;
      gap: 0.5rem;
    }
    li.call {
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      padding: 0.75rem;
      background: var(--_surface);
    }
    .row {
      display: grid;
      grid-template-columns: 1fr auto;
      align-items: center;
      gap: 0.25rem 0.75rem;
    }
    .who {
      font-weight: 600;
      grid-area: 1 / 1;
    }
    .row > .badge {
      grid-area: 1 / 2;
      justify-self: end;
    }
    .meta {
      grid-area: 2 / 1 / 3 / -1;
      margin: 0;
      font-size: 0.875rem;
    }
    .actions {
      grid-area: 3 / 1 / 4 / -1;
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem;
      margin-top: 0.25rem;
    }
    @container (min-width: 44rem) {
      /* The actions' column keeps its width on rows without any, so every badge lines up. */
      .row {
        grid-template-columns: 11rem 1fr auto minmax(15rem, auto);
      }
      .meta {
        grid-area: 1 / 2;
      }
      .row > .badge {
        grid-area: 1 / 3;
      }
      .actions {
        grid-area: 1 / 4;
        justify-content: flex-end;
        margin-top: 0;
      }
    }
    .purpose {
      margin: 0.375rem 0 0;
      font-size: 0.875rem;
      overflow-wrap: anywhere;
    }
    form.edit {
      display: flex;
      flex-wrap: wrap;
      align-items: end;
      gap: 0.5rem;
      margin-top: 0.75rem;
    }
    form.edit > div {
      flex: 1 1 14rem;
    }
    .empty {
      padding: 1rem 0;
      text-align: center;
    }
  `,
];
