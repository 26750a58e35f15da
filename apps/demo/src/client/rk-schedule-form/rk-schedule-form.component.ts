import { LitElement, html, nothing, type PropertyDeclarations } from 'lit';
import { ApiRequestError, apiBase, request } from '../api.js';
import { emit, errorDetail } from '../events.js';
import {
  cronFor,
  fromLocalInput,
  looksLikePhone,
  toLocalInput,
  viewerTimeZone,
  type Repeat,
} from '../format.js';
import type { ScheduledCallJson } from '../types.js';
import { styles } from './rk-schedule-form.styles.js';

type FieldErrors = { phone?: string; when?: string; form?: string };

/** Why a date and time typed in a `datetime-local` input cannot be used; `undefined` when it can. */
export function whenProblem(value: string): string | undefined {
  if (value === '') return 'Choose when to call.';
  const iso = fromLocalInput(value);
  if (!iso) return 'Enter a date and a time.';
  if (Date.parse(iso) < Date.now() - 60_000) return 'Choose a time in the future.';
  return undefined;
}

/** Why a typed phone number cannot be sent; `undefined` when it can. */
function phoneProblem(value: string): string | undefined {
  if (value.trim() === '') return 'Enter the number to call.';
  if (!looksLikePhone(value)) {
    return 'Enter a phone number with its country code, e.g. +1 301 804 0009.';
  }
  return undefined;
}

/**
 * `<rk-schedule-form api="http://host:4000">`: schedules a call at a date and time of the viewer's
 * time zone, optionally repeating. Fields are checked as the viewer leaves them and on submit;
 * the API's own refusals are shown on the field they are about.
 *
 * @fires rk-call-scheduled - the call was stored; `detail: { call }`
 * @fires rk-error - the request failed; `detail: { message, code, status }`
 * @csspart form - the form; `button submit` its button
 * @cssproperty --rk-color-accent - and the other `--rk-*` properties of the shared styles
 */
export class RkScheduleFormElement extends LitElement {
  static override properties: PropertyDeclarations = {
    api: { type: String },
    errors: { state: true },
    submitting: { state: true },
  };

  static override styles = styles;

  /** The API's base URL; same origin when left out. */
  declare api: string | undefined;
  declare protected errors: FieldErrors;
  declare protected submitting: boolean;

  constructor() {
    super();
    this.api = undefined;
    this.errors = {};
    this.submitting = false;
  }

  protected override firstUpdated(): void {
    // Set once: a binding would reset what the viewer typed on every render.
    this.input('when').value = toLocalInput(new Date(Date.now() + 120_000));
  }

  private input(id: string) {
    return this.renderRoot.querySelector<HTMLInputElement | HTMLSelectElement>(`#${id}`)!;
  }

  private onPhoneBlur() {
    const value = this.input('phone').value;
    if (value !== '') this.errors = { ...this.errors, phone: phoneProblem(value) };
  }

  private onPhoneInput() {
    // Clear an error as soon as the number becomes plausible, never add one while typing.
    if (this.errors.phone && !phoneProblem(this.input('phone').value)) {
      this.errors = { ...this.errors, phone: undefined };
    }
  }

  private async submit(event: SubmitEvent) {
    event.preventDefault();
    const phone = this.input('phone').value;
    const when = this.input('when').value;
    const repeat = this.input('repeat').value as Repeat;
    const errors: FieldErrors = { phone: phoneProblem(phone), when: whenProblem(when) };
    this.errors = errors;
    if (errors.phone || errors.when) {
      this.input(errors.phone ? 'phone' : 'when').focus();
      return;
    }
    const at = fromLocalInput(when)!;
    const body: Record<string, unknown> = { phone_number: phone, scheduled_time: at };
    if (repeat) {
      body['recurrence'] = { cron: cronFor(repeat, new Date(at)), timezone: viewerTimeZone() };
    }
    this.submitting = true;
    try {
      const call = await request<ScheduledCallJson>(apiBase(this.api), '/api/scheduled-calls', {
        method: 'POST',
        body,
      });
      this.input('phone').value = '';
      this.input('when').value = toLocalInput(new Date(Date.now() + 120_000));
      (this.input('repeat') as HTMLSelectElement).value = '';
      emit(this, 'rk-call-scheduled', { call });
    } catch (error) {
      this.errors = this.fieldErrors(error);
      emit(this, 'rk-error', errorDetail(error));
      if (this.errors.phone) this.input('phone').focus();
      else if (this.errors.when) this.input('when').focus();
    } finally {
      this.submitting = false;
    }
  }

  /** The API's 400 issues on the fields they are about. */
  private fieldErrors(error: unknown): FieldErrors {
    if (!(error instanceof ApiRequestError) || error.issues.length === 0) {
      return { form: (error as Error).message };
    }
    const errors: FieldErrors = {};
    for (const issue of error.issues) {
      const field = String(issue.path[0] ?? '');
      if (field === 'phone_number')
        errors.phone ??= `This number cannot be called: ${issue.message}.`;
      else if (field === 'scheduled_time')
        errors.when ??= `This time cannot be used: ${issue.message}.`;
      else errors.form ??= issue.message;
    }
    return errors;
  }

  override render() {
    const { errors } = this;
    const describedBy = (id: string, error: string | undefined) =>
      error ? `${id}-hint ${id}-error` : `${id}-hint`;
    return html`
      <section class="card" aria-labelledby="schedule-heading">
        <h2 id="schedule-heading">Schedule a call</h2>
        <form class="schedule" part="form" novalidate @submit=${this.submit}>
          <div>
            <label for="phone">Phone number</label>
            <input
              id="phone"
              name="phone"
              type="tel"
              inputmode="tel"
              autocomplete="tel"
              required
              aria-invalid=${errors.phone ? 'true' : 'false'}
              aria-describedby=${describedBy('phone', errors.phone)}
              @blur=${this.onPhoneBlur}
              @input=${this.onPhoneInput}
            />
            <p id="phone-hint" class="hint">With its country code, e.g. +1 301 804 0009</p>
            ${errors.phone ? html`<p id="phone-error" class="error">${errors.phone}</p>` : nothing}
          </div>
          <div>
            <label for="when">Date and time</label>
            <input
              id="when"
              name="when"
              type="datetime-local"
              step="1"
              required
              aria-invalid=${errors.when ? 'true' : 'false'}
              aria-describedby=${describedBy('when', errors.when)}
            />
            <p id="when-hint" class="hint">Your time zone: ${viewerTimeZone()}</p>
            ${errors.when ? html`<p id="when-error" class="error">${errors.when}</p>` : nothing}
          </div>
          <div>
            <label for="repeat">Repeat</label>
            <select id="repeat" name="repeat">
              <option value="">Does not repeat</option>
              <option value="daily">Every day at this time</option>
              <option value="weekdays">Every weekday at this time</option>
              <option value="weekly">Every week on this day</option>
            </select>
          </div>
          <button type="submit" class="primary" part="button submit" ?disabled=${this.submitting}>
            ${this.submitting ? 'Scheduling…' : 'Schedule call'}
          </button>
          ${errors.form ? html`<p class="error form-error" role="alert">${errors.form}</p>` : nothing}
        </form>
      </section>
    `;
  }
}
