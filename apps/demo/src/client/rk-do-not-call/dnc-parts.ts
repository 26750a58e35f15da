/** Pieces of `<rk-do-not-call>`: its add form, its import form and its confirmation dialog. */
import { html, nothing } from 'lit';
import type { FieldErrors } from '../api.js';
import { formatPhone } from '../format.js';
import type { SuppressionJson } from '../types.js';
import { REASON_MAX, type SuppressionField } from './do-not-call.js';

/** The ids a field's `aria-describedby` names: its hint, and its error when it has one. */
const describedBy = (id: string, error: string | undefined) =>
  error ? `${id}-hint ${id}-error` : `${id}-hint`;

/** A field's error, under it and named by its `aria-describedby`. */
const fieldError = (id: string, error: string | undefined) =>
  error ? html`<p class="error" id="${id}-error">${error}</p>` : nothing;

export interface AddFormOptions {
  errors: FieldErrors<SuppressionField>;
  busy: boolean;
  submit: (event: SubmitEvent) => void;
}

/** The form that puts a number on the list (`part="form"`): number, reason, until. */
export function addForm({ errors, busy, submit }: AddFormOptions) {
  const invalid = (name: SuppressionField) => (errors[name] ? 'true' : 'false');
  const described = (name: SuppressionField) => describedBy(`dnc-${name}`, errors[name]);
  return html`
    <form part="form" novalidate @submit=${submit}>
      <h3>Add a number</h3>
      <div class="row">
        <div>
          <label for="dnc-phone">Phone number</label>
          <input
            id="dnc-phone"
            name="phone"
            type="tel"
            inputmode="tel"
            autocomplete="off"
            aria-invalid=${invalid('phone')}
            aria-describedby=${described('phone')}
          />
          <p class="hint" id="dnc-phone-hint">With its country code, e.g. +1 415 555 2671.</p>
          ${fieldError('dnc-phone', errors.phone)}
        </div>
        <div>
          <label for="dnc-reason">Reason <span class="muted">(optional)</span></label>
          <input
            id="dnc-reason"
            name="reason"
            autocomplete="off"
            maxlength=${REASON_MAX}
            aria-invalid=${invalid('reason')}
            aria-describedby=${described('reason')}
          />
          <p class="hint" id="dnc-reason-hint">
            Up to ${REASON_MAX} characters; “do not call” when left empty.
          </p>
          ${fieldError('dnc-reason', errors.reason)}
        </div>
        <div>
          <label for="dnc-until">Until <span class="muted">(optional)</span></label>
          <input
            id="dnc-until"
            name="until"
            type="datetime-local"
            aria-invalid=${invalid('until')}
            aria-describedby=${described('until')}
          />
          <p class="hint" id="dnc-until-hint">In your time zone; no end when left empty.</p>
          ${fieldError('dnc-until', errors.until)}
        </div>
      </div>
      ${errors.form ? html`<p class="error" role="alert">${errors.form}</p>` : nothing}
      <button class="primary" type="submit" ?disabled=${busy}>
        ${busy ? 'Adding…' : 'Add to the list'}
      </button>
      <div class="sr-only" role="alert">
        ${[errors.phone, errors.reason, errors.until].filter(Boolean).join(' ')}
      </div>
    </form>
  `;
}

export interface ImportFormOptions {
  /** Why the file was refused as a whole, or `''`. */
  error: string;
  /** The last import's report. */
  report: { summary: string; lines: string[] } | null;
  busy: boolean;
  submit: (event: SubmitEvent) => void;
}

/** The CSV import (`part="import"`) and its report (`part="report"`). */
export function importForm({ error, report, busy, submit }: ImportFormOptions) {
  const refusal = error || undefined;
  return html`
    <form part="import" novalidate @submit=${submit}>
      <h3>Import a CSV file</h3>
      <div>
        <label for="dnc-file">CSV file <span class="muted">(phone[,reason[,until]])</span></label>
        <input
          id="dnc-file"
          name="file"
          type="file"
          accept=".csv,text/csv"
          aria-invalid=${refusal ? 'true' : 'false'}
          aria-describedby=${describedBy('dnc-file', refusal)}
        />
        <p class="hint" id="dnc-file-hint">
          In UTF-8, one number per line, with or without a first line naming the columns
          (<code>phone,reason,until</code>); <code>until</code> in ISO 8601.
        </p>
        ${fieldError('dnc-file', refusal)}
      </div>
      <button type="submit" ?disabled=${busy}>${busy ? 'Importing…' : 'Import'}</button>
      <div class="report" part="report" role="status">
        ${
          report
            ? html`<p>${report.summary}</p>
                ${
                  report.lines.length > 0
                    ? html`<ul aria-label="Refused lines">
                        ${report.lines.map((line) => html`<li>${line}</li>`)}
                      </ul>`
                    : nothing
                }`
            : nothing
        }
      </div>
    </form>
  `;
}

/**
 * The confirmation before `entry` is taken off the list (`part="dialog"`), a modal `<dialog>`:
 * its Remove button closes it with `returnValue` `remove`; Keep, Escape, any other close keeps.
 */
export function removeDialog(entry: SuppressionJson | null, close: (event: Event) => void) {
  return html`
    <dialog part="dialog" aria-labelledby="dnc-dialog-heading" @close=${close}>
      <form method="dialog">
        <h3 id="dnc-dialog-heading">
          Remove ${entry ? formatPhone(entry.phone_number) : 'this number'} from the list?
        </h3>
        <p>Calls due to it from now on will be placed.</p>
        <div class="buttons">
          <button class="small" value="keep" autofocus>Keep it on the list</button>
          <button class="small danger" value="remove">Remove</button>
        </div>
      </form>
    </dialog>
  `;
}
