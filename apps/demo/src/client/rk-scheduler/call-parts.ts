/**
 * Pieces of `<rk-scheduler>`'s list: its filters, and in one call's item what the call says and
 * its time editor.
 */
import { html, nothing } from 'lit';
import { toLocalInput, truncate } from '../format.js';
import { suppressedNote } from '../rk-do-not-call/do-not-call.js';
import { statusLabel, STATUS_ORDER } from '../status.js';
import type { ScheduledCallJson } from '../types.js';

const SCHEDULER_STATUSES = STATUS_ORDER.filter((s) => s !== 'idle' && s !== 'dialing');

export interface ListFiltersOptions {
  /** The status shown, or `''` for all. */
  status: string;
  /** What the numbers shown contain. */
  phone: string;
  setStatus: (status: string) => void;
  setPhone: (phone: string) => void;
}

/** The list's filters (`part="filters"`): a status, and digits the number contains. */
export function listFilters({ status, phone, setStatus, setPhone }: ListFiltersOptions) {
  return html`
    <div class="toolbar" part="filters">
      <div>
        <label for="filter-status">Status</label>
        <select
          id="filter-status"
          .value=${status}
          @change=${(e: Event) => setStatus((e.target as HTMLSelectElement).value)}
        >
          <option value="">All statuses</option>
          ${SCHEDULER_STATUSES.map(
            (s) => html`<option value=${s} ?selected=${status === s}>${statusLabel(s)}</option>`,
          )}
        </select>
      </div>
      <div>
        <label for="filter-phone">Number contains</label>
        <input
          id="filter-phone"
          type="search"
          inputmode="tel"
          .value=${phone}
          @input=${(e: Event) => setPhone((e.target as HTMLInputElement).value)}
        />
      </div>
    </div>
  `;
}

/** How much of a call's message the list shows. */
const MESSAGE_SHOWN = 80;

/**
 * What the call says and whether it detects voicemail, in one line (`part="message"`); nothing
 * for a call with neither. A long message is cut, with an ellipsis.
 */
export function callPurpose(call: ScheduledCallJson) {
  const message = call.message ?? null;
  const detects = Boolean(call.machine_detection) && call.machine_detection !== 'off';
  if (!message && !detects) return nothing;
  return html`<p class="purpose" part="message">
    ${message ? html`<span class="muted">Says</span> <q>${truncate(message, MESSAGE_SHOWN)}</q>` : nothing}
    ${message && detects ? ' · ' : nothing}
    ${detects ? html`<span class="muted">${message ? 'detects' : 'Detects'} voicemail</span>` : nothing}
  </p>`;
}

/**
 * Why a call ended `suppressed` (`part="suppressed"`): its number was on the do-not-call list,
 * with the entry's reason where the call says it; nothing for any other call.
 */
export function suppressedReason(call: ScheduledCallJson) {
  if (call.status !== 'suppressed') return nothing;
  const note = suppressedNote(call);
  return html`<p class="purpose suppressed" part="suppressed">
    <span class="muted">Not placed: the number is on the do-not-call list</span>${
      note ? html` (<q>${truncate(note, MESSAGE_SHOWN)}</q>)` : nothing
    }
  </p>`;
}

/**
 * A call made for another provider than the server's (before a switch of `CALL_PROVIDER`): it
 * waits, never placed through this one, and the list says so. Nothing for a call of the server's
 * provider, one stored before calls named one, or one already placed.
 */
export function providerWait(call: ScheduledCallJson, own: string | null) {
  if (own === null || call.provider === null || call.provider === own) return nothing;
  if (call.status !== 'scheduled' && call.status !== 'queued') return nothing;
  return html`<p class="purpose provider-wait" part="provider-wait" data-provider=${call.provider}>
    <span class="muted"
      >Waits for its provider, <code>${call.provider}</code>: this server places calls through
      <code>${own}</code> and never through another.</span
    >
  </p>`;
}

export interface RescheduleFormOptions {
  /** What is wrong with the time given, or `''`. */
  error: string;
  save: (event: SubmitEvent) => void;
  keep: () => void;
}

/** The editor of a call's time, shown under it while it is rescheduled; Escape keeps the time. */
export function rescheduleForm(
  call: ScheduledCallJson,
  { error, save, keep }: RescheduleFormOptions,
) {
  return html`
    <form class="edit" novalidate @submit=${save}>
      <div>
        <label for="edit-${call.id}">New date and time</label>
        <input
          id="edit-${call.id}"
          type="datetime-local"
          step="1"
          .value=${toLocalInput(new Date(call.scheduled_time ?? Date.now()))}
          aria-invalid=${error ? 'true' : 'false'}
          aria-describedby=${error ? `edit-error-${call.id}` : nothing}
          @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && keep()}
        />
      </div>
      <button type="submit" class="small primary">Save</button>
      <button type="button" class="small" @click=${keep}>Keep time</button>
      ${error ? html`<p id="edit-error-${call.id}" class="error" role="alert">${error}</p>` : nothing}
    </form>
  `;
}
