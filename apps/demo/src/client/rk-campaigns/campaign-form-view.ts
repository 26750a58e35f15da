/**
 * The form of `<rk-campaigns>` that creates a campaign: its name, its calls at once, who answers
 * (the mode, and in an agent mode the seller's name and callback number the safe-harbour message
 * says), and its numbers, pasted or as a CSV file. Each field says the server's rule beside it
 * and shows its refusal under it.
 */
import { html, nothing } from 'lit';
import { CAMPAIGN_NAME_MAX, CAMPAIGN_NAME_RULE } from '../../campaign-name.js';
import type { FieldErrors } from '../api.js';
import { formatBytes, formatCount } from '../format.js';
import type { ApiLimitsJson } from '../types.js';
import {
  CAMPAIGN_FIELDS,
  MODE_CHOICES,
  type CampaignField,
  type ModeChoice,
} from './campaign-form.js';

/** What the form shows, and what it tells the element. */
export interface CampaignFormView {
  /** A create is under way. */
  busy: boolean;
  errors: FieldErrors<CampaignField>;
  /** Where the list of the last try came from: its refusals are shown there. */
  listFrom: 'numbers' | 'file';
  /** The provider can speak: the `say` column is offered. */
  speaks: boolean;
  limits: ApiLimitsJson | null;
  /** The mode chosen: its fields are shown. */
  mode: ModeChoice;
  submit: (event: SubmitEvent) => unknown;
  modeChanged: (mode: ModeChoice) => unknown;
}

/** The ids a field's `aria-describedby` names: its hint, and its error when it has one. */
const describedBy = (id: string, error: string | undefined) =>
  error ? `${id}-hint ${id}-error` : `${id}-hint`;

/** A field's error, under it and named by its `aria-describedby`. */
const fieldError = (id: string, error: string | undefined) =>
  error ? html`<p class="error" id="${id}-error">${error}</p>` : nothing;

/** What the list may hold: one number per line, the `say` column where the provider speaks. */
function listHint({ limits, speaks }: CampaignFormView) {
  return html`<p class="hint" id="numbers-hint">
    One per line, in the order to call them.
    ${
      speaks
        ? html`To give a call something to say, add it after a comma:
            <code>+13018040009,Your order is ready</code>. Put what holds a comma in double quotes,
            a quote in it twice: <code>+13018040009,"Hello, Ada ""A."" Lovelace"</code>.`
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

/** A text input of an agent mode, required, with its hint and its error. */
function agentInput(
  id: 'seller_name' | 'callback_number' | 'ratio',
  label: string,
  hint: string,
  error: string | undefined,
  attributes: { type?: string; autocomplete?: string; inputmode?: string } = {},
) {
  return html`<div>
    <label for=${id}>${label}</label>
    <input
      id=${id}
      name=${id}
      type=${attributes.type ?? 'text'}
      autocomplete=${attributes.autocomplete ?? 'off'}
      inputmode=${attributes.inputmode ?? nothing}
      step=${id === 'ratio' ? '0.1' : nothing}
      min=${id === 'ratio' ? '0.1' : nothing}
      max=${id === 'ratio' ? '20' : nothing}
      required
      aria-required="true"
      aria-invalid=${error ? 'true' : 'false'}
      aria-describedby=${describedBy(id, error)}
    />
    <p class="hint" id="${id}-hint">${hint}</p>
    ${fieldError(id, error)}
  </div>`;
}

/** Who answers: the mode, and the fields of an agent mode when one is chosen. */
function modeFields(view: CampaignFormView) {
  const { errors, mode } = view;
  const change = (event: Event) =>
    view.modeChanged((event.target as HTMLSelectElement).value as ModeChoice);
  return html`
    <div>
      <label for="mode">Who answers</label>
      <select
        id="mode"
        name="mode"
        aria-describedby=${describedBy('mode', errors.mode)}
        aria-invalid=${errors.mode ? 'true' : 'false'}
        @change=${change}
      >
        ${MODE_CHOICES.map(
          ([value, words]) =>
            html`<option value=${value} ?selected=${value === mode}>${words}</option>`,
        )}
      </select>
      <p class="hint" id="mode-hint">
        In the agent modes, a person who answers is put through to one of the campaign's agents (the
        Agents page) within 2 s, or hears the seller's name and callback number.
      </p>
      ${fieldError('mode', errors.mode)}
    </div>
    ${
      mode === 'power'
        ? nothing
        : html`<fieldset class="agents-fields">
            <legend>Agents</legend>
            ${
              mode === 'ratio'
                ? agentInput('ratio', 'Lines per agent', '0.1 to 20', errors.ratio, {
                    type: 'number',
                    inputmode: 'decimal',
                  })
                : nothing
            }
            ${agentInput(
              'seller_name',
              'Seller name',
              'Said to a person no agent could take in time.',
              errors.seller_name,
              { autocomplete: 'organization' },
            )}
            ${agentInput(
              'callback_number',
              'Callback number',
              'The number they may call back, said with it.',
              errors.callback_number,
              { type: 'tel', autocomplete: 'tel' },
            )}
          </fieldset>`
    }
  `;
}

/** The refusals at once, for a screen reader (each is also under its field). */
const errorsSummary = (errors: FieldErrors<CampaignField>) =>
  CAMPAIGN_FIELDS.map((f) => errors[f])
    .filter(Boolean)
    .join(' ');

/** The create form (part `form`; its button `button create`). */
export function campaignForm(view: CampaignFormView) {
  const { busy, errors, listFrom, speaks } = view;
  const list = errors.list;
  const numbersError = listFrom === 'numbers' ? list : undefined;
  const fileError = listFrom === 'file' ? list : undefined;
  return html`
    <form part="form" @submit=${(e: SubmitEvent) => view.submit(e)} novalidate>
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
          ${fieldError('name', errors.name)}
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
          <p class="hint" id="concurrency-hint">
            ${view.mode === 'power' ? '1 to 100' : '1 to 100: the most lines at once'}
          </p>
          ${fieldError('concurrency', errors.concurrency)}
        </div>
      </div>
      ${modeFields(view)}
      <label for="numbers">Numbers</label>
      <textarea
        id="numbers"
        name="numbers"
        rows="5"
        aria-describedby=${describedBy('numbers', numbersError)}
        aria-invalid=${numbersError ? 'true' : 'false'}
        placeholder="+13018040009&#10;+19842068287"
      ></textarea>
      ${listHint(view)} ${fieldError('numbers', numbersError)}
      <label for="file">
        Or a CSV file <span class="muted">(${speaks ? 'phone[,say]' : 'phone'})</span>
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
        (<code>${speaks ? 'phone,say' : 'phone'}</code>).
      </p>
      ${fieldError('file', fileError)}
      ${errors.form ? html`<p class="error" role="alert" id="form-error">${errors.form}</p>` : nothing}
      <button class="primary" part="button create" type="submit" ?disabled=${busy}>
        ${busy ? 'Creating…' : 'Create campaign'}
      </button>
      <div class="sr-only" role="alert">${errorsSummary(errors)}</div>
    </form>
  `;
}
