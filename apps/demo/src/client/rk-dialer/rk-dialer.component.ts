import { LitElement, html, nothing, type PropertyDeclarations } from 'lit';
import { ApiRequestError, apiBase, request } from '../api.js';
import { LiveController } from '../controllers/live.js';
import { emit, errorDetail } from '../events.js';
import { formatPhone } from '../format.js';
import { outcomeBar, statusSegments } from '../outcome-bar.js';
import { badge, countByStatus, statusLabel, STATUS_ORDER, TERMINAL } from '../status.js';
import type { DialerEntryEventJson, DialerJson, DialerStateJson } from '../types.js';
import { styles } from './rk-dialer.styles.js';

const rank = (status: string) => STATUS_ORDER.indexOf(status as (typeof STATUS_ORDER)[number]);

/** A run's number from its name: `default` 1, `default-2` 2… (0: none). */
const runOf = (campaign: string | null | undefined) =>
  !campaign ? 0 : campaign === 'default' ? 1 : Number(/-(\d+)$/.exec(campaign)?.[1] ?? 0);

/**
 * `<rk-dialer api="http://host:4000">`: the configured numbers (the campaign named `default`)
 * with their live status and one Call button that starts dialing them all (disabled while a run
 * is under way; once it is done, "Call again" runs the list again as a new campaign; a restart of
 * the server goes on where it stood).
 *
 * @fires rk-dialer-start - the dialer started; `detail: { dialer }`
 * @fires rk-dialer-status - a number's status moved; `detail: { index, phone, status, previous }`
 * @fires rk-dialer-done - every number was dialed; `detail: { dialer }`
 * @fires rk-error - a request failed; `detail: { message, code, status }`
 * @csspart call - the Call button
 * @csspart progress - the progress bar
 * @csspart list - the list of numbers; `entry` each item; `status` each status pill
 */
export class RkDialerElement extends LitElement {
  static override properties: PropertyDeclarations = {
    api: { type: String },
    dialer: { state: true },
    starting: { state: true },
    error: { state: true },
    announcement: { state: true },
  };

  /** The API's base URL; same origin when left out. */
  declare api: string | undefined;
  declare protected dialer: DialerJson | undefined;
  declare protected starting: boolean;
  declare protected error: string;
  declare protected announcement: string;
  private readonly live = new LiveController(this, {
    base: () => this.base,
    load: () => this.load(),
    events: {
      'dialer-entry': (data) => this.onEntry(data as DialerEntryEventJson),
      dialer: (data) => this.onState(data as DialerStateJson),
    },
    // The dialer's state is read on connect and kept by its events: a stream that opens later
    // missed nothing `resync` would not tell.
    reloadOnOpen: () => false,
  });

  constructor() {
    super();
    this.api = undefined;
    this.dialer = undefined;
    this.starting = false;
    this.error = '';
    this.announcement = '';
  }

  static override styles = styles;

  private get base() {
    return apiBase(this.api);
  }

  /** Reloads the dialer's state from the API. */
  async load(): Promise<void> {
    try {
      this.dialer = await request<DialerJson>(this.base, '/api/dialer');
      this.error = '';
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown) {
    this.error = (error as Error).message;
    emit(this, 'rk-error', errorDetail(error));
  }

  private onEntry(event: DialerEntryEventJson) {
    const dialer = this.dialer;
    const entry = dialer?.entries[event.index];
    if (!dialer || !entry) return;
    // Another run's: a late event of an earlier one, or a run this page has not read yet.
    if (event.campaign && dialer.campaign && event.campaign !== dialer.campaign) {
      if (runOf(event.campaign) > runOf(dialer.campaign)) void this.load();
      return;
    }
    // Statuses only move forward, except `dialing` that starts a new attempt, and the real end
    // of a call whose placement had ended `failed` in doubt (`failed` → `completed`, say).
    const learned =
      entry.status === 'failed' && event.previous === 'failed' && TERMINAL.has(event.status);
    if (event.status !== 'dialing' && !learned && rank(event.status) <= rank(entry.status)) return;
    const entries = [...dialer.entries];
    entries[event.index] = { ...entry, status: event.status, call_id: event.call_id };
    this.dialer = { ...dialer, entries };
    emit(this, 'rk-dialer-status', {
      index: event.index,
      phone: event.phone,
      status: event.status,
      previous: event.previous,
    });
    if (TERMINAL.has(event.status)) {
      this.announcement = `Number ${event.index + 1}, ${formatPhone(event.phone)}: ${statusLabel(event.status)}`;
    }
  }

  private onState(state: DialerStateJson) {
    if (!this.dialer) return;
    if (state.campaign && state.campaign !== this.dialer.campaign) {
      if (runOf(state.campaign) > runOf(this.dialer.campaign)) void this.load();
      return;
    }
    const wasDone = this.dialer.state === 'done';
    if (wasDone && state.state !== 'done') return; // a late event never moves it back
    this.dialer = { ...this.dialer, ...state, entries: this.dialer.entries };
    if (state.state === 'done' && !wasDone) {
      this.announcement = `All ${state.total} calls finished.`;
      emit(this, 'rk-dialer-done', { dialer: this.dialer });
    }
  }

  private async start() {
    this.starting = true;
    try {
      this.dialer = await request<DialerJson>(this.base, '/api/dialer/start', { method: 'POST' });
      this.error = '';
      this.announcement = `Dialing ${this.dialer.total} numbers, ${this.dialer.concurrency} at a time.`;
      emit(this, 'rk-dialer-start', { dialer: this.dialer });
    } catch (error) {
      this.fail(error);
      if (error instanceof ApiRequestError && error.status === 409) await this.live.reload();
    } finally {
      this.starting = false;
    }
  }

  override render() {
    const dialer = this.dialer;
    const state = dialer?.state ?? 'idle';
    const stateText = !dialer
      ? 'Loading…'
      : state === 'idle'
        ? `Ready to call ${dialer.total} numbers, ${dialer.concurrency} at a time.`
        : state === 'done'
          ? `Every number was dialed${runOf(dialer.campaign) > 1 ? ` (run ${runOf(dialer.campaign)})` : ''}.`
          : `Dialing, ${dialer.concurrency} calls at a time…`;
    const ended = dialer ? dialer.entries.filter((e) => TERMINAL.has(e.status)).length : 0;
    return html`
      <section class="card" part="dialer" aria-labelledby="dialer-heading">
        <div class="head">
          <div>
            <h2 id="dialer-heading">Dialer</h2>
            <p class="state muted" part="state">${stateText}</p>
          </div>
          <button
            class="primary"
            part="button call"
            ?disabled=${!dialer || (state !== 'idle' && state !== 'done') || this.starting}
            @click=${() => this.start()}
          >
            ${state === 'idle' ? 'Call' : state === 'done' ? 'Call again' : 'Calling…'}
          </button>
        </div>
        ${this.error ? html`<p class="notice" role="alert">${this.error}</p>` : nothing}
        ${
          dialer
            ? html`
                <div class="progress">
                  <div class="progress-label">
                    <span>Progress</span>
                    <span class="muted" data-testid="progress-text"
                      >${ended} of ${dialer.total} finished</span
                    >
                  </div>
                  ${outcomeBar(
                    statusSegments(dialer.entries.map((e) => e.status)),
                    dialer.total,
                    'Progress',
                  )}
                </div>
                <ul class="counts" part="counts" aria-label="Numbers by status">
                  ${countByStatus(dialer.entries.map((e) => e.status)).map(
                    ([status, count]) => html`<li>${badge(status)} <span>${count}</span></li>`,
                  )}
                </ul>
                <ol part="list" aria-label="Numbers to call">
                  ${dialer.entries.map(
                    (entry) => html`
                      <li
                        class="entry"
                        part="entry"
                        data-index=${entry.index}
                        data-status=${entry.status}
                      >
                        <span class="index" aria-hidden="true">${entry.index + 1}</span>
                        <a
                          class="phone"
                          href="${this.base}/calls/${encodeURIComponent(entry.phone)}"
                          aria-label="${formatPhone(entry.phone)}, call history"
                          >${formatPhone(entry.phone)}</a
                        >
                        ${badge(entry.status)}
                      </li>
                    `,
                  )}
                </ol>
              `
            : nothing
        }
        <div class="sr-only" role="status" aria-live="polite">${this.announcement}</div>
      </section>
    `;
  }
}
