/** Pieces of `<rk-agents>`: its add form and one row of its roster. */
import { html, nothing } from 'lit';
import type { FieldErrors } from '../api.js';
import type { AgentJson } from '../types.js';
import {
  actionsFor,
  agentName,
  formatElapsed,
  formatOccupancy,
  formatReach,
  STATE_WORDS,
  type AgentAction,
  type AgentField,
} from './agents.js';

/** The ids a field's `aria-describedby` names: its hint, and its error when it has one. */
const describedBy = (id: string, error: string | undefined) =>
  error ? `${id}-hint ${id}-error` : `${id}-hint`;

export interface AddFormOptions {
  errors: FieldErrors<AgentField>;
  busy: boolean;
  submit: (event: SubmitEvent) => void;
}

/** One field of the add form: its label, its hint, and its refusal under it. */
function field(
  name: AgentField,
  label: string,
  hint: string,
  errors: FieldErrors<AgentField>,
  attributes: { type?: string; optional?: boolean } = {},
) {
  const id = `agent-${name}`;
  const error = errors[name];
  return html`
    <div>
      <label for=${id}>
        ${label}${attributes.optional ? html` <span class="muted">(optional)</span>` : nothing}
      </label>
      <input
        id=${id}
        name=${name}
        type=${attributes.type ?? 'text'}
        autocomplete="off"
        aria-invalid=${error ? 'true' : 'false'}
        aria-describedby=${describedBy(id, error)}
      />
      <p class="hint" id="${id}-hint">${hint}</p>
      ${error ? html`<p class="error" id="${id}-error">${error}</p>` : nothing}
    </div>
  `;
}

/** The form that adds an agent (`part="form"`): id, name, where to reach them, campaigns. */
export function addForm({ errors, busy, submit }: AddFormOptions) {
  return html`
    <form part="form" novalidate @submit=${submit}>
      <h3>Add an agent</h3>
      <div class="row">
        ${field('id', 'Id', 'Yours to choose: letters, digits, “.”, “_” or “-”.', errors)}
        ${field('name', 'Name', 'Shown on the roster.', errors, { optional: true })}
        ${field('reach', 'Reach them at', 'A number with its country code, or a sip: address.', errors)}
        ${field('campaigns', 'Campaigns', 'The campaigns whose calls they take, by name, comma-separated.', errors, { optional: true })}
      </div>
      ${errors.form ? html`<p class="error" role="alert">${errors.form}</p>` : nothing}
      <button class="primary" type="submit" ?disabled=${busy}>
        ${busy ? 'Adding…' : 'Add agent'}
      </button>
      <div class="sr-only" role="alert">
        ${[errors.id, errors.name, errors.reach, errors.campaigns].filter(Boolean).join(' ')}
      </div>
    </form>
  `;
}

/** The accessible name of an action's button: its words, then what they do for whom. */
function actionName(action: AgentAction, who: string): string {
  switch (action.label) {
    case 'Log in':
      return `Log in ${who}`;
    case 'Back':
      return `Back: ${who} takes calls again`;
    case 'Away':
      return `Away: ${who} takes no calls`;
  }
}

export interface RowOptions {
  /** The time to count time in state up to, in epoch ms. */
  now: number;
  /** A request about this agent is under way: its buttons wait. */
  busy: boolean;
  act: (agent: AgentJson, action: AgentAction) => void;
  remove: (agent: AgentJson) => void;
}

/** One agent of the roster (`part="row"`, `data-id`, `data-state`). */
export function agentRow(agent: AgentJson, { now, busy, act, remove }: RowOptions) {
  const who = agentName(agent);
  const actions = actionsFor(agent.state);
  const onCall = agent.state === 'ringing' || agent.state === 'talking';
  const ready = agent.state === 'wrap-up' && agent.until ? Date.parse(agent.until) - now : null;
  return html`
    <tr part="row" data-id=${agent.id} data-state=${agent.state}>
      <td class="who">
        <span class="name">${who}</span>
        ${agent.name === null ? nothing : html`<span class="muted id">${agent.id}</span>`}
      </td>
      <td class="reach"><span class="phone">${formatReach(agent.reach)}</span></td>
      <td class="campaigns">
        ${
          agent.campaigns.length === 0
            ? html`<span class="muted">No campaign</span>`
            : agent.campaigns.join(', ')
        }
      </td>
      <td class="state">
        <span class="badge" part="state state-${agent.state}" data-state=${agent.state}
          >${STATE_WORDS[agent.state]}</span
        >
        <span class="elapsed muted">
          for
          <time datetime=${agent.since}>${formatElapsed(now - Date.parse(agent.since))}</time>
          ${ready !== null && ready > 0 ? html`· ready in ${formatElapsed(ready)}` : nothing}
        </span>
      </td>
      <td class="occupancy">
        <span class="cell-label">Occupancy </span>${formatOccupancy(agent.occupancy)}
      </td>
      <td class="actions">
        <div class="buttons">
          ${
            onCall
              ? html`<span class="muted">On a call</span>`
              : actions.map(
                  (action) => html`
                    <button
                      class="small"
                      part="action"
                      data-action=${action.label}
                      aria-label=${actionName(action, who)}
                      ?disabled=${busy}
                      @click=${() => act(agent, action)}
                    >
                      ${action.label}
                    </button>
                  `,
                )
          }
          <button
            class="small danger"
            part="remove"
            data-remove=${agent.id}
            aria-label="Remove ${who}"
            ?disabled=${busy || onCall}
            @click=${() => remove(agent)}
          >
            Remove
          </button>
        </div>
      </td>
    </tr>
  `;
}
