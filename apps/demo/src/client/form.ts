/** What the pages' forms share: reading their text fields, and taking the viewer to a refusal. */
import type { LitElement } from 'lit';
import type { FieldErrors } from './api.js';

/** The text of each of `fields` in `form` (an empty string for one it lacks). */
export function formText<F extends string>(
  form: HTMLFormElement,
  fields: readonly F[],
): Record<F, string> {
  const data = new FormData(form);
  return Object.fromEntries(fields.map((f) => [f, String(data.get(f) ?? '')])) as Record<F, string>;
}

/**
 * Focuses the first of `fields` (in the form's order) that `errors` speaks of, once `host` has
 * rendered them: its element is `#${prefix}${field}`.
 */
export function focusFirstError<F extends string>(
  host: LitElement,
  errors: FieldErrors<F>,
  fields: readonly F[],
  prefix = '',
): void {
  const first = fields.find((f) => errors[f]);
  if (first === undefined) return;
  void host.updateComplete.then(() =>
    host.renderRoot.querySelector<HTMLElement>(`#${prefix}${first}`)?.focus(),
  );
}
