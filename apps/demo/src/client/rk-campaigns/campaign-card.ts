/** One campaign's card in `<rk-campaigns>`: its progress, figures, buttons and results link. */
import { html } from 'lit';
import { OUTCOME_WORDS } from '../history-type.js';
import type { CampaignJson } from '../types.js';

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

/** How many of a campaign's numbers have ended, whatever their outcome. */
export const ended = (c: CampaignJson) =>
  c.progress.completed +
  c.progress.missed +
  c.progress.unknown +
  c.progress.canceled +
  c.progress.suppressed;

/** What a card does: its buttons' actions and its download, and whether a request is under way. */
export interface CampaignCardActions {
  busy: boolean;
  /** The API's base URL, for the results link. */
  base: string;
  act: (action: 'pause' | 'resume' | 'stop') => unknown;
  download: (event: MouseEvent) => unknown;
}

/** A campaign's card (`li.campaign`, part `campaign`). */
export function campaignCard(
  campaign: CampaignJson,
  { busy, base, act, download }: CampaignCardActions,
) {
  const done = ended(campaign);
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
                @click=${() => act('resume')}
              >
                Resume
              </button>`
            : html`<button
                class="small"
                part="button pause"
                ?disabled=${busy || campaign.state !== 'running'}
                aria-label="Pause ${campaign.id}"
                @click=${() => act('pause')}
              >
                Pause
              </button>`
        }
        <button
          class="small danger"
          part="button stop"
          ?disabled=${busy || !open}
          aria-label="Stop ${campaign.id}"
          @click=${() => act('stop')}
        >
          Stop
        </button>
        <a
          part="download"
          href="${base}/api/campaigns/${id}/results.csv"
          download="${campaign.id}-results.csv"
          @click=${(e: MouseEvent) => download(e)}
          >Download results (CSV)<span class="sr-only"> of ${campaign.id}</span></a
        >
      </div>
    </li>
  `;
}
