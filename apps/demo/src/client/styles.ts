import { css } from 'lit';

/**
 * What every element shares. Theme with CSS custom properties on the element or any ancestor:
 * `--rk-font-family`, `--rk-color-text`, `--rk-color-muted`, `--rk-color-surface`,
 * `--rk-color-subtle`, `--rk-color-border`, `--rk-color-accent`, `--rk-color-accent-text`,
 * `--rk-color-danger`, `--rk-color-focus`, `--rk-radius`, and `--rk-status-<status>` for each
 * status colour; restyle pieces with `::part(…)`.
 */
export const shared = css`
  :host {
    display: block;
    container-type: inline-size;
    font-family: var(--rk-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    color: var(--rk-color-text, #1f2328);
    line-height: 1.45;
    --_surface: var(--rk-color-surface, #ffffff);
    --_subtle: var(--rk-color-subtle, #f6f8fa);
    --_border: var(--rk-color-border, #d1d9e0);
    --_muted: var(--rk-color-muted, #59636e);
    --_accent: var(--rk-color-accent, #0b5cad);
    --_accent-text: var(--rk-color-accent-text, #ffffff);
    --_danger: var(--rk-color-danger, #a40e26);
    --_radius: var(--rk-radius, 8px);
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  h2 {
    font-size: 1.125rem;
    margin: 0 0 0.75rem;
  }
  .card {
    background: var(--_surface);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) * 1.5);
    padding: 1rem;
  }
  .card + .card {
    margin-top: 1rem;
  }
  button {
    font: inherit;
    font-weight: 600;
    min-height: 2.75rem;
    padding: 0.5rem 1rem;
    border-radius: var(--_radius);
    border: 1px solid var(--_border);
    background: var(--_surface);
    color: inherit;
    cursor: pointer;
  }
  button.small {
    min-height: 2.25rem;
    padding: 0.25rem 0.75rem;
    font-size: 0.875rem;
  }
  button.primary {
    background: var(--_accent);
    border-color: var(--_accent);
    color: var(--_accent-text);
  }
  button.danger {
    color: var(--_danger);
  }
  button:hover:not(:disabled) {
    filter: brightness(0.95);
  }
  button:disabled {
    cursor: not-allowed;
    opacity: 0.55;
  }
  :focus-visible {
    outline: 3px solid var(--rk-color-focus, #0b5cad99);
    outline-offset: 2px;
  }
  label {
    display: block;
    font-weight: 600;
    margin-bottom: 0.25rem;
  }
  input,
  select,
  textarea {
    font: inherit;
    width: 100%;
    min-height: 2.75rem;
    padding: 0.5rem 0.625rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    color: inherit;
  }
  textarea {
    resize: vertical;
  }
  input[type='checkbox'] {
    width: 1.25rem;
    height: 1.25rem;
    min-height: 0;
    padding: 0;
    margin: 0;
    flex: none;
    accent-color: var(--_accent);
  }
  /* A checkbox and its words on one line, the box first. */
  label.check {
    display: inline-flex;
    align-items: center;
    gap: 0.5rem;
    font-weight: 400;
    min-height: 2.75rem;
  }
  input[aria-invalid='true'],
  textarea[aria-invalid='true'] {
    border-color: var(--_danger);
    box-shadow: 0 0 0 1px var(--_danger);
  }
  .hint {
    color: var(--_muted);
    font-size: 0.875rem;
    font-weight: 400;
    margin: 0.25rem 0 0;
  }
  .error {
    color: var(--_danger);
    font-size: 0.875rem;
    margin: 0.25rem 0 0;
  }
  .muted {
    color: var(--_muted);
  }
  .badge {
    --c: var(--rk-status-idle, #59636e);
    display: inline-flex;
    align-items: center;
    gap: 0.375em;
    padding: 0.125rem 0.5rem;
    border-radius: 999px;
    font-size: 0.8125rem;
    font-weight: 600;
    white-space: nowrap;
    color: var(--c);
    background: color-mix(in srgb, var(--c) 12%, transparent);
  }
  .badge::before {
    content: '';
    width: 0.5em;
    height: 0.5em;
    border-radius: 50%;
    background: currentColor;
  }
  .badge[data-status='scheduled'] {
    --c: var(--rk-status-scheduled, #0550ae);
  }
  .badge[data-status='queued'],
  .badge[data-status='dialing'],
  .badge[data-status='initiated'] {
    --c: var(--rk-status-initiated, #5a32a3);
  }
  .badge[data-status='ringing'] {
    --c: var(--rk-status-ringing, #7d4e00);
  }
  .badge[data-status='answered'] {
    --c: var(--rk-status-answered, #0a5c63);
  }
  .badge[data-status='completed'] {
    --c: var(--rk-status-completed, #116329);
  }
  .badge[data-status='busy'],
  .badge[data-status='no-answer'] {
    --c: var(--rk-status-missed, #953800);
  }
  .badge[data-status='failed'] {
    --c: var(--rk-status-failed, #a40e26);
  }
  .badge[data-status='canceled'] {
    --c: var(--rk-status-canceled, #59636e);
  }
  .badge[data-status='suppressed'] {
    --c: var(--rk-status-suppressed, #6639ba);
  }
  @media (prefers-reduced-motion: no-preference) {
    .badge[data-status='ringing']::before,
    .badge[data-status='dialing']::before {
      animation: rk-pulse 1s ease-in-out infinite;
    }
  }
  @keyframes rk-pulse {
    50% {
      opacity: 0.25;
    }
  }
  .counts {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .counts li {
    display: inline-flex;
    align-items: center;
    gap: 0.375rem;
    font-variant-numeric: tabular-nums;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
    border: 0;
  }
  .phone {
    font-variant-numeric: tabular-nums;
    white-space: nowrap;
  }
  a {
    color: var(--_accent);
  }
  .notice {
    padding: 0.5rem 0.75rem;
    border-radius: var(--_radius);
    background: color-mix(in srgb, var(--_danger) 10%, transparent);
    color: var(--_danger);
    margin: 0.5rem 0;
  }
`;

/**
 * A table of the elements' lists: full width, figures in columns, a rule under each row. Listed
 * after `shared`; an element adds its own rules for its cells after it.
 */
export const table = css`
  table {
    width: 100%;
    border-collapse: collapse;
    font-variant-numeric: tabular-nums;
  }
  th,
  td {
    text-align: left;
    padding: 0.5rem 0.625rem;
    border-bottom: 1px solid var(--_border);
  }
`;

/**
 * A table that stacks its rows in a narrow container: no header, each row a grid of two columns.
 * Listed last in an element's styles, after its own table rules; the element places its cells
 * (by class) in its own `@container (max-width: 32rem)` block.
 */
export const narrowTable = css`
  @container (max-width: 32rem) {
    thead {
      display: none;
    }
    tr {
      display: grid;
      grid-template-columns: 1fr auto;
      gap: 0.125rem 0.5rem;
      padding: 0.5rem 0;
      border-bottom: 1px solid var(--_border);
    }
    td {
      border: none;
      padding: 0;
    }
  }
`;

/**
 * An add form above a list: a heading, fields in a grid (`.row`: one column; an element sets
 * how many where there is room), its button at the start, a rule under it. Listed after `shared`.
 */
export const addForm = css`
  h3 {
    font-size: 1rem;
    margin: 0 0 0.25rem;
  }
  form {
    display: grid;
    gap: 0.5rem;
    padding-bottom: 1rem;
    margin-bottom: 1rem;
    border-bottom: 1px solid var(--_border);
  }
  form button {
    justify-self: start;
  }
  .row {
    display: grid;
    grid-template-columns: 1fr;
    gap: 0.5rem;
  }
`;
