import {
  LitElement,
  css,
  html,
  nothing,
  type PropertyDeclarations,
  type PropertyValues,
} from 'lit';
import { ApiRequestError, apiBase, downloadWithToken, request } from '../api.js';
import { LiveController } from '../controllers/live.js';
import { emit, errorDetail } from '../events.js';
import { formatDateTime, formatDuration, formatPhone } from '../format.js';
import { LOG_OUTCOMES } from '../../log-outcomes.js';
import { OUTCOME_WORDS } from '../history-type.js';
import { shared, table } from '../styles.js';
import type { CallRecordJson, CampaignJson, Page } from '../types.js';
import { logQuery, NO_FILTERS, recordOutcome, type LogFilters } from './call-log.js';

/**
 * `<rk-call-log>`: every call of every number (scheduled, campaign and inbound), newest first,
 * filtered by direction, outcome, time, number and campaign, a page at a time, with its CSV
 * download; the first page refreshes as calls are recorded. Each number links to its history,
 * each campaign to the log of its calls.
 *
 * @attr campaign - a campaign's name: the log opens filtered to its calls (`/calls?campaign=…`)
 *
 * @fires rk-error - a request failed; `detail: { message, code, status }`
 * @csspart filters - the filters' form; `table` the calls; `row` each call; `more` the button
 *   that reads older calls; `download` the CSV link; `empty` what it says when no call matches
 */
export class RkCallLogElement extends LitElement {
  static override properties: PropertyDeclarations = {
    api: { type: String },
    campaign: { type: String },
    campaigns: { state: true },
    items: { state: true },
    nextCursor: { state: true },
    filters: { state: true },
    query: { state: true },
    error: { state: true },
    fieldError: { state: true },
    loading: { state: true },
  };

  /** The API's base URL; same origin when left out. */
  declare api: string | undefined;
  /** A campaign's name the log is filtered to when it is set. */
  declare campaign: string | undefined;
  /** The names the campaign filter suggests. */
  declare protected campaigns: string[];
  declare protected items: CallRecordJson[];
  declare protected nextCursor: string | null;
  declare protected filters: LogFilters;
  /** The query string of the filters applied. */
  declare protected query: string;
  declare protected error: string;
  /** A refusal of one filter, shown under it. */
  declare protected fieldError: { field: keyof LogFilters; message: string } | null;
  declare protected loading: boolean;

  /** Whether the campaign names were asked for (once, on the first read that got an answer). */
  private suggested = false;
  /** The number of the last read asked: an answer to an older one is dropped. */
  private reads = 0;
  /** A read of the first page asked by live events, at most one a second. */
  private reread: ReturnType<typeof setTimeout> | undefined;
  private readonly live = new LiveController(this, {
    base: () => apiBase(this.api),
    load: () => this.load(null),
    // A call recorded anywhere may belong on the first page: it is read again, once a second at
    // most however many calls end (an older page, once more was read, stays as it is).
    events: {
      history: () => {
        if (this.items.length > 50 || this.reread !== undefined) return;
        this.reread = setTimeout(() => {
          this.reread = undefined;
          void this.load(null);
        }, 1000);
      },
    },
  });

  constructor() {
    super();
    this.api = undefined;
    this.campaign = undefined;
    this.campaigns = [];
    this.items = [];
    this.nextCursor = null;
    this.filters = { ...NO_FILTERS };
    this.query = '';
    this.error = '';
    this.fieldError = null;
    this.loading = false;
  }

  static override styles = [
    shared,
    table,
    css`
      form {
        display: flex;
        flex-wrap: wrap;
        align-items: end;
        gap: 0.75rem;
        margin-bottom: 1rem;
      }
      form > div {
        flex: 1 1 10rem;
      }
      .table {
        overflow-x: auto;
      }
      th,
      td {
        white-space: nowrap;
      }
      /* The start may wrap, so that every column fits a wide screen without scrolling. */
      td:first-child {
        white-space: normal;
        min-width: 7.5rem;
      }
      th {
        font-size: 0.8125rem;
        color: var(--_muted);
      }
      .actions {
        display: flex;
        gap: 0.75rem;
        align-items: center;
        margin-top: 0.75rem;
      }
    `,
  ];

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.reread);
    this.reread = undefined;
  }

  /** A `campaign` set from outside filters the log to its calls, read again. */
  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('campaign') || (this.campaign ?? '') === this.filters.campaign) return;
    this.filters = { ...this.filters, campaign: this.campaign ?? '' };
    const read = logQuery(this.filters);
    if ('query' in read) this.query = read.query;
    if (this.isConnected) void this.load(null);
  }

  /**
   * Reads the first page of the filters applied (`cursor` null), or the page after `cursor`. Of
   * reads that overlap, only the last asked is shown: a slow answer to older filters never
   * replaces the page of newer ones.
   */
  private async load(cursor: string | null) {
    const read = ++this.reads;
    this.loading = true;
    if (!this.suggested) void this.suggestCampaigns();
    try {
      const params = new URLSearchParams(this.query);
      params.set('limit', '50');
      if (cursor) params.set('cursor', cursor);
      const page = await request<Page<CallRecordJson>>(apiBase(this.api), `/api/calls?${params}`);
      if (read !== this.reads) return;
      this.items = cursor ? [...this.items, ...page.items] : page.items;
      this.nextCursor = page.next_cursor;
      this.error = '';
      this.fieldError = null;
    } catch (error) {
      if (read !== this.reads) return;
      const issue = error instanceof ApiRequestError ? error.issues[0] : undefined;
      const field = issue?.path[0];
      if (typeof field === 'string' && field in NO_FILTERS) {
        this.fieldError = { field: field as keyof LogFilters, message: issue!.message };
      } else {
        this.error = error instanceof Error ? error.message : String(error);
      }
      emit(this, 'rk-error', errorDetail(error));
    } finally {
      if (read === this.reads) this.loading = false;
    }
  }

  /** The newest campaigns' names, for the campaign filter's suggestions (none when refused). */
  private async suggestCampaigns() {
    try {
      const page = await request<Page<CampaignJson>>(
        apiBase(this.api),
        '/api/campaigns?limit=100&archived=1',
      );
      this.campaigns = page.items.map((c) => c.id);
      this.suggested = true;
    } catch {
      // Suggestions only: the filter takes any name typed.
    }
  }

  private apply(event: SubmitEvent) {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    const filters = Object.fromEntries(
      Object.keys(NO_FILTERS).map((key) => [key, String(data.get(key) ?? '')]),
    ) as unknown as LogFilters;
    this.filters = filters;
    const read = logQuery(filters);
    if ('field' in read) {
      this.fieldError = { field: read.field, message: 'Enter a date and a time.' };
      return;
    }
    this.query = read.query;
    void this.load(null);
  }

  private async download(event: MouseEvent) {
    try {
      await downloadWithToken(event, 'calls.csv');
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  private field(key: keyof LogFilters, label: string, input: unknown) {
    const error = this.fieldError?.field === key ? this.fieldError.message : '';
    return html`<div>
      <label for="log-${key}">${label}</label>
      ${input} ${error ? html`<p class="error" id="log-${key}-error">${error}</p>` : nothing}
    </div>`;
  }

  private invalid(key: keyof LogFilters) {
    return this.fieldError?.field === key ? 'true' : 'false';
  }

  override render() {
    const f = this.filters;
    const csv = `${apiBase(this.api)}/api/calls.csv${this.query ? `?${this.query}` : ''}`;
    return html`
      <section class="card" aria-labelledby="log-heading">
        <h2 id="log-heading">Every call</h2>
        <form
          part="filters"
          aria-label="Filter the calls"
          @submit=${(e: SubmitEvent) => this.apply(e)}
        >
          ${this.field(
            'direction',
            'Direction',
            html`<select id="log-direction" name="direction" .value=${f.direction}>
              <option value="">Both</option>
              <option value="outbound">Outbound</option>
              <option value="inbound">Inbound</option>
            </select>`,
          )}
          ${this.field(
            'outcome',
            'Outcome',
            html`<select id="log-outcome" name="outcome" .value=${f.outcome}>
              <option value="">Any</option>
              ${Object.keys(LOG_OUTCOMES).map(
                (outcome) =>
                  html`<option value=${outcome}>
                    ${OUTCOME_WORDS[outcome as keyof typeof LOG_OUTCOMES]}
                  </option>`,
              )}
            </select>`,
          )}
          ${this.field(
            'since',
            'From',
            html`<input
              id="log-since"
              name="since"
              type="datetime-local"
              .value=${f.since}
              aria-invalid=${this.invalid('since')}
              aria-describedby="log-since-error"
            />`,
          )}
          ${this.field(
            'until',
            'Until',
            html`<input
              id="log-until"
              name="until"
              type="datetime-local"
              .value=${f.until}
              aria-invalid=${this.invalid('until')}
              aria-describedby="log-until-error"
            />`,
          )}
          ${this.field(
            'phone',
            'Number',
            html`<input
              id="log-phone"
              name="phone"
              type="tel"
              .value=${f.phone}
              aria-invalid=${this.invalid('phone')}
              aria-describedby="log-phone-error"
            />`,
          )}
          ${this.field(
            'campaign',
            'Campaign',
            html`<input
                id="log-campaign"
                name="campaign"
                list="log-campaigns"
                autocomplete="off"
                .value=${f.campaign}
                aria-invalid=${this.invalid('campaign')}
                aria-describedby="log-campaign-error"
              />
              <datalist id="log-campaigns">
                ${this.campaigns.map((name) => html`<option value=${name}></option>`)}
              </datalist>`,
          )}
          <button type="submit" class="primary" part="apply">Filter calls</button>
        </form>
        ${this.error ? html`<p class="notice" role="alert">${this.error}</p>` : nothing}
        ${
          this.items.length === 0 && !this.loading
            ? html`<p class="muted" part="empty" data-testid="empty">
                ${this.query ? 'No call matches these filters.' : 'No call yet.'}
              </p>`
            : this.renderTable()
        }
        <div class="actions">
          ${
            this.nextCursor
              ? html`<button part="more" @click=${() => this.load(this.nextCursor)}>
                  Older calls
                </button>`
              : nothing
          }
          <a
            part="download"
            href=${csv}
            download="calls.csv"
            @click=${(e: MouseEvent) => this.download(e)}
            >Download CSV</a
          >
        </div>
      </section>
    `;
  }

  private renderTable() {
    const number = (phone: string) =>
      html`<a href="/calls/${encodeURIComponent(phone)}">${formatPhone(phone)}</a>`;
    return html`<div class="table">
      <table part="table">
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Direction</th>
            <th scope="col">From</th>
            <th scope="col">To</th>
            <th scope="col">Outcome</th>
            <th scope="col">Duration</th>
            <th scope="col">Campaign</th>
          </tr>
        </thead>
        <tbody>
          ${this.items.map((r) => {
            const outcome = recordOutcome(r);
            return html`<tr part="row" data-id=${r.id} data-outcome=${outcome.key}>
              <td>${formatDateTime(r.started_at)}</td>
              <td>${r.direction === 'inbound' ? 'Inbound' : 'Outbound'}</td>
              <td>${number(r.from)}</td>
              <td>${number(r.to)}</td>
              <td>${outcome.word}</td>
              <td>${formatDuration(r.duration)}</td>
              <td>
                ${
                  r.campaign === null
                    ? nothing
                    : html`<a href="/calls?campaign=${encodeURIComponent(r.campaign)}"
                        >${r.campaign}</a
                      >`
                }
              </td>
            </tr>`;
          })}
        </tbody>
      </table>
    </div>`;
  }
}
