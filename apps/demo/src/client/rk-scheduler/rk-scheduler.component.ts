/**
 * `<rk-scheduler>`: its list, filters and reschedule editor share the calls it keeps and one
 * announcement region, so they stay in one class; the form and the timeline are elements of
 * their own.
 */
import { LitElement, html, nothing, type PropertyDeclarations } from 'lit';
import { ApiRequestError, apiBase, request } from '../api.js';
import { LiveController, upsertNewest } from '../controllers/live.js';
import { TickerController } from '../controllers/ticker.js';
import { emit, errorDetail } from '../events.js';
import {
  describeCron,
  formatCalleeTime,
  formatCountdown,
  formatDateTime,
  formatPhone,
  fromLocalInput,
  phoneKey,
} from '../format.js';
import '../rk-call-timeline/rk-call-timeline.js';
import '../rk-confirm/rk-confirm.js';
import {
  callPurpose,
  listFilters,
  providerWait,
  rescheduleForm,
  suppressedReason,
} from './call-parts.js';
import { orderCalls } from './order.js';
import '../rk-schedule-form/rk-schedule-form.js';
import { apiLimits, providerName } from '../capabilities.js';
import { whenProblem } from '../rk-schedule-form/when.js';
import { badge, countByStatus, statusLabel } from '../status.js';
import type { Page, ScheduledCallJson } from '../types.js';
import { styles } from './rk-scheduler.styles.js';

/** Only a call not yet placed can be canceled or rescheduled. */
const changeable = (call: ScheduledCallJson) => call.status === 'scheduled';

/**
 * `<rk-scheduler api="http://host:4000">`: a `<rk-schedule-form>` to schedule a call and the list
 * of scheduled calls with live statuses, counts by status, filters, cancel, reschedule and each
 * call's `<rk-call-timeline>`.
 *
 * @fires rk-call-scheduled - `detail: { call }` (from its form)
 * @fires rk-call-rescheduled - `detail: { call }`
 * @fires rk-call-canceled - `detail: { call }`
 * @fires rk-status-change - a call's status moved; `detail: { call, status, previous }`
 * @fires rk-error - a request failed; `detail: { message, code, status }`
 * @csspart form - the form; `submit` its button
 * @csspart list - the list of calls; `item` each call; `timeline` each timeline; `message` what
 *   a call says (its message, cut to 80 characters) and whether it detects voicemail;
 *   `callee-time` the callee's local time at the call's time
 * @csspart counts - the counts by status; `filters` the filters
 * @cssproperty --rk-color-accent - and the other `--rk-*` properties of the shared styles
 */
export class RkSchedulerElement extends LitElement {
  static override properties: PropertyDeclarations = {
    api: { type: String },
    calls: { state: true },
    loaded: { state: true },
    filterStatus: { state: true },
    filterPhone: { state: true },
    editing: { state: true },
    editError: { state: true },
    listError: { state: true },
    listLoaded: { state: true },
    announcement: { state: true },
    ownProvider: { state: true },
  };

  static override styles = styles;

  /** The API's base URL; same origin when left out. */
  declare api: string | undefined;
  declare protected calls: ReadonlyMap<string, ScheduledCallJson>;
  declare protected loaded: boolean;
  declare protected filterStatus: string;
  declare protected filterPhone: string;
  declare protected editing: string | undefined;
  declare protected editError: string;
  declare protected listError: string;
  /** Whether the last load of the list succeeded: only then can it say there is no call. */
  declare protected listLoaded: boolean;
  declare protected announcement: string;
  /** The provider the server places calls through, as calls store it (`null` until known). */
  declare protected ownProvider: string | null;

  /** Counts down to the calls still to come, every second while there are any. */
  protected readonly ticker = new TickerController(this, () =>
    [...this.calls.values()].some((call) => call.status === 'scheduled'),
  );

  private readonly live = new LiveController(this, {
    base: () => this.base,
    load: () => this.load(),
    events: { 'scheduled-call': (data) => this.upsert(data as ScheduledCallJson, true) },
  });

  constructor() {
    super();
    this.api = undefined;
    this.calls = new Map();
    this.loaded = false;
    this.filterStatus = '';
    this.filterPhone = '';
    this.editing = undefined;
    this.editError = '';
    this.listError = '';
    this.listLoaded = false;
    this.announcement = '';
    this.ownProvider = null;
  }

  private get base() {
    return apiBase(this.api);
  }

  /** Reloads every call from the API (a few pages at most). */
  async load(): Promise<void> {
    void providerName(this.base).then((name) => (this.ownProvider = name));
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
      this.listLoaded = true;
    } catch (error) {
      this.listError = (error as Error).message;
      this.listLoaded = false;
      this.fail(error);
    } finally {
      this.loaded = true;
    }
  }

  private fail(error: unknown) {
    emit(this, 'rk-error', errorDetail(error));
  }

  /** Keeps the newest version of a call; tells about status changes. */
  private upsert(call: ScheduledCallJson, live: boolean) {
    const known = this.calls.get(call.id);
    const calls = upsertNewest(this.calls, call);
    if (calls === this.calls) return;
    this.calls = calls;
    if (live && known && known.status !== call.status) {
      this.announcement = `Call to ${formatPhone(call.phone_number)}: ${statusLabel(call.status)}`;
      emit(this, 'rk-status-change', { call, status: call.status, previous: known.status });
    }
  }

  /** A call its form scheduled: shown at once (the live event may come later). */
  private onScheduled(event: CustomEvent<{ call: ScheduledCallJson }>) {
    const { call } = event.detail;
    this.upsert(call, false);
    this.announcement = `Call to ${formatPhone(call.phone_number)} scheduled for ${formatDateTime(call.scheduled_time, true)}.`;
    this.filterStatus = '';
  }

  private input(id: string) {
    return this.renderRoot.querySelector<HTMLInputElement>(`#${id}`)!;
  }

  /** Asks first (in `<rk-confirm>`): a canceled call is never placed, and it cannot be undone. */
  private async cancel(call: ScheduledCallJson) {
    const phone = formatPhone(call.phone_number);
    const when = formatDateTime(call.scheduled_time, true);
    const confirmed = await this.renderRoot.querySelector('rk-confirm')!.ask({
      title: `Cancel the call to ${phone}?`,
      message: call.recurrence
        ? `This ends 1 call not yet placed, due ${when}, and its series (${describeCron(call.recurrence.cron)}): no later call of it is placed. It cannot be undone.`
        : `This ends 1 call not yet placed, due ${when}. It cannot be undone.`,
      confirm: 'Cancel call',
      keep: 'Keep call',
    });
    if (!confirmed) return;
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
      if (error instanceof ApiRequestError && error.status === 409) void this.live.reload();
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
    const problem = whenProblem(value, (await apiLimits(this.base))?.schedule_ahead_ms);
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

  /** The calls the filters let through, upcoming first (see order.ts). */
  private visibleCalls(): ScheduledCallJson[] {
    const key = phoneKey(this.filterPhone);
    return orderCalls(
      [...this.calls.values()]
        .filter((c) => !this.filterStatus || c.status === this.filterStatus)
        .filter((c) => !key || phoneKey(c.phone_number).includes(key)),
    );
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
            >${
              call.status === 'scheduled' && call.scheduled_time
                ? html` ·
                    <span class="countdown"
                      >${formatCountdown(Date.parse(call.scheduled_time), Date.now())}</span
                    >`
                : nothing
            }${calleeTime(call)}${attempts}${call.recurrence ? html` · repeats ${describeCron(call.recurrence.cron)}` : nothing}
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
        ${callPurpose(call)} ${suppressedReason(call)} ${providerWait(call, this.ownProvider)}
        ${
          editing
            ? rescheduleForm(call, {
                error: this.editError,
                save: (e: SubmitEvent) => this.reschedule(e, call),
                keep: () => this.closeEdit(call.id),
              })
            : nothing
        }
        <rk-call-timeline exportparts="timeline, status" .steps=${call.timeline}></rk-call-timeline>
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
        ${listFilters({
          status: this.filterStatus,
          phone: this.filterPhone,
          setStatus: (status) => (this.filterStatus = status),
          setPhone: (phone) => (this.filterPhone = phone),
        })}
        ${this.listError ? html`<p class="notice" role="alert">${this.listError}</p>` : nothing}
        ${
          !this.loaded
            ? html`<p class="empty muted">Loading…</p>`
            : visible.length === 0
              ? this.emptyList()
              : html`<ul class="calls" part="list" aria-label="Scheduled calls">
                  ${visible.map((call) => this.renderCall(call))}
                </ul>`
        }
      </section>
    `;
  }

  /** Why the list is empty: never "no calls" when it could not be loaded (the alert says why). */
  private emptyList() {
    if (this.calls.size === 0 && !this.listLoaded) {
      return html`<p class="empty muted">The scheduled calls could not be loaded.</p>`;
    }
    return html`<p class="empty muted">
      ${this.calls.size === 0 ? 'No calls scheduled yet.' : 'No call matches the filters.'}
    </p>`;
  }

  override render() {
    return html`
      <rk-schedule-form
        exportparts="form, button, submit"
        .api=${this.api}
        @rk-call-scheduled=${this.onScheduled}
      ></rk-schedule-form>
      ${this.renderList()}
      <div class="sr-only" role="status" aria-live="polite">${this.announcement}</div>
      <rk-confirm exportparts="dialog"></rk-confirm>
    `;
  }
}

/**
 * The callee's local time at the call's time (`part="callee-time"`), in its number's zones (the
 * range where they differ); nothing where none is known.
 */
function calleeTime(call: ScheduledCallJson) {
  const local = formatCalleeTime(call.scheduled_time, call.callee_zones);
  if (!local) return nothing;
  return html` ·
    <span class="callee-time" part="callee-time" title="The callee's local time"
      >${local.time} in ${local.places}</span
    >`;
}
