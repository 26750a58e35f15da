import { LitElement, html, nothing, type PropertyDeclarations, type PropertyValues } from 'lit';
import { apiBase, request, type ApiRequestError } from '../api.js';
import { LiveController } from '../controllers/live.js';
import { emit, errorDetail } from '../events.js';
import { formatDateTime, formatDuration, formatPhone, phoneKey } from '../format.js';
import { answeredByLabel, isAppNumber, readHistoryRow } from '../history-type.js';
import type {
  HistoryEventJson,
  HistoryItemJson,
  HistoryPageJson,
  SuppressionEventJson,
} from '../types.js';
import { OptOutController } from './opt-out.js';
import { styles } from './rk-call-history.styles.js';

/** Whether `href` is of the page's own origin. */
const sameOrigin = (href: string) => new URL(href).origin === location.origin;

/**
 * `<rk-call-history phone="13018040009">`: the calls of one number, newest first, a page at a
 * time; the first page refreshes when a call involving the number is recorded (an older page
 * stays, and offers the newest). Without a `phone`, it asks for one. Calls with the app's own
 * number say so (`Called by this app`, `Called this app`), the app's own page says it is, and a
 * caller's voicemail can be played. Under the heading, "Don't call this number" puts the number
 * on the do-not-call list (reason `opted out`); once it is on it, the element says so, with
 * "Allow calls again" to take it off (kept in step with the list by the `suppression` event).
 *
 * @fires rk-history-page - a page was shown; `detail: { phone, page, items }`
 * @fires rk-do-not-call-change - the number was put on the do-not-call list or taken off it;
 *   `detail: { phone, listed }`
 * @fires rk-error - a request failed; `detail: { message, code, status }`
 * @csspart table - the table; `row` each row; `type` each type cell
 * @csspart answered-by - the mark of a call a machine (`answered-by-machine`, "Voicemail") or a
 *   fax (`answered-by-fax`) answered, where the provider detected it
 * @csspart voicemail - a caller's voicemail: a player and a link to it
 * @csspart own-number - on the app's own number's page, the mark in the heading
 * @csspart newer - on an older page, the notice that newer calls came in
 * @csspart pager - the paging buttons
 * @csspart lookup - without a number, the form that asks for one
 * @csspart opt-out - the do-not-call state and its button (`data-listed`)
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
    appNumber: { state: true },
    newer: { state: true },
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
  /** The app's own number, as the API gave it (`null` from servers that do not say). */
  declare protected appNumber: string | null;
  /** On an older page: calls of the number were recorded since the first page was read. */
  declare protected newer: boolean;
  /** The cursor of each page shown so far; `null` for the first. */
  private cursors: (string | null)[] = [null];
  private readonly live = new LiveController(this, {
    base: () => this.base,
    load: async () => {
      await Promise.all([
        this.load(this.cursors[this.page] ?? null, this.page),
        this.optOut.check(),
      ]);
    },
    events: {
      history: (data) => {
        const { phones } = data as HistoryEventJson;
        if (!phones.some((p) => phoneKey(p) === phoneKey(this.phone))) return;
        // An older page stays where it is (its cursor still reads the same calls).
        if (this.page === 0) void this.load(null, 0);
        else this.newer = true;
      },
      suppression: (data) => {
        const { phone_number: phone } = data as SuppressionEventJson;
        if (phone === null || phoneKey(phone) === phoneKey(this.phone)) void this.optOut.check();
      },
    },
    // It loads when it has a number (`willUpdate`), and again when the stream (re)opens.
    loadOnConnect: false,
    reloadOnOpen: () => Boolean(this.phone) && this.page === 0,
  });
  private controller: AbortController | undefined;
  /** Whether the number is on the do-not-call list, and the button that changes it. */
  private readonly optOut = new OptOutController(this, () => ({
    base: this.base,
    phone: this.phone,
  }));

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
    this.appNumber = null;
    this.newer = false;
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
      if (changed.has('phone')) {
        this.appNumber = null;
        this.optOut.entry = undefined;
      }
      void this.load(null, 0);
      void this.optOut.check();
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
      const result = await request<HistoryPageJson>(
        this.base,
        `/api/calls/${encodeURIComponent(this.phone)}?${query}`,
        { signal: controller.signal },
      );
      this.items = result.items;
      this.nextCursor = result.next_cursor;
      if (typeof result.app_number === 'string') this.appNumber = result.app_number;
      if (page === 0) this.newer = false;
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
    const type = readHistoryRow(item, this.appNumber);
    const ended = type.outcome !== 'in-progress';
    const answeredBy = answeredByLabel(item.answered_by);
    const counterparty = formatPhone(item.counterparty);
    return html`
      <tr
        part="row"
        data-type=${item.type}
        data-outcome=${type.outcome}
        data-with-app=${type.withApp ? 'true' : nothing}
      >
        <td class="when">
          <time datetime=${item.created_at ?? ''}>${formatDateTime(item.created_at)}</time>
        </td>
        <td class="who">
          <a class="phone" href="${this.base}/calls/${encodeURIComponent(item.counterparty)}"
            >${counterparty}</a
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
            <span class="direction"
              >${type.directionLabel}${type.withApp ? ` (${counterparty})` : ''}</span
            >
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
          ${type.voicemail ? this.voicemail(type.voicemail, item) : nothing}
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

  /**
   * A caller's voicemail: a link to it (it opens in a new tab), and a player where the page may
   * load it (a recording of the page's own origin: the demo's CSP loads media from it alone).
   */
  private voicemail(href: string, item: HistoryItemJson) {
    const from = `from ${formatPhone(item.counterparty)}`;
    return html`
      <div class="voicemail" part="voicemail">
        ${
          sameOrigin(href)
            ? html`<audio
                controls
                preload="none"
                src=${href}
                aria-label="Voicemail ${from}"
              ></audio>`
            : nothing
        }
        <a href=${href} target="_blank" rel="noopener noreferrer"
          >Voicemail<span class="sr-only"> ${from}</span></a
        >
      </div>
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
    const own = isAppNumber(this.phone, this.appNumber);
    const heading = `Calls of ${formatPhone(this.phone)}${own ? ", this app's own number" : ''}`;
    const paged = this.page > 0 || this.nextCursor !== null;
    return html`
      <section class="card" part="history" aria-labelledby="history-heading">
        <h2 id="history-heading">
          Calls of
          ${formatPhone(this.phone)}${
            own
              ? html`<span class="own-number" part="own-number"
                  ><span class="sr-only">, </span>This app's own number</span
                >`
              : nothing
          }
        </h2>
        ${
          own
            ? html`<p class="muted">
                Calls people made to this app are Inbound, with the caller's number; calls it placed
                are Outbound.
              </p>`
            : nothing
        }
        ${own ? nothing : this.optOut.render()}
        ${
          this.newer && this.page > 0
            ? html`<p class="newer" part="newer" role="status">
                New calls came in.
                <button class="small" @click=${() => this.go(0)}>Show the newest</button>
              </p>`
            : nothing
        }
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
