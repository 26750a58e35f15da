import { LitElement, html, nothing, type PropertyDeclarations, type PropertyValues } from 'lit';
import { CAMPAIGN_NAME_MAX, CAMPAIGN_NAME_RULE } from '../../campaign-name.js';
import {
  ApiRequestError,
  apiBase,
  downloadWithToken,
  fieldErrors,
  onApiTokenChange,
  request,
  type FieldErrors,
} from '../api.js';
import { apiLimits, callOptions } from '../capabilities.js';
import { LiveController } from '../controllers/live.js';
import { TickerController } from '../controllers/ticker.js';
import { emit, errorDetail } from '../events.js';
import { formatBytes, formatCount } from '../format.js';
import '../rk-campaign-entries/rk-campaign-entries.js';
import '../rk-confirm/rk-confirm.js';
import type { ApiLimitsJson, CampaignJson, Page } from '../types.js';
import {
  CAMPAIGN_LEADS,
  campaignField,
  checkCampaignForm,
  type CampaignField,
} from './campaign-form.js';
import {
  actionDone,
  archivedToggle,
  campaignCard,
  ended,
  LiveQuestion,
  type CampaignAction,
} from './campaign-card.js';
import { styles } from './rk-campaigns.styles.js';

const ENDED_STATES: ReadonlySet<string> = new Set(['done', 'stopped']);

/** The ids a field's `aria-describedby` names: its hint, and its error when it has one. */
const describedBy = (id: string, error: string | undefined) =>
  error ? `${id}-hint ${id}-error` : `${id}-hint`;

const utf8 = new TextEncoder();

/**
 * `<rk-campaigns api="http://host:4000">`: the server's campaigns, newest first, each with its
 * live progress, Pause, Resume and Stop (asked first), its entries (paged, filtered by status),
 * its results as a CSV download, and once done Archive (archived ones shown on demand) and Dial
 * again (asked first) its missed numbers; and a form that creates one from pasted numbers (one
 * per line, `phone[,say]`) or a CSV file. Every list and file is read by the server. The form
 * says the server's rules beside its fields (the name's, the limits of `GET /api/capabilities`,
 * and the `say` column only where the provider can speak), checks what it can before sending,
 * and shows each refusal under the field it is about.
 *
 * @fires rk-campaign-created - a campaign was created; `detail: { campaign }`
 * @fires rk-error - a request failed; `detail: { message, code, status }`
 * @csspart form - the create form; `button create` its button
 * @csspart list - the list of campaigns; `campaign` each one; `progress` its bar; `figures` its
 *   counts, `unknown` its word on them; `button pause`, `resume`, `stop`, `entries`, `archive`,
 *   `again` its buttons; `calls` its link to the call log; `download` its CSV link; `dialog` the confirmation
 * @cssproperty --rk-color-accent - and the other `--rk-*` properties of the shared styles
 */
export class RkCampaignsElement extends LitElement {
  static override properties: PropertyDeclarations = {
    api: { type: String },
    campaigns: { state: true },
    busy: { state: true },
    error: { state: true },
    formErrors: { state: true },
    listFrom: { state: true },
    speaks: { state: true },
    limits: { state: true },
    announcement: { state: true },
    expanded: { state: true },
    showArchived: { state: true },
  };

  /** The API's base URL; same origin when left out. */
  declare api: string | undefined;
  declare protected campaigns: ReadonlyMap<string, CampaignJson>;
  /** The campaign (or `'form'`) whose request is under way. */
  declare protected busy: string | null;
  declare protected error: string;
  /** The form's refusals, by field (`list`: the numbers or the file), `form` for the rest. */
  declare protected formErrors: FieldErrors<CampaignField>;
  /** Where the list of the last try came from: its refusals are shown there. */
  declare protected listFrom: 'numbers' | 'file';
  /** The provider can speak: the `say` column is offered. */
  declare protected speaks: boolean;
  /** The server's limits, shown at the form; `null` until known (or from an older server). */
  declare protected limits: ApiLimitsJson | null;
  declare protected announcement: string;
  /** The campaigns whose entries are shown. */
  declare protected expanded: ReadonlySet<string>;
  /** Archived campaigns are listed too. */
  declare protected showArchived: boolean;
  /** The confirmation before a stop or a redial, its figures live while it is open. */
  private readonly question = new LiveQuestion(() => this.renderRoot.querySelector('rk-confirm'));

  /** Counts down a wait for another worker's lease, every second while one is shown. */
  protected readonly ticker = new TickerController(this, () =>
    [...this.campaigns.values()].some((c) => c.lease_wait),
  );

  private readonly live = new LiveController(this, {
    base: () => this.base,
    load: () => this.load(),
    events: { campaign: (data) => this.upsert(data as CampaignJson) },
  });

  constructor() {
    super();
    this.api = undefined;
    this.campaigns = new Map();
    this.busy = null;
    this.error = '';
    this.formErrors = {};
    this.listFrom = 'numbers';
    this.speaks = false;
    this.limits = null;
    this.announcement = '';
    this.expanded = new Set();
    this.showArchived = false;
  }

  static override styles = styles;

  private offToken: (() => void) | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    // A server with API_TOKEN says what it honours only once the page has its token.
    this.offToken = onApiTokenChange(() => this.askCapabilities());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.offToken?.();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('api') || !this.hasUpdated) this.askCapabilities();
  }

  private askCapabilities() {
    const base = this.base;
    void Promise.all([callOptions(base), apiLimits(base)]).then(([options, limits]) => {
      if (this.base !== base) return;
      this.speaks = options.includes('message');
      this.limits = limits;
    });
  }

  private get base() {
    return apiBase(this.api);
  }

  /** Reloads the campaigns from the API. */
  async load(): Promise<void> {
    try {
      const page = await request<Page<CampaignJson>>(
        this.base,
        `/api/campaigns?limit=50${this.showArchived ? '&archived=1' : ''}`,
      );
      this.campaigns = new Map(page.items.map((c) => [c.id, c]));
      this.error = '';
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown) {
    this.error = (error as Error).message;
    emit(this, 'rk-error', errorDetail(error));
  }

  /** Shows `errors` under their fields, and moves the focus to the first. */
  private showFormErrors(errors: FieldErrors<CampaignField>) {
    this.formErrors = errors;
    const first = (['name', 'concurrency', 'list'] as const).find((f) => errors[f]);
    if (!first) return;
    const id = first === 'list' ? this.listFrom : first;
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLElement>(`#${id}`)?.focus(),
    );
  }

  private upsert(campaign: CampaignJson) {
    const known = this.campaigns.get(campaign.id);
    if (campaign.archived_at && !this.showArchived) {
      if (known) {
        const campaigns = new Map(this.campaigns);
        campaigns.delete(campaign.id);
        this.campaigns = campaigns;
      }
      return;
    }
    // A campaign's figures only grow, and one that is done or stopped never runs again: an
    // event older than what is shown changes nothing.
    if (known && ENDED_STATES.has(known.state) && !ENDED_STATES.has(campaign.state)) return;
    if (known && ended(known) > ended(campaign) && known.state === campaign.state) return;
    this.campaigns = new Map(this.campaigns).set(campaign.id, campaign);
    this.question.moved(campaign);
    if (known && known.state !== campaign.state && campaign.state === 'done') {
      this.announcement = `Campaign ${campaign.id} is done: ${campaign.progress.completed} of ${campaign.total} completed.`;
    }
  }

  /** Runs a card's action, once confirmed where it asks first (see `questionFor`). */
  private async act(campaign: CampaignJson, action: CampaignAction) {
    if (!(await this.question.ask(campaign, action))) return;
    this.busy = campaign.id;
    try {
      const path = `/api/campaigns/${encodeURIComponent(campaign.id)}/${action}`;
      const answer = await request<CampaignJson>(this.base, path, { method: 'POST' });
      this.upsert(answer);
      this.error = '';
      this.announcement = actionDone(action, campaign, answer);
      if (action === 'again') emit(this, 'rk-campaign-created', { campaign: answer });
    } catch (error) {
      this.fail(error);
      if (error instanceof ApiRequestError && error.status === 409) await this.live.reload();
    } finally {
      this.busy = null;
    }
  }

  private async create(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const file = data.get('file');
    const fromFile = file instanceof File && file.size > 0;
    const content = fromFile ? await file.text() : String(data.get('numbers') ?? '');
    const name = String(data.get('name') ?? '').trim();
    const bytes = fromFile ? file.size : utf8.encode(content).length;
    this.listFrom = fromFile ? 'file' : 'numbers';
    const problems = checkCampaignForm({ name, content, bytes, fromFile }, this.limits);
    if (Object.keys(problems).length > 0) {
      this.showFormErrors(problems);
      return;
    }
    const query = new URLSearchParams();
    if (name) query.set('name', name);
    const concurrency = String(data.get('concurrency') ?? '').trim();
    if (concurrency) query.set('concurrency', concurrency);
    this.busy = 'form';
    try {
      const campaign = await request<CampaignJson>(
        this.base,
        `/api/campaigns${query.size > 0 ? `?${query.toString()}` : ''}`,
        { method: 'POST', text: { content, type: 'text/csv' } },
      );
      this.upsert(campaign);
      this.formErrors = {};
      form.reset();
      this.announcement = `Campaign ${campaign.id} created: ${campaign.total} numbers.`;
      emit(this, 'rk-campaign-created', { campaign });
    } catch (error) {
      this.showFormErrors(fieldErrors(error, campaignField, CAMPAIGN_LEADS));
      emit(this, 'rk-error', errorDetail(error));
    } finally {
      this.busy = null;
    }
  }

  /**
   * With an API token, a plain link would be refused (it cannot send the header): the file is
   * fetched with it and saved from memory.
   */
  private async download(event: MouseEvent, campaign: CampaignJson) {
    try {
      await downloadWithToken(event, `${campaign.id}-results.csv`);
    } catch (error) {
      this.fail(error);
    }
  }

  /** A field's error, under it and named by its `aria-describedby`. */
  private fieldError(id: string, error: string | undefined) {
    return error ? html`<p class="error" id="${id}-error">${error}</p>` : nothing;
  }

  /** What the list may hold: one number per line, the `say` column where the provider speaks. */
  private renderListHint() {
    const { limits, speaks } = this;
    return html`<p class="hint" id="numbers-hint">
      One per line, in the order to call them.
      ${
        speaks
          ? html`To give a call something to say, add it after a comma:
              <code>+13018040009,Your order is ready</code>. Put what holds a comma in double
              quotes, a quote in it twice: <code>+13018040009,"Hello, Ada ""A."" Lovelace"</code>.`
          : nothing
      }
      ${
        limits
          ? html`At most ${formatCount(limits.campaign_numbers)} numbers and
            ${formatBytes(limits.campaign_body_bytes)}.`
          : nothing
      }
    </p>`;
  }

  private renderForm() {
    const busy = this.busy === 'form';
    const errors = this.formErrors;
    const list = errors.list;
    const numbersError = this.listFrom === 'numbers' ? list : undefined;
    const fileError = this.listFrom === 'file' ? list : undefined;
    return html`
      <form part="form" @submit=${(e: SubmitEvent) => this.create(e)} novalidate>
        <h3 id="create-heading">New campaign</h3>
        <div class="row">
          <div>
            <label for="name">Name <span class="muted">(optional)</span></label>
            <input
              id="name"
              name="name"
              autocomplete="off"
              maxlength=${CAMPAIGN_NAME_MAX}
              aria-invalid=${errors.name ? 'true' : 'false'}
              aria-describedby=${describedBy('name', errors.name)}
            />
            <p class="hint" id="name-hint">
              ${CAMPAIGN_NAME_RULE[0]!.toUpperCase()}${CAMPAIGN_NAME_RULE.slice(1)}; one is made up
              when left empty.
            </p>
            ${this.fieldError('name', errors.name)}
          </div>
          <div>
            <label for="concurrency">Calls at once</label>
            <input
              id="concurrency"
              name="concurrency"
              type="number"
              min="1"
              max="100"
              value="3"
              aria-invalid=${errors.concurrency ? 'true' : 'false'}
              aria-describedby=${describedBy('concurrency', errors.concurrency)}
            />
            <p class="hint" id="concurrency-hint">1 to 100</p>
            ${this.fieldError('concurrency', errors.concurrency)}
          </div>
        </div>
        <label for="numbers">Numbers</label>
        <textarea
          id="numbers"
          name="numbers"
          rows="5"
          aria-describedby=${describedBy('numbers', numbersError)}
          aria-invalid=${numbersError ? 'true' : 'false'}
          placeholder="+13018040009&#10;+19842068287"
        ></textarea>
        ${this.renderListHint()} ${this.fieldError('numbers', numbersError)}
        <label for="file">
          Or a CSV file <span class="muted">(${this.speaks ? 'phone[,say]' : 'phone'})</span>
        </label>
        <input
          id="file"
          name="file"
          type="file"
          accept=".csv,text/csv"
          aria-describedby=${describedBy('file', fileError)}
          aria-invalid=${fileError ? 'true' : 'false'}
        />
        <p class="hint" id="file-hint">
          In UTF-8, as the box above, with or without a first line naming the columns
          (<code>${this.speaks ? 'phone,say' : 'phone'}</code>).
        </p>
        ${this.fieldError('file', fileError)}
        ${
          errors.form
            ? html`<p class="error" role="alert" id="form-error">${errors.form}</p>`
            : nothing
        }
        <button class="primary" part="button create" type="submit" ?disabled=${busy}>
          ${busy ? 'Creating…' : 'Create campaign'}
        </button>
        <div class="sr-only" role="alert">${this.formErrorsSummary()}</div>
      </form>
    `;
  }

  /** The refusals at once, for a screen reader (each is also under its field). */
  private formErrorsSummary() {
    const { name, concurrency, list } = this.formErrors;
    return [name, concurrency, list].filter(Boolean).join(' ');
  }

  private toggleEntries(id: string) {
    const expanded = new Set(this.expanded);
    if (!expanded.delete(id)) expanded.add(id);
    this.expanded = expanded;
  }

  private toggleArchived(event: Event) {
    this.showArchived = (event.target as HTMLInputElement).checked;
    void this.load();
  }

  override render() {
    const campaigns = [...this.campaigns.values()].sort((a, b) =>
      (b.created_at ?? '').localeCompare(a.created_at ?? ''),
    );
    return html`
      <section class="card" part="campaigns" aria-labelledby="campaigns-heading">
        <h2 id="campaigns-heading">Campaigns</h2>
        ${this.renderForm()}
        ${this.error ? html`<p class="notice" role="alert">${this.error}</p>` : nothing}
        ${archivedToggle(this.showArchived, (e) => this.toggleArchived(e))}
        ${
          campaigns.length === 0
            ? html`<p class="muted" data-testid="empty">No campaign yet.</p>`
            : html`<ul part="list" aria-label="Campaigns">
                ${campaigns.map((c) =>
                  campaignCard(c, {
                    busy: this.busy === c.id,
                    base: this.base,
                    api: this.api,
                    expanded: this.expanded.has(c.id),
                    act: (action) => this.act(c, action),
                    toggleEntries: () => this.toggleEntries(c.id),
                    download: (e) => this.download(e, c),
                  }),
                )}
              </ul>`
        }
        <div class="sr-only" role="status" aria-live="polite">${this.announcement}</div>
        <rk-confirm exportparts="dialog"></rk-confirm>
      </section>
    `;
  }
}
