import { LitElement, html, nothing, type PropertyDeclarations, type PropertyValues } from 'lit';
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
import '../rk-campaign-agents/rk-campaign-agents.js';
import '../rk-campaign-entries/rk-campaign-entries.js';
import '../rk-confirm/rk-confirm.js';
import type { ApiLimitsJson, CampaignJson, Page } from '../types.js';
import {
  CAMPAIGN_FIELDS,
  CAMPAIGN_LEADS,
  campaignField,
  checkCampaignForm,
  modeQuery,
  type CampaignField,
  type ModeChoice,
} from './campaign-form.js';
import { campaignForm } from './campaign-form-view.js';
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

const utf8 = new TextEncoder();

/**
 * `<rk-campaigns api="http://host:4000">`: the server's campaigns, newest first, each with its
 * live progress, Pause, Resume and Stop (asked first), its entries (paged, filtered by status),
 * its results as a CSV download, and once done Archive (archived ones shown on demand) and Dial
 * again (asked first) its missed numbers; a campaign with agents also shows its abandon rate
 * against its cap and its agents' occupancy, live (`<rk-campaign-agents>`), and links its
 * compliance report. A form creates one from pasted numbers (one per line, `phone[,say]`) or a
 * CSV file, its calls placed with nobody behind them (power) or put through to agents
 * (progressive, predictive, a fixed ratio: then with the seller's name and callback number a
 * person no agent takes in time hears). Every list and file is read by the server. The form
 * says the server's rules beside its fields (the name's, the limits of `GET /api/capabilities`,
 * and the `say` column only where the provider can speak), checks what it can before sending,
 * and shows each refusal under the field it is about.
 *
 * @fires rk-campaign-created - a campaign was created; `detail: { campaign }`
 * @fires rk-error - a request failed; `detail: { message, code, status }`
 * @csspart form - the create form; `button create` its button
 * @csspart list - the list of campaigns; `campaign` each one; `progress` its bar; `figures` its
 *   counts, `unknown` its word on them; `button pause`, `resume`, `stop`, `entries`, `archive`,
 *   `again` its buttons; `calls` its link to the call log; `download` its CSV link, `compliance`
 *   its compliance report's (with agents); `standing`, `rate`, `occupancy`, `chart` its
 *   `<rk-campaign-agents>` (with agents); `dialog` the confirmation
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
    mode: { state: true },
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
  /** The form's mode: the fields of an agent mode are shown with it. */
  declare protected mode: ModeChoice;
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
    this.mode = 'power';
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
    const first = CAMPAIGN_FIELDS.find((f) => errors[f]);
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
    for (const [key, value] of modeQuery(data)) query.set(key, value);
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
      this.mode = 'power';
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
   * fetched with it and saved from memory, under the link's `download` name.
   */
  private async download(event: MouseEvent) {
    try {
      await downloadWithToken(event, (event.currentTarget as HTMLAnchorElement).download);
    } catch (error) {
      this.fail(error);
    }
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
        ${campaignForm({
          busy: this.busy === 'form',
          errors: this.formErrors,
          listFrom: this.listFrom,
          speaks: this.speaks,
          limits: this.limits,
          mode: this.mode,
          submit: (e) => this.create(e),
          modeChanged: (mode) => {
            this.mode = mode;
          },
        })}
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
                    download: (e) => this.download(e),
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
