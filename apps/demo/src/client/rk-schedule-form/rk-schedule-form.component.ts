import { LitElement, html, nothing, type PropertyDeclarations, type PropertyValues } from 'lit';
import { apiBase, fieldErrors, onApiTokenChange, request, type ApiIssue } from '../api.js';
import { apiLimits, callOptions } from '../capabilities.js';
import { emit, errorDetail } from '../events.js';
import {
  cronFor,
  formatPhone,
  fromLocalInput,
  looksLikePhone,
  phonePreview,
  toLocalInput,
  viewerTimeZone,
  type Repeat,
} from '../format.js';
import type { ScheduledCallJson } from '../types.js';
import { aheadWords, whenProblem } from './when.js';
import { styles } from './rk-schedule-form.styles.js';

const isToday = (date: Date) => date.toDateString() === new Date().toDateString();

type FieldErrors = {
  phone?: string;
  when?: string;
  message?: string;
  detect?: string;
  form?: string;
};

/** The longest message a call may say (the API's limit). */
const MESSAGE_MAX = 4000;

/** The field of the form an issue of `POST /api/scheduled-calls` is about. */
const FIELDS: Readonly<Record<string, keyof FieldErrors>> = {
  phone_number: 'phone',
  scheduled_time: 'when',
  message: 'message',
  machine_detection: 'detect',
};

/** What the form leads each field's issue with. */
const LEADS = {
  phone: 'This number cannot be called: ',
  when: 'This time cannot be used: ',
  message: 'This message cannot be said: ',
  detect: 'Voicemail detection cannot be used: ',
};

/** Why a typed phone number cannot be sent; `undefined` when it can. */
function phoneProblem(value: string): string | undefined {
  if (value.trim() === '') return 'Enter the number to call.';
  if (!looksLikePhone(value)) {
    return 'Enter a phone number with its country code, e.g. +1 301 804 0009.';
  }
  return undefined;
}

/** The ids a field's `aria-describedby` names: its hint, and its error when it has one. */
const describedBy = (id: string, error: string | undefined) =>
  error ? `${id}-hint ${id}-error` : `${id}-hint`;

/**
 * `<rk-schedule-form api="http://host:4000">`: schedules a call at a date and time of the viewer's
 * time zone, optionally repeating. Fields are checked as the viewer leaves them and on submit;
 * the API's own refusals are shown on the field they are about. The *Message* and *Detect
 * voicemail* fields are shown only when the API's provider honours them (`GET /api/capabilities`).
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
    options: { state: true },
    aheadMs: { state: true },
    confirmation: { state: true },
    preview: { state: true },
  };

  static override styles = styles;

  /** The API's base URL; same origin when left out. */
  declare api: string | undefined;
  declare protected errors: FieldErrors;
  declare protected submitting: boolean;
  /** What was last scheduled, in words, until the form is used again. */
  declare protected confirmation: string;
  /** The number the server will call, as typed so far (see `phonePreview`); empty when none. */
  declare protected preview: string;
  /** The call options the API's provider honours: `message`, `machine_detection`. */
  declare protected options: readonly string[];
  /** How far ahead the server takes a call; `undefined` until known (or from an older server). */
  declare protected aheadMs: number | undefined;

  constructor() {
    super();
    this.api = undefined;
    this.errors = {};
    this.submitting = false;
    this.options = [];
    this.aheadMs = undefined;
    this.confirmation = '';
    this.preview = '';
  }

  private offToken: (() => void) | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    // A server with API_TOKEN says what it honours only once the page has its token.
    this.offToken = onApiTokenChange(() => this.askOptions());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.offToken?.();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('api') || !this.hasUpdated) this.askOptions();
  }

  private askOptions() {
    const base = apiBase(this.api);
    void Promise.all([callOptions(base), apiLimits(base)]).then(([options, limits]) => {
      if (apiBase(this.api) !== base) return;
      this.options = options;
      this.aheadMs = limits?.schedule_ahead_ms;
    });
  }

  protected override firstUpdated(): void {
    // Set once: a binding would reset what the viewer typed on every render.
    this.input('when').value = toLocalInput(new Date(Date.now() + 120_000));
  }

  private input(id: string) {
    return this.renderRoot.querySelector<HTMLInputElement | HTMLSelectElement>(`#${id}`)!;
  }

  /** A field that may not be shown: the call options are only there when honoured. */
  private field(id: string) {
    return this.renderRoot.querySelector<
      HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement
    >(`#${id}`);
  }

  private onPhoneBlur() {
    const value = this.input('phone').value;
    if (value !== '') this.errors = { ...this.errors, phone: phoneProblem(value) };
  }

  private onPhoneInput() {
    // The next call is under way: the last one's confirmation goes.
    this.confirmation = '';
    const value = this.input('phone').value;
    const shown = phonePreview(value);
    // A number typed without its country code is called as North American: said before saving.
    this.preview = !shown
      ? ''
      : value.trim().startsWith('+')
        ? `Will call ${shown}`
        : `Will call ${shown} (read as a US or Canadian number: type + and the country code for another country)`;
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
    const errors: FieldErrors = {
      phone: phoneProblem(phone),
      when: whenProblem(when, this.aheadMs),
    };
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
    const message = this.field('message')?.value.trim();
    if (message) body['message'] = message;
    const detect = this.field('detect')?.value;
    if (detect && detect !== 'off') body['machine_detection'] = detect;
    this.submitting = true;
    this.confirmation = '';
    try {
      const call = await request<ScheduledCallJson>(apiBase(this.api), '/api/scheduled-calls', {
        method: 'POST',
        body,
      });
      this.input('phone').value = '';
      this.preview = '';
      this.input('when').value = toLocalInput(new Date(Date.now() + 120_000));
      (this.input('repeat') as HTMLSelectElement).value = '';
      const [messageField, detectField] = [this.field('message'), this.field('detect')];
      if (messageField) messageField.value = '';
      if (detectField) detectField.value = 'off';
      const due = new Date(call.scheduled_time ?? at);
      this.confirmation =
        `Scheduled: a call to ${formatPhone(call.phone_number)} ` +
        `${isToday(due) ? 'today' : `on ${due.toLocaleDateString()}`} at ${due.toLocaleTimeString()}` +
        `${call.recurrence ? ', repeating' : ''}.`;
      emit(this, 'rk-call-scheduled', { call });
    } catch (error) {
      this.errors = this.fieldErrors(error);
      emit(this, 'rk-error', errorDetail(error));
      const first = (['phone', 'when', 'message', 'detect'] as const).find((f) => this.errors[f]);
      if (first) this.field(first)?.focus();
    } finally {
      this.submitting = false;
    }
  }

  /** The API's refusals on the fields they are about (a call option's only while it is shown). */
  private fieldErrors(error: unknown): FieldErrors {
    const fieldOf = (issue: ApiIssue) => {
      const field = FIELDS[String(issue.path[0] ?? '')];
      if (field === 'message' || field === 'detect') return this.field(field) ? field : undefined;
      return field;
    };
    return fieldErrors(error, fieldOf, LEADS);
  }

  /** The *Message* and *Detect voicemail* fields, each only where the provider honours it. */
  private renderCallOptions() {
    const { errors, options } = this;
    const message = options.includes('message');
    const detect = options.includes('machine_detection');
    if (!message && !detect) return nothing;
    return html`
      ${
        message
          ? html`<div class="message">
              <label for="message">Message</label>
              <textarea
                id="message"
                name="message"
                rows="2"
                maxlength=${MESSAGE_MAX}
                aria-invalid=${errors.message ? 'true' : 'false'}
                aria-describedby=${describedBy('message', errors.message)}
              ></textarea>
              <p id="message-hint" class="hint">Said when the call is answered (optional)</p>
              ${errors.message ? html`<p id="message-error" class="error">${errors.message}</p>` : nothing}
            </div>`
          : nothing
      }
      ${
        detect
          ? html`<div class="detect">
              <label for="detect">Detect voicemail</label>
              <select
                id="detect"
                name="detect"
                aria-invalid=${errors.detect ? 'true' : 'false'}
                aria-describedby=${describedBy('detect', errors.detect)}
              >
                <option value="off">No</option>
                <option value="detect">Yes</option>
                <option value="detect-beep">Yes, and wait for the beep</option>
              </select>
              <p id="detect-hint" class="hint">Calls a machine answers are marked in the history</p>
              ${errors.detect ? html`<p id="detect-error" class="error">${errors.detect}</p>` : nothing}
            </div>`
          : nothing
      }
    `;
  }

  override render() {
    const { errors } = this;
    const withOptions =
      this.options.includes('message') || this.options.includes('machine_detection');
    return html`
      <section class="card" aria-labelledby="schedule-heading">
        <h2 id="schedule-heading">Schedule a call</h2>
        <form
          class="schedule ${withOptions ? 'with-options' : ''}"
          part="form"
          novalidate
          @submit=${this.submit}
        >
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
              aria-describedby="${describedBy('phone', errors.phone)} phone-preview"
              @blur=${this.onPhoneBlur}
              @input=${this.onPhoneInput}
            />
            <p id="phone-hint" class="hint">With its country code, e.g. +1 301 804 0009</p>
            <p id="phone-preview" class="hint" data-testid="phone-preview" aria-live="polite">
              ${this.preview}
            </p>
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
            <p id="when-hint" class="hint">
              Your time zone:
              ${viewerTimeZone()}${
                this.aheadMs === undefined ? '' : `; at most ${aheadWords(this.aheadMs)} ahead`
              }
            </p>
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
          ${this.renderCallOptions()}
          <button type="submit" class="primary" part="button submit" ?disabled=${this.submitting}>
            ${this.submitting ? 'Scheduling…' : 'Schedule call'}
          </button>
          ${errors.form ? html`<p class="error form-error" role="alert">${errors.form}</p>` : nothing}
          <p class="confirmation" role="status" part="confirmation">${this.confirmation}</p>
        </form>
      </section>
    `;
  }
}
