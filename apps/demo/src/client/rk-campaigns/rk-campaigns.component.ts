import { LitElement, html, nothing, type PropertyDeclarations } from 'lit';
import { ApiRequestError, apiBase, apiToken, request } from '../api.js';
import { LiveController } from '../controllers/live.js';
import { emit, errorDetail } from '../events.js';
import { OUTCOME_WORDS } from '../history-type.js';
import '../rk-campaign-entries/rk-campaign-entries.js';
import '../rk-confirm/rk-confirm.js';
import type { CampaignJson, Page } from '../types.js';
import { styles } from './rk-campaigns.styles.js';

/** The progress figures shown for each campaign, in order, with their labels (outcomes in their one word). */
const FIGURES = [
  ['dialed', 'dialed'],
  ['live', 'live'],
  ['completed', OUTCOME_WORDS.completed.toLowerCase()],
  ['missed', OUTCOME_WORDS.missed.toLowerCase()],
  ['unknown', OUTCOME_WORDS.unknown.toLowerCase()],
  ['canceled', OUTCOME_WORDS.canceled.toLowerCase()],
] as const;

const ENDED_STATES: ReadonlySet<string> = new Set(['done', 'stopped']);
const ended = (c: CampaignJson) =>
  c.progress.completed + c.progress.missed + c.progress.unknown + c.progress.canceled;
/** Every entry has ended: the campaign may be archived. */
const finished = (c: CampaignJson) =>
  c.state === 'done' || (c.state === 'stopped' && ended(c) === c.total);
const count = new Intl.NumberFormat();
const calls = (n: number) => `${count.format(n)} ${n === 1 ? 'call' : 'calls'}`;

/**
 * `<rk-campaigns api="http://host:4000">`: the server's campaigns, newest first, each with its
 * live progress, Pause, Resume and Stop (asked first), its entries (paged, filtered by status),
 * its results as a CSV download, and Archive once it is done (archived ones are shown on
 * demand); and a form that creates one from pasted numbers (one per line, `phone[,say]`) or a
 * CSV file. Every list and file is read by the server: the page only sends it.
 *
 * @fires rk-campaign-created - a campaign was created; `detail: { campaign }`
 * @fires rk-error - a request failed; `detail: { message, code, status }`
 * @csspart form - the create form; `button create` its button
 * @csspart list - the list of campaigns; `campaign` each one; `progress` its bar; `figures` its
 *   counts; `button pause`, `button resume`, `button stop`, `button entries`, `button archive`
 *   its buttons; `download` its CSV link; `dialog` the confirmation
 * @cssproperty --rk-color-accent - and the other `--rk-*` properties of the shared styles
 */
export class RkCampaignsElement extends LitElement {
  static override properties: PropertyDeclarations = {
    api: { type: String },
    campaigns: { state: true },
    busy: { state: true },
    error: { state: true },
    formError: { state: true },
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
  declare protected formError: string;
  declare protected announcement: string;
  /** The campaigns whose entries are shown. */
  declare protected expanded: ReadonlySet<string>;
  /** Archived campaigns are listed too. */
  declare protected showArchived: boolean;

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
    this.formError = '';
    this.announcement = '';
    this.expanded = new Set();
    this.showArchived = false;
  }

  static override styles = styles;

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

  private fail(error: unknown, where: 'list' | 'form' = 'list') {
    const message = (error as Error).message;
    if (where === 'form') this.formError = message;
    else this.error = message;
    emit(this, 'rk-error', errorDetail(error));
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
    if (known && known.state !== campaign.state && campaign.state === 'done') {
      this.announcement = `Campaign ${campaign.id} is done: ${campaign.progress.completed} of ${campaign.total} completed.`;
    }
  }

  /** Stop asks first, saying how many calls it ends: it cannot be undone. */
  private async confirmStop(campaign: CampaignJson) {
    const { dialed, live } = campaign.progress;
    const left = campaign.total - dialed;
    const running = live > 0 ? ` The ${calls(live)} under way go on to their end.` : '';
    const confirmed = await this.renderRoot.querySelector('rk-confirm')!.ask({
      title: `Stop campaign ${campaign.id}?`,
      message: `This ends ${calls(left)} not yet placed; it cannot be undone.${running}`,
      confirm: 'Stop campaign',
      keep: 'Keep it running',
    });
    if (confirmed) await this.act(campaign, 'stop');
  }

  private async act(campaign: CampaignJson, action: 'pause' | 'resume' | 'stop' | 'archive') {
    this.busy = campaign.id;
    try {
      const path = `/api/campaigns/${encodeURIComponent(campaign.id)}/${action}`;
      this.upsert(await request<CampaignJson>(this.base, path, { method: 'POST' }));
      this.error = '';
      const done = { stop: 'stopped', pause: 'paused', resume: 'resumed', archive: 'archived' };
      this.announcement = `Campaign ${campaign.id} ${done[action]}.`;
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
    const pasted = String(data.get('numbers') ?? '');
    const content = file instanceof File && file.size > 0 ? await file.text() : pasted;
    if (content.trim() === '') {
      this.formError = 'Paste the numbers to call, or choose a CSV file.';
      return;
    }
    const query = new URLSearchParams();
    const name = String(data.get('name') ?? '').trim();
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
      this.formError = '';
      form.reset();
      this.announcement = `Campaign ${campaign.id} created: ${campaign.total} numbers.`;
      emit(this, 'rk-campaign-created', { campaign });
    } catch (error) {
      this.fail(error, 'form');
    } finally {
      this.busy = null;
    }
  }

  /**
   * With an API token, a plain link would be refused (it cannot send the header): the file is
   * fetched with it and saved from memory.
   */
  private async download(event: MouseEvent, campaign: CampaignJson) {
    const token = apiToken();
    if (!token) return;
    event.preventDefault();
    try {
      const link = event.currentTarget as HTMLAnchorElement;
      const response = await fetch(link.href, { headers: { authorization: `Bearer ${token}` } });
      if (!response.ok) throw new Error(`The server answered ${response.status}`);
      const url = URL.createObjectURL(await response.blob());
      const save = document.createElement('a');
      save.href = url;
      save.download = `${campaign.id}-results.csv`;
      save.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      this.fail(error);
    }
  }

  private renderForm() {
    const busy = this.busy === 'form';
    return html`
      <form part="form" @submit=${(e: SubmitEvent) => this.create(e)} novalidate>
        <h3 id="create-heading">New campaign</h3>
        <div class="row">
          <div>
            <label for="name">Name <span class="muted">(optional)</span></label>
            <input id="name" name="name" autocomplete="off" maxlength="100" />
          </div>
          <div>
            <label for="concurrency">Calls at once</label>
            <input id="concurrency" name="concurrency" type="number" min="1" max="100" value="3" />
          </div>
        </div>
        <label for="numbers">Numbers</label>
        <textarea
          id="numbers"
          name="numbers"
          rows="5"
          aria-describedby="numbers-hint"
          aria-invalid=${this.formError ? 'true' : 'false'}
          placeholder="+13018040009&#10;+19842068287"
        ></textarea>
        <p class="hint" id="numbers-hint">
          One per line, in the order to call them; <code>phone,say</code> where the provider can
          speak.
        </p>
        <label for="file">Or a CSV file <span class="muted">(phone[,say])</span></label>
        <input id="file" name="file" type="file" accept=".csv,text/csv" />
        ${
          this.formError
            ? html`<p class="error" role="alert" id="form-error">${this.formError}</p>`
            : nothing
        }
        <button class="primary" part="button create" type="submit" ?disabled=${busy}>
          ${busy ? 'Creating…' : 'Create campaign'}
        </button>
      </form>
    `;
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

  private renderCampaign(campaign: CampaignJson) {
    const done = ended(campaign);
    const expanded = this.expanded.has(campaign.id);
    const busy = this.busy === campaign.id;
    const open = campaign.state === 'running' || campaign.state === 'paused';
    const id = encodeURIComponent(campaign.id);
    return html`
      <li class="campaign" part="campaign" data-id=${campaign.id} data-state=${campaign.state}>
        <div class="head">
          <h3>${campaign.id}</h3>
          <span class="badge" data-state=${campaign.state}>${campaign.state}</span>
          ${campaign.archived_at ? html`<span class="badge" data-archived>archived</span>` : nothing}
        </div>
        <progress
          part="progress"
          max=${campaign.total}
          .value=${done}
          aria-label="${campaign.id}: ${done} of ${campaign.total} ended"
        ></progress>
        <p class="muted total" data-testid="ended">${done} of ${campaign.total} ended</p>
        <dl class="figures" part="figures">
          ${FIGURES.map(
            ([key, label]) =>
              html`<div data-figure=${key}>
                <dt>${label}</dt>
                <dd>${campaign.progress[key]}</dd>
              </div>`,
          )}
        </dl>
        <div class="actions">
          ${
            campaign.state === 'paused'
              ? html`<button
                  class="small"
                  part="button resume"
                  ?disabled=${busy}
                  aria-label="Resume ${campaign.id}"
                  @click=${() => this.act(campaign, 'resume')}
                >
                  Resume
                </button>`
              : html`<button
                  class="small"
                  part="button pause"
                  ?disabled=${busy || campaign.state !== 'running'}
                  aria-label="Pause ${campaign.id}"
                  @click=${() => this.act(campaign, 'pause')}
                >
                  Pause
                </button>`
          }
          <button
            class="small danger"
            part="button stop"
            ?disabled=${busy || !open}
            aria-label="Stop ${campaign.id}"
            @click=${() => this.confirmStop(campaign)}
          >
            Stop
          </button>
          <button
            class="small"
            part="button entries"
            aria-expanded=${expanded ? 'true' : 'false'}
            aria-controls="entries-${id}"
            @click=${() => this.toggleEntries(campaign.id)}
          >
            ${expanded ? 'Hide entries' : 'Show entries'}<span class="sr-only">
              of ${campaign.id}</span
            >
          </button>
          ${
            finished(campaign) && !campaign.archived_at
              ? html`<button
                  class="small"
                  part="button archive"
                  ?disabled=${busy}
                  aria-label="Archive ${campaign.id}"
                  @click=${() => this.act(campaign, 'archive')}
                >
                  Archive
                </button>`
              : nothing
          }
          <a
            part="download"
            href="${this.base}/api/campaigns/${id}/results.csv"
            download="${campaign.id}-results.csv"
            @click=${(e: MouseEvent) => this.download(e, campaign)}
            >Download results (CSV)<span class="sr-only"> of ${campaign.id}</span></a
          >
        </div>
        ${
          expanded
            ? html`<rk-campaign-entries
                id="entries-${id}"
                exportparts="entries, entry, more"
                .api=${this.api}
                .campaign=${campaign.id}
              ></rk-campaign-entries>`
            : nothing
        }
      </li>
    `;
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
        <label class="archived">
          <input
            type="checkbox"
            data-show-archived
            .checked=${this.showArchived}
            @change=${(e: Event) => this.toggleArchived(e)}
          />
          Show archived campaigns
        </label>
        ${
          campaigns.length === 0
            ? html`<p class="muted" data-testid="empty">No campaign yet.</p>`
            : html`<ul part="list" aria-label="Campaigns">
                ${campaigns.map((c) => this.renderCampaign(c))}
              </ul>`
        }
        <div class="sr-only" role="status" aria-live="polite">${this.announcement}</div>
        <rk-confirm exportparts="dialog"></rk-confirm>
      </section>
    `;
  }
}
