/**
 * The do-not-call section's reading of what it sends and of what the server answers: which field
 * each refusal is about, the checks made before sending, an import's report, and the reason a
 * suppressed call shows.
 */
import type { ApiIssue, FieldErrors } from '../api.js';
import { formatCount, fromLocalInput, localTimes } from '../format.js';
import type { ScheduledCallJson, SuppressionImportJson } from '../types.js';

/** The add form's fields a refusal is shown under. */
export type SuppressionField = 'phone' | 'reason' | 'until';

/** The field of the add form an issue of `POST /api/suppressions` is about; `undefined` for none. */
export function suppressionField(issue: ApiIssue): SuppressionField | undefined {
  const [first] = issue.path;
  if (first === 'phone_number' || first === 'phone') return 'phone';
  if (first === 'reason') return 'reason';
  if (first === 'until') return 'until';
  return undefined;
}

/** What the form leads each field's issue with, so the server's words read as a sentence. */
export const SUPPRESSION_LEADS: Partial<Record<SuppressionField, string>> = {
  phone: 'This number is ',
  reason: 'The reason ',
  until: 'The end ',
};

/** The reason an opt-out from a number's history gives. */
export const OPT_OUT_REASON = 'opted out';

/** The longest reason the list takes (the package's rule). */
export const REASON_MAX = 200;

/** What the add form would send, as typed. */
export interface SuppressionFormInput {
  phone: string;
  reason: string;
  /** A `datetime-local` value (the viewer's time), or `''` for no end. */
  until: string;
}

/** The body of `POST /api/suppressions` for what was typed: the reason and end only when given. */
export function suppressionBody(input: SuppressionFormInput): {
  phone_number: string;
  reason?: string;
  until?: string;
} {
  const reason = input.reason.trim();
  const until = input.until === '' ? null : fromLocalInput(input.until);
  return {
    phone_number: input.phone.trim(),
    ...(reason === '' ? {} : { reason }),
    ...(until === null ? {} : { until }),
  };
}

/** The refusals the form can see before it sends; the server checks the rest (the number). */
export function checkSuppressionForm(
  input: SuppressionFormInput,
  now = Date.now(),
): FieldErrors<SuppressionField> {
  const errors: FieldErrors<SuppressionField> = {};
  if (input.phone.trim() === '') errors.phone = 'Enter the number, with its country code.';
  if (input.reason.trim().length > REASON_MAX) {
    errors.reason = `The reason must be at most ${REASON_MAX} characters.`;
  }
  if (input.until !== '') {
    const iso = fromLocalInput(input.until);
    if (iso === null) errors.until = 'Enter a date and a time, or leave it empty.';
    else if (Date.parse(iso) <= now)
      errors.until = 'Choose a time in the future, or leave it empty.';
  }
  return errors;
}

/** An import's report: what was added, and the refused lines (the server lists the first 100). */
export function importReport(result: SuppressionImportJson): { summary: string; lines: string[] } {
  const added = `${formatCount(result.imported)} ${result.imported === 1 ? 'number' : 'numbers'} added`;
  const refused =
    result.refused === 0
      ? ''
      : `; ${formatCount(result.refused)} ${result.refused === 1 ? 'line' : 'lines'} refused`;
  const more = result.refused - result.errors.length;
  const lines = result.errors.map((e) => `Line ${e.line}: ${localTimes(e.message)}`);
  if (more > 0) lines.push(`and ${formatCount(more)} more`);
  return { summary: `${added}${refused}.`, lines };
}

/**
 * The do-not-call entry's reason a suppressed call ended with (its last timeline step's `note`);
 * `null` for a call that is not suppressed or a server that does not say.
 */
export function suppressedNote(
  call: Pick<ScheduledCallJson, 'status' | 'timeline'>,
): string | null {
  if (call.status !== 'suppressed') return null;
  const last = call.timeline.at(-1) as { status: string; note?: unknown } | undefined;
  return last?.status === 'suppressed' && typeof last.note === 'string' && last.note.trim() !== ''
    ? last.note
    : null;
}
