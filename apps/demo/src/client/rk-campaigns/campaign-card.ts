/**
 * One campaign's card in `<rk-campaigns>`: its progress, figures, buttons, results link, and its
 * entries when opened.
 */
import { html, nothing } from 'lit';
import { formatCount, formatCountdown, formatDateTime } from '../format.js';
import { OUTCOME_WORDS } from '../history-type.js';
import { outcomeBar, progressSegments } from '../outcome-bar.js';
import type { ConfirmRequest, RkConfirmElement } from '../rk-confirm/rk-confirm.component.js';
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

/** Every entry has ended: the campaign may be archived. */
export const finished = (c: CampaignJson) =>
  c.state === 'done' || (c.state === 'stopped' && ended(c) === c.total);

const calls = (n: number) => `${formatCount(n)} ${n === 1 ? 'call' : 'calls'}`;

/**
 * What a campaign waits for after another process died holding some of its calls: "2 calls
 * waiting for the previous worker's lease (24 s)", counting down to its `lease_wait.until`;
 * nothing once that has passed (the server settles them then) or when nothing waits.
 */
export function leaseWaitText(campaign: CampaignJson, now: number): string | null {
  const wait = campaign.lease_wait;
  if (!wait) return null;
  const seconds = Math.ceil((Date.parse(wait.until) - now) / 1000);
  if (!(seconds > 0)) return null;
  const what = wait.entries === 1 ? 'call' : 'calls';
  return `${formatCount(wait.entries)} ${what} waiting for the previous worker's lease (${seconds} s)`;
}

/**
 * When a campaign started and when it ended, or, while it runs, when it should end at the pace
 * it has kept since it started (its ended entries over the time since): `Started …; estimated
 * end in 4 min`. Nothing is estimated before its first entry ends, nor while it is paused.
 */
export function timesText(campaign: CampaignJson, now: number): string {
  const started = `Started ${formatDateTime(campaign.created_at)}`;
  if (campaign.state === 'done' || campaign.state === 'stopped') {
    return `${started}; ${campaign.state === 'done' ? 'ended' : 'stopped'} ${formatDateTime(campaign.updated_at)}`;
  }
  if (campaign.state === 'paused') return `${started}; paused`;
  const done = ended(campaign);
  const since = now - Date.parse(campaign.created_at ?? '');
  if (done === 0 || !(since > 0)) return `${started}; estimated end once its first calls end`;
  const left = ((campaign.total - done) * since) / done;
  return `${started}; estimated end ${formatCountdown(now + left, now)}`;
}

/** What Stop asks first, saying how many calls it ends: it cannot be undone. */
export function stopQuestion(campaign: CampaignJson): ConfirmRequest {
  const { dialed, live } = campaign.progress;
  const left = campaign.total - dialed;
  const running = live > 0 ? ` The ${calls(live)} under way go on to their end.` : '';
  return {
    title: `Stop campaign ${campaign.id}?`,
    message: `This ends ${calls(left)} not yet placed; it cannot be undone.${running}`,
    confirm: 'Stop campaign',
    keep: 'Keep it running',
  };
}

/** How many of a finished campaign's numbers "Dial again" would ring: the missed and the unknown. */
export const toDialAgain = (c: CampaignJson) =>
  finished(c) ? c.progress.missed + c.progress.unknown : 0;

/**
 * What a finished campaign says of its entries whose outcome is unknown: their call may have
 * rung, and only the operator can decide to ring them again. `null` when there are none.
 */
export function unknownText(campaign: CampaignJson): string | null {
  const n = campaign.progress.unknown;
  if (!finished(campaign) || n === 0) return null;
  const whose = n === 1 ? "1 call's outcome is" : `${formatCount(n)} calls' outcomes are`;
  return `${whose} unknown: ${n === 1 ? 'it' : 'they'} may have rung. Dial again only if a second call is acceptable.`;
}

/** What "Dial again" asks first: the numbers it rings, the ones that may have rung among them. */
export function againQuestion(campaign: CampaignJson): ConfirmRequest {
  const { missed, unknown } = campaign.progress;
  const parts = [
    missed > 0 ? `the ${formatCount(missed)} ${missed === 1 ? 'number' : 'numbers'} missed` : '',
    unknown > 0 ? `the ${formatCount(unknown)} whose outcome is unknown (they may have rung)` : '',
  ].filter(Boolean);
  return {
    title: `Dial ${campaign.id}'s numbers again?`,
    message: `This creates a new campaign of ${parts.join(' and ')}, with the same settings, and starts dialing it.`,
    confirm: 'Dial again',
    keep: 'Not now',
  };
}

/** An agent campaign's mode, in a word or two: `predictive`, `2 lines per agent`. */
export function modeWords(campaign: Pick<CampaignJson, 'mode' | 'ratio'>): string {
  if (campaign.mode === 'ratio') return `${campaign.ratio ?? '?'} lines per agent`;
  return campaign.mode;
}

/** What a card's buttons ask of the element. */
export type CampaignAction = 'pause' | 'resume' | 'stop' | 'archive' | 'again';

/**
 * What an action asks before it is sent, where it asks: a stop cannot be undone, and dialing
 * again rings people once more. `null` for the others.
 */
export function questionFor(action: CampaignAction, campaign: CampaignJson): ConfirmRequest | null {
  if (action === 'stop') return stopQuestion(campaign);
  if (action === 'again') return againQuestion(campaign);
  return null;
}

/**
 * The confirmation asked before a card's action (see {@link questionFor}), which keeps saying the
 * campaign's figures as they move while it is open: a Stop dialog's count of calls not yet placed
 * goes down as the campaign dials.
 */
export class LiveQuestion {
  private asking: { id: string; action: CampaignAction } | null = null;

  constructor(private readonly dialog: () => RkConfirmElement | null) {}

  /** `true` when `action` needs no question, or once it is confirmed. */
  async ask(campaign: CampaignJson, action: CampaignAction): Promise<boolean> {
    const question = questionFor(action, campaign);
    const dialog = this.dialog();
    if (!question || !dialog) return question === null;
    this.asking = { id: campaign.id, action };
    try {
      return await dialog.ask(question);
    } finally {
      this.asking = null;
    }
  }

  /** `campaign` as it is now: the open question about it, if any, says so. */
  moved(campaign: CampaignJson): void {
    if (this.asking?.id !== campaign.id) return;
    const question = questionFor(this.asking.action, campaign);
    if (question) this.dialog()?.revise(question);
  }
}

const DONE = { stop: 'stopped', pause: 'paused', resume: 'resumed', archive: 'archived' } as const;

/** What the page announces once `action` on `campaign` is done; `answer` is the API's. */
export function actionDone(
  action: CampaignAction,
  campaign: CampaignJson,
  answer: CampaignJson,
): string {
  if (action === 'again') {
    return `Campaign ${answer.id} created: ${answer.total} numbers of ${campaign.id} dialed again.`;
  }
  return `Campaign ${campaign.id} ${DONE[action]}.`;
}

/** What a card does: its buttons' actions and its download, and whether a request is under way. */
export interface CampaignCardActions {
  busy: boolean;
  /** The API's base URL, for the results link. */
  base: string;
  /** The element's `api`, passed on to `<rk-campaign-entries>`. */
  api: string | undefined;
  /** Its entries are shown. */
  expanded: boolean;
  /** `stop` and `again` are asked first by the element (see {@link questionFor}). */
  act: (action: CampaignAction) => unknown;
  toggleEntries: () => unknown;
  /** A download link was clicked (results or compliance report): saved under its `download` name. */
  download: (event: MouseEvent) => unknown;
}

/** A campaign's card (`li.campaign`, part `campaign`). */
export function campaignCard(
  campaign: CampaignJson,
  { busy, base, api, expanded, act, toggleEntries, download }: CampaignCardActions,
) {
  const done = ended(campaign);
  const leaseWait = leaseWaitText(campaign, Date.now());
  const unknown = unknownText(campaign);
  const again = toDialAgain(campaign);
  const open = campaign.state === 'running' || campaign.state === 'paused';
  const id = encodeURIComponent(campaign.id);
  return html`
    <li class="campaign" part="campaign" data-id=${campaign.id} data-state=${campaign.state}>
      <div class="head">
        <h3>${campaign.id}</h3>
        <span class="badge" data-state=${campaign.state}>${campaign.state}</span>
        ${campaign.archived_at ? html`<span class="badge" data-archived>archived</span>` : nothing}
        ${
          campaign.mode === 'power'
            ? nothing
            : html`<span class="badge" data-mode=${campaign.mode}>${modeWords(campaign)}</span>`
        }
      </div>
      ${outcomeBar(progressSegments(campaign.progress), campaign.total, `${campaign.id}: progress`)}
      <p class="muted total" data-testid="ended">${done} of ${campaign.total} ended</p>
      <p class="muted times" data-testid="times">${timesText(campaign, Date.now())}</p>
      ${leaseWait ? html`<p class="muted lease-wait" data-testid="lease-wait">${leaseWait}</p>` : nothing}
      ${unknown ? html`<p class="unknown" part="unknown" data-testid="unknown">${unknown}</p>` : nothing}
      <dl class="figures" part="figures">
        ${FIGURES.map(
          ([key, label]) =>
            html`<div data-figure=${key}>
              <dt>${label}</dt>
              <dd>${campaign.progress[key]}</dd>
            </div>`,
        )}
      </dl>
      ${
        campaign.mode === 'power'
          ? nothing
          : html`<rk-campaign-agents
              exportparts="standing, rate, occupancy, chart"
              .api=${api}
              .campaign=${campaign.id}
            ></rk-campaign-agents>`
      }
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
        <button
          class="small"
          part="button entries"
          aria-expanded=${expanded ? 'true' : 'false'}
          aria-controls="entries-${id}"
          @click=${() => toggleEntries()}
        >
          ${expanded ? 'Hide entries' : 'Show entries'}<span class="sr-only">
            of ${campaign.id}</span
          >
        </button>
        ${
          again > 0
            ? html`<button
                class="small"
                part="button again"
                ?disabled=${busy}
                @click=${() => act('again')}
              >
                Dial ${again} again<span class="sr-only"> from ${campaign.id}</span>
              </button>`
            : nothing
        }
        ${
          finished(campaign) && !campaign.archived_at
            ? html`<button
                class="small"
                part="button archive"
                ?disabled=${busy}
                aria-label="Archive ${campaign.id}"
                @click=${() => act('archive')}
              >
                Archive
              </button>`
            : nothing
        }
        <a part="calls" href="/calls?campaign=${id}"
          >Calls<span class="sr-only"> of ${campaign.id}</span></a
        >
        <a
          part="download"
          href="${base}/api/campaigns/${id}/results.csv"
          download="${campaign.id}-results.csv"
          @click=${(e: MouseEvent) => download(e)}
          >Download results (CSV)<span class="sr-only"> of ${campaign.id}</span></a
        >
        ${
          campaign.mode === 'power'
            ? nothing
            : html`<a
                part="compliance"
                href="${base}/api/campaigns/${id}/compliance.csv"
                download="${campaign.id}-compliance.csv"
                @click=${(e: MouseEvent) => download(e)}
                >Compliance report (CSV)<span class="sr-only"> of ${campaign.id}</span></a
              >`
        }
      </div>
      ${
        expanded
          ? html`<rk-campaign-entries
              id="entries-${id}"
              exportparts="entries, entry, more"
              .api=${api}
              .campaign=${campaign.id}
            ></rk-campaign-entries>`
          : nothing
      }
    </li>
  `;
}

/** "Show archived campaigns": a checkbox on its label's line (part of the list's header). */
export function archivedToggle(checked: boolean, change: (event: Event) => unknown) {
  return html`<label class="archived check">
    <input type="checkbox" data-show-archived .checked=${checked} @change=${change} />
    Show archived campaigns
  </label>`;
}
