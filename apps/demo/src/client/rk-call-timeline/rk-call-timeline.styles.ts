import { css } from 'lit';
import { shared } from '../styles.js';

/** `<rk-call-timeline>`'s styles, over the shared ones. */
export const styles = [
  shared,
  css`
    details {
      margin-top: 0.5rem;
      font-size: 0.875rem;
    }
    summary {
      cursor: pointer;
      color: var(--_muted);
      min-height: 1.75rem;
    }
    ol.timeline {
      list-style: none;
      margin: 0.5rem 0 0;
      padding: 0 0 0 0.75rem;
      border-left: 2px solid var(--_border);
      display: grid;
      gap: 0.375rem;
    }
    ol.timeline li {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem;
    }
    :host {
      display: block;
    }
  `,
];
