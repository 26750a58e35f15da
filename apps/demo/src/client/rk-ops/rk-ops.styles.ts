import { css, unsafeCSS } from 'lit';
import uplotCss from 'uplot/dist/uPlot.min.css?inline';
import { shared } from '../styles.js';

/** `<rk-ops>`'s styles: uPlot's own (the charts live in the shadow root), then the page's. */
export const styles = [
  shared,
  unsafeCSS(uplotCss),
  css`
    .grid {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(min(100%, 26rem), 1fr));
      gap: 1rem;
      align-items: start;
    }
    figure,
    figure.card + figure.card {
      margin: 0;
      min-width: 0;
    }
    figcaption {
      display: flex;
      align-items: baseline;
      justify-content: space-between;
      gap: 0.5rem;
      margin-bottom: 0.5rem;
    }
    figcaption h2 {
      margin: 0;
      font-size: 1rem;
    }
    output {
      font-variant-numeric: tabular-nums;
      color: var(--_muted);
      font-size: 0.875rem;
      text-align: right;
    }
    .plot {
      min-height: 200px;
    }
    .uplot {
      font-family: inherit;
    }
    .u-legend {
      font-size: 0.8125rem;
    }
    .meta {
      color: var(--_muted);
      font-size: 0.875rem;
      margin: 0 0 1rem;
    }
    .error {
      color: var(--_danger);
      margin: 0;
    }
    .empty {
      margin: 0 0 1rem;
      padding: 0.75rem 1rem;
      border: 1px dashed var(--_border);
      border-radius: var(--_radius);
      background: var(--_surface);
    }
    .error:empty {
      display: none;
    }
  `,
];
