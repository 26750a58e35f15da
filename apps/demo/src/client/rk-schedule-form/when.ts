/** When a call is scheduled for, as the form checks it before sending, by the server's limits. */
import { formatDateTime, fromLocalInput } from '../format.js';

/** How far ahead a call may be, in words: `a year` (the scheduler's 366 days), `30 days`. */
export function aheadWords(aheadMs: number): string {
  const days = Math.floor(aheadMs / 86_400_000);
  return days >= 365 ? 'a year' : `${days} ${days === 1 ? 'day' : 'days'}`;
}

/**
 * Why a date and time typed in a `datetime-local` input cannot be used; `undefined` when it can.
 * `aheadMs`: how far ahead the server takes a call (its `schedule_ahead_ms`), when known.
 */
export function whenProblem(value: string, aheadMs?: number, now = Date.now()): string | undefined {
  if (value === '') return 'Choose when to call.';
  const iso = fromLocalInput(value);
  if (!iso) return 'Enter a date and a time.';
  if (Date.parse(iso) < now - 60_000) return 'Choose a time in the future.';
  if (aheadMs !== undefined && Date.parse(iso) > now + aheadMs) {
    const last = new Date(now + aheadMs).toISOString();
    return `Choose a time at most ${aheadWords(aheadMs)} ahead, until ${formatDateTime(last)}.`;
  }
  return undefined;
}
