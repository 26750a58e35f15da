/**
 * The outcomes the call log names (its filter on the page and the API, and each call's word in
 * it), and the statuses each stands for: one table for the server and the pages.
 */
export const LOG_OUTCOMES = {
  completed: ['completed'],
  missed: ['busy', 'no-answer', 'failed'],
  canceled: ['canceled'],
  'in-progress': ['queued', 'initiated', 'ringing', 'answered'],
} as const;

export type LogOutcome = keyof typeof LOG_OUTCOMES;

/** The log's outcome of a status (`in-progress` for any status not ended). */
export function logOutcome(status: string): LogOutcome {
  for (const [outcome, statuses] of Object.entries(LOG_OUTCOMES)) {
    if ((statuses as readonly string[]).includes(status)) return outcome as LogOutcome;
  }
  return 'in-progress';
}
