import { LitElement, html, nothing, type PropertyDeclarations, type PropertyValues } from 'lit';
import { apiBase, request, type ApiRequestError } from '../api.js';
import { LiveController } from '../controllers/live.js';
import { emit, errorDetail } from '../events.js';
import { formatDateTime, formatDuration, formatPhone, phoneKey } from '../format.js';
import { answeredByLabel, readHistoryType } from '../history-type.js';
import type { HistoryEventJson, HistoryItemJson, Page } from '../types.js';
import { styles } from './rk-call-history.styles.js';

/**
 * `<rk-call-history phone="13018040009">`: the calls of one number, newest first, a page at a
 * time; the first page refreshes when a call involving the number is recorded. Without a
 * `phone`, it asks for one.
 *
 * @fires rk-history-page - a page was shown; `detail: { phone, page, items }`
 * @fires rk-error - a request failed; `detail: { message, code, status }`
 * @csspart table - the table; `row` each row; `type` each type cell
 * @csspart answered-by - the mark of a call a machine (`answered-by-machine`, "Voicemail") or a
 *   fax (`answered-by-fax`) answered, where the provider detected it
 * @csspart pager - the paging buttons
 * @csspart lookup - without a number, the form that asks for one
 */
export class RkCallHistoryElement extends LitElement {
  static override properties: PropertyDeclarations = {
    api: { type: String },
    phone: { type: String },
    pageSize: { type: Number, attribute: 'page-size' },
    items: { state: true },
    page: { state: true },
    nextCursor: { state: true },
    loading: { state: true },
    error: { state: true },
  };

  /** The API's base URL; same origin when left out. */
  declare api: string | undefined;
  /** The number whose calls are shown, in any form the API reads. */
  declare phone: string;
  /** Rows per page (1–100). */
  declare pageSize: number;
  declare protected items: HistoryItemJson[];
  declare protected page: number;
  declare protected nextCursor: string | null;
  declare protected loading: boolean;
  declare protected error: string;
  /** The cursor of each page shown so far; `null` for the first. */
  private cursors: (string | null)[] = [null];
  private readonly live = new LiveController(this, {
    base: () => this.base,
    load: () => this.load(this.cursors[this.page] ?? null, this.page),
    events: {
      history: (data) => {
        const { phones } = data as HistoryEventJson;
        if (this.page === 0 && phones.some((p) => phoneKey(p) === phoneKey(this.phone))) {
          void this.load(null, 0);
        }
      },
    },
    // It loads when it has a number (`willUpdate`), and again when the stream (re)opens.
    loadOnConnect: false,
    reloadOnOpen: () => Boolean(this.phone) && this.page === 0,
  });
  private controller: AbortController | undefined;

  constructor() {
    super();
    this.api = undefined;
    this.phone = '';
    this.pageSize = 20;
    this.items = [];
    this.page = 0;
    this.nextCursor = null;
    this.loading = false;
    this.error = '';
  }

  static override styles = styles;

  private get base() {
    return apiBase(this.api);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.controller?.abort();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if ((changed.has('phone') || changed.has('api') || changed.has('pageSize')) && this.phone) {
      this.cursors = [null];
      void this.load(null, 0);
    }
  }

  /** Shows the page that starts at `cursor`. */
  async load(cursor: string | null, page: number): Promise<void> {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.loading = true;
    const size = Math.min(100, Math.max(1, Math.trunc(this.pageSize) || 20));
    const query = `limit=${size}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    try {
      const result = await request<Page<HistoryItemJson>>(
        this.base,
        `/api/calls/${encodeURIComponent(this.phone)}?${query}`,
        { signal: controller.signal },
      );
      this.items = result.items;
      this.nextCursor = result.next_cursor;
      this.page = page;
      this.cursors[page] = cursor;
      this.cursors.length = page + 1;
      this.error = '';
      emit(this, 'rk-history-page', { phone: this.phone, page, items: result.items });
    } catch (error) {
      if ((error as Error).name === 'AbortError') return;
      const e = error as ApiRequestError;
      this.items = [];
      this.nextCursor = null;
      this.error =
        e.status === 400 ? `“${this.phone}” is not a phone number we can read.` : e.message;
      emit(this, 'rk-error', errorDetail(error));
    } finally {
      if (this.controller === controller) this.loading = false;
    }
  }

  private async go(page: number) {
    if (page < 0) return;
    const cursor = page > this.page ? this.nextCursor : (this.cursors[page] ?? null);
    if (page > this.page && !cursor) return;
    await this.load(cursor, page);
    this.renderRoot.querySelector<HTMLElement>('table')?.focus();
  }

  private row(item: HistoryItemJson) {
    const type = readHistoryType(item.type);
    const ended = type.outcome !== 'in-progress';
    const answeredBy = answeredByLabel(item.answered_by);
    return html`
      <tr part="row" data-type=${item.type} data-outcome=${type.outcome}>
        <td class="when">
          <time datetime=${item.created_at ?? ''}>${formatDateTime(item.created_at)}</time>
        </td>
        <td class="who">
          <a class="phone" href="${this.base}/calls/${encodeURIComponent(item.counterparty)}"
            >${formatPhone(item.counterparty)}</a
          >
        </td>
        <td class="kind">
          <span class="type" part="type type-${type.outcome}" data-outcome=${type.outcome}>
            ${
              type.direction
                ? html`<span class="arrow" aria-hidden="true"
                    >${type.direction === 'outbound' ? '↗' : '↙'}</span
                  >`
                : nothing
            }<span class="outcome">${type.outcomeLabel}</span>
            ${type.directionLabel}
          </span>
          ${
            answeredBy
              ? html`<span
                  class="answered-by"
                  part="answered-by answered-by-${item.answered_by}"
                  data-answered-by=${item.answered_by ?? ''}
                  >${answeredBy}</span
                >`
              : nothing
          }
        </td>
        <td class="duration">
          ${
            typeof item.duration === 'number'
              ? formatDuration(item.duration)
              : html`<span class="muted" aria-hidden="true">—</span
                  ><span class="sr-only">${ended ? 'no duration' : 'not ended yet'}</span>`
          }
        </td>
      </tr>
    `;
  }

  /** The number typed in the lookup form becomes the one shown. */
  private lookup(event: SubmitEvent) {
    event.preventDefault();
    const input = this.renderRoot.querySelector<HTMLInputElement>('#lookup-phone')!;
    if (input.value.trim()) this.phone = input.value.trim();
    else input.focus();
  }

  override render() {
    if (!this.phone) {
      return html`
        <section class="card" part="history" aria-labelledby="history-heading">
          <h2 id="history-heading">Call history</h2>
          <p id="lookup-hint" class="muted">
            Enter a phone number to see its calls, newest first: with its country code, e.g. +1 415
            555 2671.
          </p>
          <form class="lookup" part="lookup" @submit=${this.lookup}>
            <div>
              <label for="lookup-phone">Phone number</label>
              <input
                id="lookup-phone"
                type="tel"
                inputmode="tel"
                autocomplete="tel"
                required
                aria-describedby="lookup-hint"
              />
            </div>
            <button class="primary" type="submit">Show calls</button>
          </form>
        </section>
      `;
    }
    const heading = `Calls of ${formatPhone(this.phone)}`;
    const paged = this.page > 0 || this.nextCursor !== null;
    return html`
      <section class="card" part="history" aria-labelledby="history-heading">
        <h2 id="history-heading">${heading}</h2>
        ${this.error ? html`<p class="notice" role="alert">${this.error}</p>` : nothing}
        ${
          !this.error && !this.loading && this.items.length === 0 && this.page === 0
            ? html`<p class="empty muted">No calls yet.</p>`
            : nothing
        }
        ${
          this.items.length > 0
            ? html`
                <table
                  part="table"
                  tabindex="-1"
                  aria-describedby=${paged ? 'page-label' : nothing}
                >
                  <caption class="sr-only">
                    ${heading}, newest first
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">Number</th>
                      <th scope="col">Type</th>
                      <th scope="col" class="duration">Duration</th>
                    </tr>
                  </thead>
                  <tbody aria-busy=${this.loading ? 'true' : 'false'}>
                    ${this.items.map((item) => this.row(item))}
                  </tbody>
                </table>
              `
            : nothing
        }
        ${
          paged
            ? html`
                <nav part="pager" aria-label="Pages of calls">
                  <button
                    class="small"
                    ?disabled=${this.page === 0 || this.loading}
                    @click=${() => this.go(this.page - 1)}
                  >
                    ← Newer
                  </button>
                  <span id="page-label" class="muted" aria-live="polite"
                    >Page ${this.page + 1}</span
                  >
                  <button
                    class="small"
                    ?disabled=${!this.nextCursor || this.loading}
                    @click=${() => this.go(this.page + 1)}
                  >
                    Older →
                  </button>
                </nav>
              `
            : nothing
        }
      </section>
    `;
  }
}
