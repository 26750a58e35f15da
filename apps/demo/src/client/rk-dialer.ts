import { LitElement, css, html, nothing, type PropertyDeclarations } from 'lit';
import { ApiRequestError, apiBase, request } from './api.js';
import { define, emit } from './define.js';
import { formatDateTime, formatPhone } from './format.js';
import { subscribe } from './live.js';
import { badge, countByStatus, statusLabel, STATUS_ORDER, TERMINAL } from './status.js';
import { shared } from './styles.js';
import type { DialerEntryEventJson, DialerJson, DialerStateJson } from './types.js';

const rank = (status: string) => STATUS_ORDER.indexOf(status as (typeof STATUS_ORDER)[number]);

/**
 * `<rk-dialer api="http://host:4000">`: the configured numbers with their live status and one
 * Call button that starts dialing them all (disabled once started).
 *
 * @fires rk-dialer-start - the dialer started; `detail: { dialer }`
 * @fires rk-dialer-status - a number's status moved; `detail: { index, phone, status, previous }`
 * @fires rk-dialer-done - every number was dialed; `detail: { dialer }`
 * @fires rk-error - a request failed; `detail: { message, code, status }`
 * @csspart call - the Call button
 * @csspart progress - the progress bar
 * @csspart list - the list of numbers; `entry` each item; `status` each status pill
 * @csspart interrupted - the run a restart cut short; `interrupted-calls` its calls; `restart` the
 *   Dial the list again button
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
  private unsubscribe: (() => void)[] = [];
  /** Events that arrived while the state was loading, applied once it is loaded. */
  private queue: (() => void)[] | undefined;

  constructor() {
    super();
    this.api = undefined;
    this.dialer = undefined;
    this.starting = false;
    this.error = '';
    this.announcement = '';
  }

  static override styles = [
    shared,
    css`
      .interrupted {
        padding: 0.5rem 0.75rem;
        border-radius: var(--_radius);
        border: 1px solid var(--_danger);
        margin: 0.5rem 0;
      }
      .interrupted ul {
        padding-left: 1.25rem;
      }
      .head {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: 0.75rem;
      }
      .head h2 {
        margin: 0;
      }
      .state {
        margin: 0.25rem 0 0;
      }
      button.primary {
        min-width: 8rem;
      }
      .progress {
        margin: 1rem 0 0.75rem;
      }
      .progress label {
        display: flex;
        justify-content: space-between;
        font-weight: 600;
      }
      progress {
        display: block;
        width: 100%;
        height: 0.75rem;
        appearance: none;
        border: none;
        border-radius: 999px;
        overflow: hidden;
        background: var(--_border);
      }
      progress::-webkit-progress-bar {
        background: var(--_border);
      }
      progress::-webkit-progress-value {
        background: var(--rk-status-completed, #116329);
      }
      progress::-moz-progress-bar {
        background: var(--rk-status-completed, #116329);
      }
      ol {
        list-style: none;
        margin: 1rem 0 0;
        padding: 0;
        display: grid;
        gap: 0.5rem;
      }
      li.entry {
        display: grid;
        grid-template-columns: 2rem 1fr auto;
        align-items: center;
        gap: 0.5rem;
        padding: 0.625rem 0.75rem;
        border: 1px solid var(--_border);
        border-radius: var(--_radius);
        background: var(--_surface);
      }
      .index {
        color: var(--_muted);
        font-variant-numeric: tabular-nums;
      }
      @container (min-width: 40rem) {
        ol {
          grid-template-columns: 1fr 1fr;
        }
      }
      @container (max-width: 24rem) {
        li.entry {
          grid-template-columns: 1.25rem 1fr;
          row-gap: 0.25rem;
        }
        li.entry .badge {
          grid-column: 2;
          justify-self: start;
        }
      }
    `,
  ];

  private get base() {
    return apiBase(this.api);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    const base = this.base;
    this.unsubscribe = [
      subscribe(base, 'dialer-entry', (data) =>
        this.whenLoaded(() => this.onEntry(data as DialerEntryEventJson)),
      ),
      subscribe(base, 'dialer', (data) =>
        this.whenLoaded(() => this.onState(data as DialerStateJson)),
      ),
      subscribe(base, 'resync', () => void this.load()),
    ];
    void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
  }

  private whenLoaded(apply: () => void) {
    if (this.queue) this.queue.push(apply);
    else apply();
  }

  /** Reloads the dialer's state from the API. */
  async load(): Promise<void> {
    this.queue ??= [];
    try {
      this.dialer = await request<DialerJson>(this.base, '/api/dialer');
      this.error = '';
    } catch (error) {
      this.fail(error);
    } finally {
      const queued = this.queue ?? [];
      this.queue = undefined;
      for (const apply of queued) apply();
    }
  }

  private fail(error: unknown) {
    const e = error as ApiRequestError;
    this.error = e.message;
    emit(this, 'rk-error', { message: e.message, code: e.code, status: e.status });
  }

  private onEntry(event: DialerEntryEventJson) {
    const dialer = this.dialer;
    const entry = dialer?.entries[event.index];
    if (!dialer || !entry) return;
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
    const wasDone = this.dialer.state === 'done';
    if (wasDone && state.state !== 'done') return; // a late event never moves it back
    this.dialer = { ...this.dialer, ...state, entries: this.dialer.entries };
    if (state.state === 'done' && !wasDone) {
      this.announcement = `All ${state.total} calls finished.`;
      emit(this, 'rk-dialer-done', { dialer: this.dialer });
    }
  }

  private async start(restart = false) {
    this.starting = true;
    try {
      this.dialer = await request<DialerJson>(this.base, '/api/dialer/start', {
        method: 'POST',
        ...(restart ? { body: { restart: true } } : {}),
      });
      this.error = '';
      this.announcement = `Dialing ${this.dialer.total} numbers, ${this.dialer.concurrency} at a time.`;
      emit(this, 'rk-dialer-start', { dialer: this.dialer });
    } catch (error) {
      this.fail(error);
      if (error instanceof ApiRequestError && error.status === 409) await this.load();
    } finally {
      this.starting = false;
    }
  }

  /** A run the server did not see to its end: what it had dialed, and an explicit way on. */
  private renderInterrupted(run: NonNullable<DialerJson['interrupted_run']>) {
    const unreached = run.total - new Set(run.entries.map((e) => e.index)).size;
    return html`
      <div
        class="interrupted"
        part="interrupted"
        role="region"
        aria-labelledby="interrupted-heading"
      >
        <h3 id="interrupted-heading">Interrupted run</h3>
        <p>
          A run started ${formatDateTime(run.started_at)} stopped before it ended, after
          ${run.entries.length} of ${run.total}
          calls${unreached > 0 ? html`, ${unreached} number(s) never dialed` : nothing}. Calls of
          unknown outcome may have rung. Nothing is dialed again unless you choose to.
        </p>
        <ol part="interrupted-calls" aria-label="Calls of the interrupted run">
          ${run.entries.map(
            (entry) =>
              html`<li
                data-index=${entry.index}
                data-status=${entry.outcome_unknown ? 'unknown' : entry.status}
              >
                <a href="${this.base}/calls/${encodeURIComponent(entry.phone)}"
                  >${formatPhone(entry.phone)}</a
                >
                ${
                  entry.outcome_unknown
                    ? html`<span class="badge" part="status status-unknown">outcome unknown</span>`
                    : badge(entry.status)
                }
                ${entry.call_id ? html`<span class="muted">call ${entry.call_id}</span>` : nothing}
              </li>`,
          )}
        </ol>
        <button part="button restart" ?disabled=${this.starting} @click=${() => this.start(true)}>
          Dial the list again
        </button>
      </div>
    `;
  }

  override render() {
    const dialer = this.dialer;
    const state = dialer?.state ?? 'idle';
    const stateText = !dialer
      ? 'Loading…'
      : state === 'idle'
        ? `Ready to call ${dialer.total} numbers, ${dialer.concurrency} at a time.`
        : state === 'done'
          ? 'Every number was dialed.'
          : `Dialing, ${dialer.concurrency} calls at a time…`;
    const ended = dialer ? dialer.entries.filter((e) => TERMINAL.has(e.status)).length : 0;
    const interrupted = dialer?.interrupted_run ?? null;
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
            ?disabled=${!dialer || state !== 'idle' || this.starting || interrupted !== null}
            @click=${() => this.start()}
          >
            ${state === 'idle' ? 'Call' : state === 'done' ? 'Called' : 'Calling…'}
          </button>
        </div>
        ${this.error ? html`<p class="notice" role="alert">${this.error}</p>` : nothing}
        ${interrupted ? this.renderInterrupted(interrupted) : nothing}
        ${
          dialer
            ? html`
                <div class="progress">
                  <label for="progress">
                    <span>Progress</span>
                    <span class="muted" data-testid="progress-text"
                      >${ended} of ${dialer.total} finished</span
                    >
                  </label>
                  <progress id="progress" part="progress" max=${dialer.total} .value=${ended}>
                    ${ended} of ${dialer.total}
                  </progress>
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

define('rk-dialer', RkDialerElement);

declare global {
  interface HTMLElementTagNameMap {
    'rk-dialer': RkDialerElement;
  }
}
