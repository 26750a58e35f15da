import { LitElement, html, nothing, type PropertyDeclarations } from 'lit';
import { ApiRequestError, apiBase, apiToken, request } from '../api.js';
import { LiveController } from '../controllers/live.js';
import { emit, errorDetail } from '../events.js';
import { OUTCOME_WORDS } from '../history-type.js';
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
  ['suppressed', OUTCOME_WORDS.suppressed.toLowerCase()],
] as const;

const ENDED_STATES: ReadonlySet<string> = new Set(['done', 'stopped']);
const ended = (c: CampaignJson) =>
  c.progress.completed +
  c.progress.missed +
  c.progress.unknown +
  c.progress.canceled +
  c.progress.suppressed;

/**
 * `<rk-campaigns api="http://host:4000">`: the server's campaigns, newest first, each with its
 * live progress, Pause, Resume and Stop, and its results as a CSV download; and a form that
 * creates one from pasted numbers (one per line, `phone[,say]`) or a CSV file. Every list and
 * file is read by the server: the page only sends it.
 *
 * @fires rk-campaign-created - a campaign was created; `detail: { campaign }`
 * @fires rk-error - a request failed; `detail: { message, code, status }`
 * @csspart form - the create form; `button create` its button
 * @csspart list - the list of campaigns; `campaign` each one; `progress` its bar; `figures` its
 *   counts; `button pause`, `button resume`, `button stop` its buttons; `download` its CSV link
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
  };

  /** The API's base URL; same origin when left out. */
  declare api: string | undefined;
  declare protected campaigns: ReadonlyMap<string, CampaignJson>;
  /** The campaign (or `'form'`) whose request is under way. */
  declare protected busy: string | null;
  declare protected error: string;
  declare protected formError: string;
  declare protected announcement: string;

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
  }

  static override styles = styles;

  private get base() {
    return apiBase(this.api);
  }

  /** Reloads the campaigns from the API. */
  async load(): Promise<void> {
    try {
      const page = await request<Page<CampaignJson>>(this.base, '/api/campaigns?limit=50');
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
    // A campaign's figures only grow, and one that is done or stopped never runs again: an
    // event older than what is shown changes nothing.
    if (known && ENDED_STATES.has(known.state) && !ENDED_STATES.has(campaign.state)) return;
    if (known && ended(known) > ended(campaign) && known.state === campaign.state) return;
    this.campaigns = new Map(this.campaigns).set(campaign.id, campaign);
    if (known && known.state !== campaign.state && campaign.state === 'done') {
      this.announcement = `Campaign ${campaign.id} is done: ${campaign.progress.completed} of ${campaign.total} completed.`;
    }
  }

  private async act(campaign: CampaignJson, action: 'pause' | 'resume' | 'stop') {
    this.busy = campaign.id;
    try {
      const path = `/api/campaigns/${encodeURIComponent(campaign.id)}/${action}`;
      this.upsert(await request<CampaignJson>(this.base, path, { method: 'POST' }));
      this.error = '';
      this.announcement = `Campaign ${campaign.id} ${action === 'stop' ? 'stopped' : action === 'pause' ? 'paused' : 'resumed'}.`;
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

  private renderCampaign(campaign: CampaignJson) {
    const done = ended(campaign);
    const busy = this.busy === campaign.id;
    const open = campaign.state === 'running' || campaign.state === 'paused';
    const id = encodeURIComponent(campaign.id);
    return html`
      <li class="campaign" part="campaign" data-id=${campaign.id} data-state=${campaign.state}>
        <div class="head">
          <h3>${campaign.id}</h3>
          <span class="badge" data-state=${campaign.state}>${campaign.state}</span>
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
            @click=${() => this.act(campaign, 'stop')}
          >
            Stop
          </button>
          <a
            part="download"
            href="${this.base}/api/campaigns/${id}/results.csv"
            download="${campaign.id}-results.csv"
            @click=${(e: MouseEvent) => this.download(e, campaign)}
            >Download results (CSV)<span class="sr-only"> of ${campaign.id}</span></a
          >
        </div>
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
        ${
          campaigns.length === 0
            ? html`<p class="muted" data-testid="empty">No campaign yet.</p>`
            : html`<ul part="list" aria-label="Campaigns">
                ${campaigns.map((c) => this.renderCampaign(c))}
              </ul>`
        }
        <div class="sr-only" role="status" aria-live="polite">${this.announcement}</div>
      </section>
    `;
  }
}
