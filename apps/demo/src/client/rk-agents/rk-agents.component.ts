import { LitElement, html, nothing, type PropertyDeclarations } from 'lit';
import { apiBase, fieldErrors, request, type FieldErrors } from '../api.js';
import { PollController } from '../controllers/poll.js';
import { emit, errorDetail } from '../events.js';
import { focusFirstError, formText } from '../form.js';
import '../rk-confirm/rk-confirm.js';
import type { AgentJson, Page } from '../types.js';
import { addForm, agentRow } from './agent-parts.js';
import {
  AGENT_LEADS,
  agentBody,
  agentField,
  agentName,
  checkAgentForm,
  STATE_WORDS,
  type AgentAction,
  type AgentField,
} from './agents.js';
import { styles } from './rk-agents.styles.js';

/** The add form's fields, in its order. */
const AGENT_FIELDS = ['id', 'name', 'reach', 'campaigns'] as const;

/**
 * `<rk-agents api="http://host:4000">`: the server's agents, the people answered calls go to: a
 * page of the roster with each agent's live state, time in that state and occupancy (talking
 * over logged-in time); a form that adds an agent (id, name, where to reach them, campaigns),
 * its refusals under its fields; and on each agent the buttons their state allows: Log in
 * (away → available), Away, Back (ends a wrap-up early), and Remove, which asks first. A refusal
 * of the server (an agent on a call: `409 agent_busy`) is said above the roster.
 *
 * It reads `GET /api/agents` again every second while the page is shown, and not at all while it
 * is hidden or the element is off the page: the agents' states move with calls that any worker
 * on the store places, and the store is the one place that sees every worker's changes (no
 * process has them all to send as events).
 *
 * @fires rk-agent-change - an agent was added, logged in or out, or removed here;
 *   `detail: { id, agent }` (`agent` `null` once removed)
 * @fires rk-error - a request failed; `detail: { message, code, status }`
 * @csspart agents - the section; `form` the add form; `table` the roster; `row` each agent;
 *   `state` and `state-<state>` their state; `action` each state button; `remove` its button;
 *   `pager` the paging buttons; `dialog` the confirmation
 * @cssproperty --rk-agent-available - the colour of `available` (and `--rk-agent-ringing`,
 *   `--rk-agent-talking`, `--rk-agent-wrap-up`, `--rk-agent-away`)
 */
export class RkAgentsElement extends LitElement {
  static override properties: PropertyDeclarations = {
    api: { type: String },
    campaign: { type: String },
    pageSize: { type: Number, attribute: 'page-size' },
    items: { state: true },
    page: { state: true },
    nextCursor: { state: true },
    loaded: { state: true },
    error: { state: true },
    actionError: { state: true },
    busy: { state: true },
    formErrors: { state: true },
    announcement: { state: true },
  };

  /** The API's base URL; same origin when left out. */
  declare api: string | undefined;
  /** Only the agents serving this campaign. */
  declare campaign: string | undefined;
  /** Agents per page (1–500). */
  declare pageSize: number;
  declare protected items: AgentJson[];
  declare protected page: number;
  declare protected nextCursor: string | null;
  /** A page was read at least once. */
  declare protected loaded: boolean;
  /** Why the roster could not be read (cleared by the next read that works). */
  declare protected error: string;
  /** Why the last change asked here was refused (cleared by the next that works). */
  declare protected actionError: string;
  /** `'add'` or the id of the agent whose change is under way. */
  declare protected busy: string | null;
  declare protected formErrors: FieldErrors<AgentField>;
  declare protected announcement: string;

  /** The cursor of each page shown so far; `null` for the first. */
  private cursors: (string | null)[] = [null];
  private controller: AbortController | undefined;
  private readonly poll = new PollController(this, { load: () => this.load() });

  constructor() {
    super();
    this.api = undefined;
    this.campaign = undefined;
    this.pageSize = 100;
    this.items = [];
    this.page = 0;
    this.nextCursor = null;
    this.loaded = false;
    this.error = '';
    this.actionError = '';
    this.busy = null;
    this.formErrors = {};
    this.announcement = '';
  }

  static override styles = styles;

  private get base() {
    return apiBase(this.api);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.controller?.abort();
  }

  override updated(changed: Map<PropertyKey, unknown>): void {
    if ((changed.has('campaign') || changed.has('api')) && this.isConnected && this.loaded) {
      this.cursors = [null];
      this.page = 0;
      void this.poll.now();
    }
  }

  /** Reads the page shown (its cursor known from the pages before it). */
  private async load(): Promise<void> {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    const size = Math.min(500, Math.max(1, Math.trunc(this.pageSize) || 100));
    const cursor = this.cursors[this.page] ?? null;
    const query = new URLSearchParams({ limit: String(size) });
    if (cursor) query.set('cursor', cursor);
    if (this.campaign) query.set('campaign', this.campaign);
    try {
      const result = await request<Page<AgentJson>>(this.base, `/api/agents?${query}`, {
        signal: controller.signal,
      });
      // A page emptied by removals goes back one.
      if (result.items.length === 0 && this.page > 0) {
        this.cursors = this.cursors.slice(0, this.page);
        this.page -= 1;
        return await this.load();
      }
      this.items = result.items;
      this.nextCursor = result.next_cursor;
      this.cursors[this.page + 1] = result.next_cursor;
      this.loaded = true;
      this.error = '';
    } catch (error) {
      if ((error as Error).name === 'AbortError') return;
      // Said once: a server that stays down is not announced again every second.
      if ((error as Error).message !== this.error) emit(this, 'rk-error', errorDetail(error));
      this.error = (error as Error).message;
    }
  }

  private go(page: number) {
    this.page = page;
    void this.poll.now().then(() => this.renderRoot.querySelector<HTMLElement>('table')?.focus());
  }

  private showFormErrors(errors: FieldErrors<AgentField>) {
    this.formErrors = errors;
    focusFirstError(this, errors, AGENT_FIELDS, 'agent-');
  }

  private async add(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const input = formText(form, AGENT_FIELDS);
    const problems = checkAgentForm(input);
    if (Object.keys(problems).length > 0) {
      this.showFormErrors(problems);
      return;
    }
    this.busy = 'add';
    try {
      const agent = await request<AgentJson>(this.base, '/api/agents', {
        method: 'POST',
        body: agentBody(input),
      });
      this.formErrors = {};
      form.reset();
      this.announcement = `${agentName(agent)} was added, away: Log in when they are ready.`;
      emit(this, 'rk-agent-change', { id: agent.id, agent });
      await this.poll.now();
    } catch (error) {
      this.showFormErrors(fieldErrors(error, agentField, AGENT_LEADS));
      emit(this, 'rk-error', errorDetail(error));
    } finally {
      this.busy = null;
    }
  }

  /** Asks the server for `action`'s state; says why when it refuses, and reads the roster again. */
  private async act(agent: AgentJson, action: AgentAction) {
    this.busy = agent.id;
    try {
      const changed = await request<AgentJson>(
        this.base,
        `/api/agents/${encodeURIComponent(agent.id)}/state`,
        { method: 'POST', body: { state: action.state } },
      );
      this.actionError = '';
      this.items = this.items.map((a) => (a.id === changed.id ? changed : a));
      this.announcement = `${agentName(changed)} is ${STATE_WORDS[changed.state].toLowerCase()}.`;
      emit(this, 'rk-agent-change', { id: changed.id, agent: changed });
    } catch (error) {
      this.actionError = `${agentName(agent)}: ${(error as Error).message}`;
      emit(this, 'rk-error', errorDetail(error));
    } finally {
      this.busy = null;
    }
    await this.poll.now();
    this.focusRow(agent.id);
  }

  /** Asks first (in `<rk-confirm>`), then removes `agent`. */
  private async askRemove(agent: AgentJson) {
    const who = agentName(agent);
    const confirmed = await this.renderRoot.querySelector('rk-confirm')!.ask({
      title: `Remove ${who}?`,
      message: 'They take no more calls, and their times go with them. This cannot be undone.',
      confirm: 'Remove',
      keep: 'Keep them',
    });
    if (!confirmed) return;
    this.busy = agent.id;
    try {
      await request(this.base, `/api/agents/${encodeURIComponent(agent.id)}`, {
        method: 'DELETE',
      });
      this.actionError = '';
      this.announcement = `${who} was removed.`;
      emit(this, 'rk-agent-change', { id: agent.id, agent: null });
    } catch (error) {
      this.actionError = `${who}: ${(error as Error).message}`;
      emit(this, 'rk-error', errorDetail(error));
    } finally {
      this.busy = null;
    }
    await this.poll.now();
    this.renderRoot.querySelector<HTMLElement>('table')?.focus();
  }

  /** The focus back on the agent's first button, which a change of state replaced. */
  private focusRow(id: string) {
    void this.updateComplete.then(() =>
      this.renderRoot
        .querySelector<HTMLElement>(`tr[data-id="${CSS.escape(id)}"] button:not(:disabled)`)
        ?.focus(),
    );
  }

  override render() {
    const paged = this.page > 0 || this.nextCursor !== null;
    const now = Date.now();
    return html`
      <section class="card" part="agents" aria-labelledby="agents-heading">
        <h2 id="agents-heading">Agents</h2>
        <p class="muted">
          The people answered calls go to. A new agent is away until they log in; their calls move
          them through ringing, talking and wrap-up.
        </p>
        ${addForm({
          errors: this.formErrors,
          busy: this.busy === 'add',
          submit: (e) => void this.add(e),
        })}
        <div role="alert">
          ${this.error ? html`<p class="notice">${this.error}</p>` : nothing}
          ${this.actionError ? html`<p class="notice">${this.actionError}</p>` : nothing}
        </div>
        ${
          this.loaded && this.items.length === 0 && this.page === 0
            ? html`<p class="muted" data-testid="empty">
                ${this.campaign ? `No agent serves ${this.campaign}.` : 'No agent yet.'}
              </p>`
            : nothing
        }
        ${
          this.items.length > 0
            ? html`<table part="table" tabindex="-1">
                <caption class="sr-only">
                  The agents, their states and occupancy
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Agent</th>
                    <th scope="col">Reach</th>
                    <th scope="col">Campaigns</th>
                    <th scope="col">State</th>
                    <th scope="col">Occupancy</th>
                    <th scope="col"><span class="sr-only">Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  ${this.items.map((agent) =>
                    agentRow(agent, {
                      now,
                      busy: this.busy === agent.id,
                      act: (a, action) => void this.act(a, action),
                      remove: (a) => void this.askRemove(a),
                    }),
                  )}
                </tbody>
              </table>`
            : nothing
        }
        ${
          paged
            ? html`<nav part="pager" aria-label="Pages of the roster">
                <button
                  class="small"
                  ?disabled=${this.page === 0}
                  @click=${() => this.go(this.page - 1)}
                >
                  ← Previous
                </button>
                <span class="muted" aria-live="polite">Page ${this.page + 1}</span>
                <button
                  class="small"
                  ?disabled=${!this.nextCursor}
                  @click=${() => this.go(this.page + 1)}
                >
                  Next →
                </button>
              </nav>`
            : nothing
        }
        <rk-confirm exportparts="dialog"></rk-confirm>
        <div class="sr-only" role="status" aria-live="polite">${this.announcement}</div>
      </section>
    `;
  }
}
