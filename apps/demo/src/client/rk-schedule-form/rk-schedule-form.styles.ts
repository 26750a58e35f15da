import { css } from 'lit';
import { shared } from '../styles.js';

/** `<rk-schedule-form>`'s styles, over the shared ones. */
export const styles = [
  shared,
  css`
    form.schedule {
      display: grid;
      gap: 0.875rem;
      grid-template-columns: 1fr;
    }
    @container (min-width: 44rem) {
      form.schedule {
        grid-template-columns: 1.2fr 1.2fr 1fr auto;
        align-items: start;
      }
      form.schedule button[type='submit'] {
        margin-top: 1.75rem;
      }
      /* The call options take a second row, the button at its end. */
      form.with-options .message {
        grid-column: 1 / 3;
      }
      form.with-options .detect {
        grid-column: 3;
      }
    }
    .form-error {
      grid-column: 1 / -1;
    }
    .confirmation {
      grid-column: 1 / -1;
      margin: 0;
      color: var(--rk-status-completed, #116329);
      font-weight: 600;
    }
    .confirmation:empty {
      display: none;
    }
  `,
];
