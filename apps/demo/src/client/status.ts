import { CALL_STATUSES, TERMINAL_STATUSES } from '@ringkit/call-client/status';
import { html } from 'lit';
import { outcomeWord } from './history-type.js';

/**
 * Every status an element may show, in lifecycle order: the call statuses of
 * `@ringkit/call-client`, with the scheduler's `scheduled` and the dialer's `idle` and `dialing`.
 */
export const STATUS_ORDER = [
  'idle',
  'scheduled',
  'queued',
  'dialing',
  ...CALL_STATUSES.filter((status) => status !== 'queued'),
] as const;

export const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_STATUSES);

/** A status in words: an outcome's one word (`OUTCOME_WORDS`) in lower case, else as it is. */
export function statusLabel(status: string): string {
  return outcomeWord(status)?.toLowerCase() ?? status;
}

/** A status pill; style it with `::part(status)` or `::part(status-completed)`. */
export function badge(status: string) {
  return html`<span class="badge" part="status status-${status}" data-status=${status}
    >${statusLabel(status)}</span
  >`;
}

/** Counts by status, in lifecycle order, zeros left out. */
export function countByStatus(statuses: Iterable<string>): [string, number][] {
  const counts = new Map<string, number>();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts.entries()].sort(
    ([a], [b]) =>
      STATUS_ORDER.indexOf(a as (typeof STATUS_ORDER)[number]) -
      STATUS_ORDER.indexOf(b as (typeof STATUS_ORDER)[number]),
  );
}
