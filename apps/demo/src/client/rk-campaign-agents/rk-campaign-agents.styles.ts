import { css } from 'lit';
import { shared } from '../styles.js';

/** `<rk-campaign-agents>`'s styles, over the shared ones. */
export const styles = [
  shared,
  css`
    :host {
      display: block;
      margin: 0 0 0.75rem;
      --_rate: var(--rk-campaign-rate, #a40e26);
      --_occupancy: var(--rk-campaign-occupancy, #0b5cad);
    }
    section {
      display: grid;
      gap: 0.5rem;
      padding: 0.5rem 0.75rem;
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
    }
    h4 {
      margin: 0;
      font-size: 0.875rem;
    }
    dl {
      display: flex;
      flex-wrap: wrap;
      gap: 0.25rem 1rem;
      margin: 0;
    }
    dl div {
      display: flex;
      gap: 0.375rem;
      align-items: baseline;
    }
    dt {
      color: var(--_muted);
      font-size: 0.875rem;
    }
    dd {
      margin: 0;
      font-weight: 600;
      font-variant-numeric: tabular-nums;
    }
    dd .muted {
      font-weight: 400;
    }
    dd.over {
      color: var(--_danger);
    }
    .key {
      display: inline-block;
      width: 0.75rem;
      height: 0.1875rem;
      vertical-align: middle;
      margin-right: 0.25rem;
    }
    .key.rate {
      background: var(--_rate);
    }
    .key.occupancy {
      background: var(--_occupancy);
    }
    figure {
      margin: 0;
    }
    svg {
      display: block;
      width: 100%;
      max-width: 30rem;
      height: 3.5rem;
      overflow: visible;
    }
    svg .frame {
      fill: none;
      stroke: var(--_border);
    }
    svg .cap {
      stroke: var(--_rate);
      stroke-dasharray: 3 3;
      opacity: 0.6;
    }
    svg .rate,
    svg .occupancy {
      fill: none;
      stroke-width: 2;
      vector-effect: non-scaling-stroke;
    }
    svg .rate {
      stroke: var(--_rate);
    }
    svg .occupancy {
      stroke: var(--_occupancy);
    }
    figcaption {
      color: var(--_muted);
      font-size: 0.875rem;
    }
    .error {
      margin: 0;
    }
  `,
];
