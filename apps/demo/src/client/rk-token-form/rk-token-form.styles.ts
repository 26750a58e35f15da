import { css } from 'lit';
import { shared } from '../styles.js';

/** `<rk-token-form>`'s styles, over the shared ones. */
export const styles = [
  shared,
  css`
    :host {
      margin: 0 0 1.25rem;
    }
    .card {
      border-color: var(--_accent);
      box-shadow: 0 0 0 1px var(--_accent);
    }
    .hint {
      font-size: 1rem;
      margin: 0 0 0.75rem;
      max-width: 40rem;
    }
    form {
      display: flex;
      flex-wrap: wrap;
      align-items: end;
      gap: 0.75rem;
    }
    form > div {
      flex: 1 1 14rem;
      max-width: 24rem;
    }
  `,
];
