import { LitElement, css, html, nothing, type PropertyDeclarations } from 'lit';
import { ApiRequestError, apiBase, request } from './api.js';
import { define, emit } from './define.js';
import {
  cronFor,
  describeCron,
  formatDateTime,
  formatPhone,
  fromLocalInput,
  looksLikePhone,
  phoneKey,
  toLocalInput,
  viewerTimeZone,
  type Repeat,
} from './format.js';
import { onStreamOpen, subscribe } from './live.js';
import { badge, countByStatus, statusLabel, STATUS_ORDER } from './status.js';
import { shared } from './styles.js';
import type { Page, ScheduledCallJson } from './types.js';

type FieldErrors = { phone?: string; when?: string; form?: string };

const SCHEDULER_STATUSES = STATUS_ORDER.filter((s) => s !== 'idle' && s !== 'dialing');
/** Only a call not yet placed can be canceled or rescheduled. */
const changeable = (call: ScheduledCallJson) => call.status === 'scheduled';

/**
 * `<rk-scheduler api="http://host:4000">`: a form to schedule a call (in the viewer's time zone,
 * optionally repeating) and the list of scheduled calls with live statuses, counts by status,
 * filters, cancel, reschedule and each call's timeline.
 *
 * @fires rk-call-scheduled - `detail: { call }`
 * @fires rk-call-rescheduled - `detail: { call }`
 * @fires rk-call-canceled - `detail: { call }`
 * @fires rk-status-change - a call's status moved; `detail: { call, status, previous }`
 * @fires rk-error - a request failed; `detail: { message, code, status }`
 * @csspart form - the form; `submit` its button
 * @csspart list - the list of calls; `item` each call; `timeline` each timeline
 * @csspart counts - the counts by status; `filters` the filters
 */
export class RkSchedulerElement extends LitElement {
  static override properties: PropertyDeclarations = {
    api: { type: String },
    calls: { state: true },
    loaded: { state: true },
    errors: { state: true },
    submitting: { state: true },
    filterStatus: { state: true },
    filterPhone: { state: true },
    editing: { state: true },
    editError: { state: true },
    listError: { state: true },
    announcement: { state: true },
  };

  /** The API's base URL; same origin when left out. */
  declare api: string | undefined;
  declare protected calls: Map<string, ScheduledCallJson>;
  declare protected loaded: boolean;
  declare protected errors: FieldErrors;
  declare protected submitting: boolean;
  declare protected filterStatus: string;
  declare protected filterPhone: string;
  declare protected editing: string | undefined;
  declare protected editError: string;
  declare protected listError: string;
  declare protected announcement: string;
  private unsubscribe: (() => void)[] = [];
  private queue: ScheduledCallJson[] | undefined;

  constructor() {
    super();
    this.api = undefined;
    this.calls = new Map();
    this.loaded = false;
    this.errors = {};
    this.submitting = false;
    this.filterStatus = '';
    this.filterPhone = '';
    this.editing = undefined;
    this.editError = '';
    this.listError = '';
    this.announcement = '';
  }

  static override styles = [
    shared,
    css`
      form.schedule {
        display: grid;
        gap: 0.875rem;
        grid-template-columns: 1fr;
      }
      @container (min-width: 44rem) {
        form.schedule {
          grid-template-columns: 1.2fr 1.2fr 1fr auto;
          align-items: start;
        }
        form.schedule button[type='submit'] {
          margin-top: 1.75rem;
        }
      }
      .form-error {
        grid-column: 1 / -1;
      }
      .toolbar {
        display: flex;
        flex-wrap: wrap;
        align-items: end;
        gap: 0.75rem;
        margin: 0.75rem 0;
      }
      .toolbar > div {
        flex: 1 1 10rem;
      }
      .counts button {
        min-height: 2.25rem;
        padding: 0.125rem 0.5rem 0.125rem 0.25rem;
        font-weight: 400;
        display: inline-flex;
        align-items: center;
        gap: 0.375rem;
        border-radius: 999px;
      }
      .counts button[aria-pressed='true'] {
        border-color: var(--_accent);
        box-shadow: 0 0 0 1px var(--_accent);
      }
      ul.calls {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.5rem;
      }
      li.call {
        border: 1px solid var(--_border);
        border-radius: var(--_radius);
        padding: 0.75rem;
        background: var(--_surface);
      }
      .row {
        display: grid;
        grid-template-columns: 1fr auto;
        align-items: center;
        gap: 0.25rem 0.75rem;
      }
      .who {
        font-weight: 600;
        grid-area: 1 / 1;
      }
      .row > .badge {
        grid-area: 1 / 2;
        justify-self: end;
      }
      .meta {
        grid-area: 2 / 1 / 3 / -1;
        margin: 0;
        font-size: 0.875rem;
      }
      .actions {
        grid-area: 3 / 1 / 4 / -1;
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        margin-top: 0.25rem;
      }
      @container (min-width: 44rem) {
        .row {
          grid-template-columns: 11rem 1fr auto auto;
        }
        .meta {
          grid-area: 1 / 2;
        }
        .row > .badge {
          grid-area: 1 / 3;
        }
        .actions {
          grid-area: 1 / 4;
          margin-top: 0;
        }
      }
      details {
        margin-top: 0.5rem;
        font-size: 0.875rem;
      }
      summary {
        cursor: pointer;
        color: var(--_muted);
        min-height: 1.75rem;
      }
      ol.timeline {
        list-style: none;
        margin: 0.5rem 0 0;
        padding: 0 0 0 0.75rem;
        border-left: 2px solid var(--_border);
        display: grid;
        gap: 0.375rem;
      }
      ol.timeline li {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.5rem;
      }
      form.edit {
        display: flex;
        flex-wrap: wrap;
        align-items: end;
        gap: 0.5rem;
        margin-top: 0.75rem;
      }
      form.edit > div {
        flex: 1 1 14rem;
      }
      .empty {
        padding: 1rem 0;
        text-align: center;
      }
    `,
  ];

  private get base() {
    return apiBase(this.api);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.unsubscribe = [
      subscribe(this.base, 'scheduled-call', (data) => {
        const call = data as ScheduledCallJson;
        if (this.queue) this.queue.push(call);
        else this.upsert(call, true);
      }),
      subscribe(this.base, 'resync', () => void this.load()),
      onStreamOpen(this.base, () => void this.load()),
    ];
    void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
  }

  protected override firstUpdated(): void {
    // Set once: a binding would reset what the viewer typed on every render.
    this.input('when').value = toLocalInput(new Date(Date.now() + 120_000));
  }

  /** Reloads every call from the API (a few pages at most). */
  async load(): Promise<void> {
    this.queue ??= [];
    try {
      const calls = new Map<string, ScheduledCallJson>();
      let cursor: string | null = null;
      for (let page = 0; page < 10; page += 1) {
        const query: string = `limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const result: Page<ScheduledCallJson> = await request(
          this.base,
          `/api/scheduled-calls?${query}`,
        );
        for (const call of result.items) calls.set(call.id, call);
        cursor = result.next_cursor;
        if (!cursor) break;
      }
      // A live event may have brought a newer version while the pages came.
      for (const [id, known] of this.calls) {
        const fetched = calls.get(id);
        if (!fetched || fetched.version < known.version) calls.set(id, known);
      }
      this.calls = calls;
      this.listError = '';
    } catch (error) {
      this.listError = (error as Error).message;
      this.fail(error);
    } finally {
      this.loaded = true;
      const queued = this.queue ?? [];
      this.queue = undefined;
      for (const call of queued) this.upsert(call, true);
    }
  }

  private fail(error: unknown) {
    const e = error as ApiRequestError;
    emit(this, 'rk-error', { message: e.message, code: e.code, status: e.status });
  }

  /** Keeps the newest version of a call; tells about status changes. */
  private upsert(call: ScheduledCallJson, live: boolean) {
    const known = this.calls.get(call.id);
    if (known && known.version >= call.version) return;
    const calls = new Map(this.calls);
    calls.set(call.id, call);
    this.calls = calls;
    if (live && known && known.status !== call.status) {
      this.announcement = `Call to ${formatPhone(call.phone_number)}: ${statusLabel(call.status)}`;
      emit(this, 'rk-status-change', { call, status: call.status, previous: known.status });
    }
  }

  private input(id: string) {
    return this.renderRoot.querySelector<HTMLInputElement | HTMLSelectElement>(`#${id}`)!;
  }

  private validatePhone(value: string): string | undefined {
    if (value.trim() === '') return 'Enter the number to call.';
    if (!looksLikePhone(value))
      return 'Enter a phone number with its country code, e.g. +1 301 804 0009.';
    return undefined;
  }

  private validateWhen(value: string): string | undefined {
    if (value === '') return 'Choose when to call.';
    const iso = fromLocalInput(value);
    if (!iso) return 'Enter a date and a time.';
    if (Date.parse(iso) < Date.now() - 60_000) return 'Choose a time in the future.';
    return undefined;
  }

  private onPhoneBlur() {
    const value = this.input('phone').value;
    if (value !== '') this.errors = { ...this.errors, phone: this.validatePhone(value) };
  }

  private onPhoneInput() {
    // Clear an error as soon as the number becomes plausible, never add one while typing.
    if (this.errors.phone && !this.validatePhone(this.input('phone').value)) {
      this.errors = { ...this.errors, phone: undefined };
    }
  }

  private async submit(event: SubmitEvent) {
    event.preventDefault();
    const phone = this.input('phone').value;
    const when = this.input('when').value;
    const repeat = this.input('repeat').value as Repeat;
    const errors: FieldErrors = { phone: this.validatePhone(phone), when: this.validateWhen(when) };
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
      const call = await request<ScheduledCallJson>(this.base, '/api/scheduled-calls', {
        method: 'POST',
        body,
      });
      this.upsert(call, false);
      this.announcement = `Call to ${formatPhone(call.phone_number)} scheduled for ${formatDateTime(call.scheduled_time, true)}.`;
      this.input('phone').value = '';
      this.input('when').value = toLocalInput(new Date(Date.now() + 120_000));
      (this.input('repeat') as HTMLSelectElement).value = '';
      this.filterStatus = '';
      emit(this, 'rk-call-scheduled', { call });
    } catch (error) {
      this.errors = this.fieldErrors(error);
      this.fail(error);
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

  private async cancel(call: ScheduledCallJson) {
    try {
      const updated = await request<ScheduledCallJson>(
        this.base,
        `/api/scheduled-calls/${encodeURIComponent(call.id)}`,
        { method: 'DELETE' },
      );
      this.upsert(updated, false);
      this.announcement = `Call to ${formatPhone(call.phone_number)} canceled.`;
      emit(this, 'rk-call-canceled', { call: updated });
    } catch (error) {
      this.announcement = (error as Error).message;
      this.listError = (error as Error).message;
      this.fail(error);
      if (error instanceof ApiRequestError && error.status === 409) void this.load();
    }
  }

  private async openEdit(call: ScheduledCallJson) {
    this.editing = call.id;
    this.editError = '';
    await this.updateComplete;
    this.input(`edit-${call.id}`)?.focus();
  }

  private async closeEdit(id: string) {
    this.editing = undefined;
    this.editError = '';
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLButtonElement>(`[data-reschedule="${id}"]`)?.focus();
  }

  private async reschedule(event: SubmitEvent, call: ScheduledCallJson) {
    event.preventDefault();
    const value = this.input(`edit-${call.id}`).value;
    const problem = this.validateWhen(value);
    if (problem) {
      this.editError = problem;
      return;
    }
    try {
      const updated = await request<ScheduledCallJson>(
        this.base,
        `/api/scheduled-calls/${encodeURIComponent(call.id)}`,
        { method: 'PATCH', body: { scheduled_time: fromLocalInput(value) } },
      );
      this.upsert(updated, false);
      this.announcement = `Call to ${formatPhone(call.phone_number)} moved to ${formatDateTime(updated.scheduled_time, true)}.`;
      emit(this, 'rk-call-rescheduled', { call: updated });
      await this.closeEdit(call.id);
    } catch (error) {
      this.editError = (error as Error).message;
      this.fail(error);
    }
  }

  private visibleCalls(): ScheduledCallJson[] {
    const key = phoneKey(this.filterPhone);
    return [...this.calls.values()]
      .filter((c) => !this.filterStatus || c.status === this.filterStatus)
      .filter((c) => !key || phoneKey(c.phone_number).includes(key))
      .sort(
        (a, b) =>
          (b.created_at ?? '').localeCompare(a.created_at ?? '') || b.id.localeCompare(a.id),
      );
  }

  private renderForm() {
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

  private renderCall(call: ScheduledCallJson) {
    const editing = this.editing === call.id;
    const attempts =
      call.max_attempts > 1 ? html` · attempt ${call.attempt} of ${call.max_attempts}` : nothing;
    return html`
      <li class="call" part="item" data-id=${call.id} data-status=${call.status}>
        <div class="row">
          <span class="who">
            <a class="phone" href="${this.base}/calls/${encodeURIComponent(call.phone_number)}"
              >${formatPhone(call.phone_number)}</a
            >
          </span>
          <p class="meta muted">
            <time datetime=${call.scheduled_time ?? ''}
              >${formatDateTime(call.scheduled_time, true)}</time
            >${attempts}${call.recurrence ? html` · repeats ${describeCron(call.recurrence.cron)}` : nothing}
          </p>
          ${badge(call.status)}
          ${
            changeable(call) && !editing
              ? html`
                  <div class="actions">
                    <button
                      class="small"
                      data-reschedule=${call.id}
                      aria-label="Reschedule call to ${formatPhone(call.phone_number)}"
                      @click=${() => this.openEdit(call)}
                    >
                      Reschedule
                    </button>
                    <button
                      class="small danger"
                      aria-label="Cancel call to ${formatPhone(call.phone_number)}"
                      @click=${() => this.cancel(call)}
                    >
                      Cancel call
                    </button>
                  </div>
                `
              : nothing
          }
        </div>
        ${
          editing
            ? html`
                <form
                  class="edit"
                  novalidate
                  @submit=${(e: SubmitEvent) => this.reschedule(e, call)}
                >
                  <div>
                    <label for="edit-${call.id}">New date and time</label>
                    <input
                      id="edit-${call.id}"
                      type="datetime-local"
                      step="1"
                      .value=${toLocalInput(new Date(call.scheduled_time ?? Date.now()))}
                      aria-invalid=${this.editError ? 'true' : 'false'}
                      aria-describedby=${this.editError ? `edit-error-${call.id}` : nothing}
                      @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && this.closeEdit(call.id)}
                    />
                  </div>
                  <button type="submit" class="small primary">Save</button>
                  <button type="button" class="small" @click=${() => this.closeEdit(call.id)}>
                    Keep time
                  </button>
                  ${
                    this.editError
                      ? html`<p id="edit-error-${call.id}" class="error" role="alert">
                          ${this.editError}
                        </p>`
                      : nothing
                  }
                </form>
              `
            : nothing
        }
        <details part="timeline">
          <summary>Timeline (${call.timeline.length})</summary>
          <ol class="timeline">
            ${call.timeline.map(
              (step) => html`
                <li>
                  ${badge(step.status)}
                  <time datetime=${step.at ?? ''}>${formatDateTime(step.at, true)}</time>
                  ${
                    step.reason && step.reason !== step.status
                      ? html`<span class="muted">(${step.reason.replace(/_/g, ' ')})</span>`
                      : nothing
                  }
                </li>
              `,
            )}
          </ol>
        </details>
      </li>
    `;
  }

  private renderList() {
    const visible = this.visibleCalls();
    const counts = countByStatus([...this.calls.values()].map((c) => c.status));
    return html`
      <section class="card" aria-labelledby="calls-heading">
        <h2 id="calls-heading">Scheduled calls</h2>
        <ul class="counts" part="counts" aria-label="Calls by status (select to filter)">
          ${counts.map(
            ([status, count]) => html`
              <li>
                <button
                  aria-pressed=${this.filterStatus === status ? 'true' : 'false'}
                  @click=${() => (this.filterStatus = this.filterStatus === status ? '' : status)}
                >
                  ${badge(status)}<span data-count=${status}>${count}</span>
                </button>
              </li>
            `,
          )}
        </ul>
        <div class="toolbar" part="filters">
          <div>
            <label for="filter-status">Status</label>
            <select
              id="filter-status"
              .value=${this.filterStatus}
              @change=${(e: Event) => (this.filterStatus = (e.target as HTMLSelectElement).value)}
            >
              <option value="">All statuses</option>
              ${SCHEDULER_STATUSES.map(
                (s) =>
                  html`<option value=${s} ?selected=${this.filterStatus === s}>
                    ${statusLabel(s)}
                  </option>`,
              )}
            </select>
          </div>
          <div>
            <label for="filter-phone">Number contains</label>
            <input
              id="filter-phone"
              type="search"
              inputmode="tel"
              .value=${this.filterPhone}
              @input=${(e: Event) => (this.filterPhone = (e.target as HTMLInputElement).value)}
            />
          </div>
        </div>
        ${this.listError ? html`<p class="notice" role="alert">${this.listError}</p>` : nothing}
        ${
          !this.loaded
            ? html`<p class="empty muted">Loading…</p>`
            : visible.length === 0
              ? html`<p class="empty muted">
                  ${this.calls.size === 0 ? 'No calls scheduled yet.' : 'No call matches the filters.'}
                </p>`
              : html`<ul class="calls" part="list" aria-label="Scheduled calls">
                  ${visible.map((call) => this.renderCall(call))}
                </ul>`
        }
      </section>
    `;
  }

  override render() {
    return html`
      ${this.renderForm()} ${this.renderList()}
      <div class="sr-only" role="status" aria-live="polite">${this.announcement}</div>
    `;
  }
}

define('rk-scheduler', RkSchedulerElement);

declare global {
  interface HTMLElementTagNameMap {
    'rk-scheduler': RkSchedulerElement;
  }
}
