import { LitElement, html, css, nothing, type PropertyDeclarations } from 'lit';
import { apiBase, request } from '../api.js';
import { emit, errorDetail } from '../events.js';
import { formatPhone } from '../format.js';
import { badge } from '../status.js';
import { shared } from '../styles.js';
import type { DialerEntryJson, Page } from '../types.js';

/** The filters the API offers (`GET /api/campaigns/:id/entries?status=`), with their labels. */
const FILTERS = [
  ['', 'All'],
  ['idle', 'Not dialed yet'],
  ['live', 'Live'],
  ['completed', 'Completed'],
  ['busy', 'Busy'],
  ['no-answer', 'No answer'],
  ['failed', 'Failed'],
  ['canceled', 'Canceled'],
  ['suppressed', 'Do not call'],
] as const;

/** Entries read at once. */
const PAGE = 50;

/**
 * `<rk-campaign-entries api="…" campaign="spring">`: one campaign's entries in list order, a page
 * at a time ("Show more"), filtered by status; each number links to its history.
 *
 * @fires rk-error - a request failed; `detail: { message, code, status }`
 * @csspart entries - the list; `entry` each item; `more` the Show more button
 */
export class RkCampaignEntriesElement extends LitElement {
  static override properties: PropertyDeclarations = {
    api: { type: String },
    campaign: { type: String },
    status: { state: true },
    entries: { state: true },
    cursor: { state: true },
    loading: { state: true },
    error: { state: true },
  };

  static override styles = [
    shared,
    css`
      :host {
        display: block;
        margin-top: 0.5rem;
      }
      ol {
        list-style: none;
        margin: 0.5rem 0 0;
        padding: 0;
        display: grid;
        gap: 0.25rem;
      }
      li {
        display: grid;
        grid-template-columns: 3ch 1fr auto;
        gap: 0.5rem;
        align-items: center;
      }
      .index {
        color: var(--_muted);
        text-align: right;
      }
      label {
        margin-right: 0.5rem;
      }
    `,
  ];

  declare api: string | undefined;
  /** The campaign's name. */
  declare campaign: string;
  declare protected status: string;
  declare protected entries: DialerEntryJson[];
  declare protected cursor: string | null;
  declare protected loading: boolean;
  declare protected error: string;

  constructor() {
    super();
    this.api = undefined;
    this.campaign = '';
    this.status = '';
    this.entries = [];
    this.cursor = null;
    this.loading = false;
    this.error = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load(false);
  }

  /** Reads the first page again (`more`: the next one, added to those shown). */
  async load(more: boolean): Promise<void> {
    this.loading = true;
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (this.status) query.set('status', this.status);
    if (more && this.cursor) query.set('cursor', this.cursor);
    const status = this.status;
    try {
      const page = await request<Page<DialerEntryJson>>(
        apiBase(this.api),
        `/api/campaigns/${encodeURIComponent(this.campaign)}/entries?${query.toString()}`,
      );
      if (status !== this.status) return; // the filter changed meanwhile
      this.entries = more ? [...this.entries, ...page.items] : page.items;
      this.cursor = page.next_cursor;
      this.error = '';
    } catch (error) {
      this.error = (error as Error).message;
      emit(this, 'rk-error', errorDetail(error));
    } finally {
      this.loading = false;
    }
  }

  private filter(event: Event) {
    this.status = (event.target as HTMLSelectElement).value;
    this.cursor = null;
    void this.load(false);
  }

  override render() {
    const base = apiBase(this.api);
    return html`
      <label for="status">Show</label>
      <select id="status" .value=${this.status} @change=${(e: Event) => this.filter(e)}>
        ${FILTERS.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
      </select>
      ${this.error ? html`<p class="notice" role="alert">${this.error}</p>` : nothing}
      ${
        this.entries.length === 0 && !this.loading
          ? html`<p class="muted" data-testid="no-entries">No entry.</p>`
          : html`<ol part="entries" aria-label="Entries of ${this.campaign}">
              ${this.entries.map(
                (e) =>
                  html`<li part="entry" data-index=${e.index} data-status=${e.status}>
                    <span class="index" aria-hidden="true">${e.index + 1}</span>
                    <a href="${base}/calls/${encodeURIComponent(e.phone)}"
                      >${formatPhone(e.phone)}</a
                    >
                    ${badge(e.status)}
                  </li>`,
              )}
            </ol>`
      }
      ${
        this.cursor
          ? html`<button
              class="small"
              part="more"
              ?disabled=${this.loading}
              @click=${() => this.load(true)}
            >
              Show more
            </button>`
          : nothing
      }
    `;
  }
}
