/**
 * The order of `<rk-scheduler>`'s list: the calls not ended yet first (in progress, then
 * scheduled), the soonest due first; then the ended ones, the one that ended last first. An
 * upcoming call is never shown between finished ones, whatever order they were made in.
 */
import { TERMINAL } from '../status.js';

/** What the order reads of a call (`ScheduledCallJson` has it). */
interface Orderable {
  id: string;
  status: string;
  scheduled_time: string | null;
  created_at: string | null;
  updated_at: string | null;
  timeline: readonly { at: string | null }[];
}

const time = (iso: string | null | undefined) => {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(ms) ? null : ms;
};

/** When a call ended: its last step, else its last change. */
const endedAt = (call: Orderable) =>
  time(call.timeline.at(-1)?.at) ?? time(call.updated_at) ?? time(call.created_at);

/** `a` before `b` when `a` is earlier (`null`, unknown, last); ties broken by id. */
function ascending(a: number | null, b: number | null) {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a - b;
}

/** `calls` in the list's order (a new array). */
export function orderCalls<T extends Orderable>(calls: Iterable<T>): T[] {
  const rank = (call: T) => (TERMINAL.has(call.status) ? 1 : 0);
  return [...calls].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (rank(a) === 0
        ? ascending(time(a.scheduled_time), time(b.scheduled_time))
        : ascending(endedAt(b), endedAt(a))) ||
      a.id.localeCompare(b.id),
  );
}
