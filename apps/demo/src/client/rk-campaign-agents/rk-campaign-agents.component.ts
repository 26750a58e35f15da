import { LitElement, html, nothing, svg, type PropertyDeclarations } from 'lit';
import { apiBase, request } from '../api.js';
import { PollController } from '../controllers/poll.js';
import { emit, errorDetail } from '../events.js';
import { formatCount } from '../format.js';
import type { AbandonsJson, AgentJson, Page } from '../types.js';
import {
  CHART,
  chartPath,
  loggedIn,
  occupancyOf,
  overCap,
  peopleText,
  percent,
  rateText,
  rateTop,
  trendText,
  withSample,
  type StandingSample,
} from './standing.js';
import { styles } from './rk-campaign-agents.styles.js';

/** How often the standing is read while the page is shown, in ms. */
const INTERVAL_MS = 3000;

/** The gap between the chart's two bands, in the SVG's units. */
const GAP = 8;

/**
 * `<rk-campaign-agents api="…" campaign="renewals">`: a campaign with agents, as it stands: its
 * abandon rate over 30 days against its cap (`GET /api/campaigns/:id/abandons`: the people who
 * answered, those no agent reached within 2 s) and its agents' occupancy (`GET /api/agents`:
 * talking over logged-in time of those serving it and logged in), read every 3 s while the page
 * is shown and not at all while it is hidden; and a small chart of both as they moved meanwhile
 * (the rate above, on a scale whose middle is the cap; the occupancy below, 0 to 100 %), with
 * the same in words as its text equivalent.
 *
 * @fires rk-error - a read failed; `detail: { message, code, status }`
 * @csspart standing - the section; `rate` the rate's figure (`data-over` when above the cap);
 *   `occupancy` the occupancy's; `chart` the chart's figure
 * @cssproperty --rk-campaign-rate - the rate's line and the cap's (and
 *   `--rk-campaign-occupancy`, the occupancy's line)
 */
export class RkCampaignAgentsElement extends LitElement {
  static override styles = styles;
  static override properties: PropertyDeclarations = {
    api: { type: String },
    campaign: { type: String },
    abandons: { state: true },
    agents: { state: true },
    samples: { state: true },
    error: { state: true },
  };

  /** The API's base URL; same origin when left out. */
  declare api: string | undefined;
  /** The campaign's name. */
  declare campaign: string;
  declare protected abandons: AbandonsJson | null;
  /** Its agents as last read (at most the first 500). */
  declare protected agents: AgentJson[];
  /** What was read while the page was shown, oldest first. */
  declare protected samples: StandingSample[];
  declare protected error: string;

  private readonly poll = new PollController(this, {
    load: () => this.load(),
    intervalMs: INTERVAL_MS,
  });

  constructor() {
    super();
    this.api = undefined;
    this.campaign = '';
    this.abandons = null;
    this.agents = [];
    this.samples = [];
    this.error = '';
  }

  override updated(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('campaign') && changed.get('campaign') !== undefined) {
      this.samples = [];
      void this.poll.now();
    }
  }

  private async load(): Promise<void> {
    if (!this.campaign) return;
    const base = apiBase(this.api);
    const id = encodeURIComponent(this.campaign);
    try {
      const [abandons, agents] = await Promise.all([
        request<AbandonsJson>(base, `/api/campaigns/${id}/abandons`),
        request<Page<AgentJson>>(base, `/api/agents?campaign=${id}&limit=500`),
      ]);
      if (abandons.campaign !== this.campaign) return;
      this.abandons = abandons;
      this.agents = agents.items;
      this.samples = withSample(this.samples, {
        at: Date.now(),
        rate: abandons.rate,
        occupancy: occupancyOf(agents.items),
      });
      this.error = '';
    } catch (error) {
      // Said once: a server that stays down is not announced again every 3 s.
      if ((error as Error).message !== this.error) emit(this, 'rk-error', errorDetail(error));
      this.error = (error as Error).message;
    }
  }

  private renderChart(cap: number | null) {
    const { samples } = this;
    const top = rateTop(samples, cap);
    const band = (CHART.height - GAP) / 2;
    const scale = band / CHART.height;
    const caption = `chart-${this.campaign}`;
    return html`<figure part="chart">
      <svg
        viewBox="0 0 ${CHART.width} ${CHART.height}"
        preserveAspectRatio="none"
        role="img"
        aria-labelledby=${caption}
      >
        ${svg`<g transform="scale(1 ${scale})">
          <rect class="frame" x="0" y="0" width=${CHART.width} height=${CHART.height}></rect>
          ${cap === null ? nothing : svg`<line class="cap" x1="0" x2=${CHART.width} y1=${CHART.height / 2} y2=${CHART.height / 2}></line>`}
          <path class="rate" d=${chartPath(
            samples.map((s) => s.rate),
            top,
          )}></path>
        </g>
        <g transform="translate(0 ${band + GAP}) scale(1 ${scale})">
          <rect class="frame" x="0" y="0" width=${CHART.width} height=${CHART.height}></rect>
          <path class="occupancy" d=${chartPath(
            samples.map((s) => s.occupancy),
            1,
          )}></path>
        </g>`}
      </svg>
      <figcaption id=${caption}>
        <span class="key rate"></span>Abandon rate (the dashed line: its cap)
        <span class="key occupancy"></span>Occupancy (0 to 100 %). ${trendText(samples, cap)}
      </figcaption>
    </figure>`;
  }

  override render() {
    const { abandons, agents, error } = this;
    if (!abandons) {
      return error ? html`<p class="error" role="alert">${error}</p>` : nothing;
    }
    const occupancy = occupancyOf(agents);
    const logged = loggedIn(agents);
    const over = overCap(abandons);
    return html`<section part="standing" aria-label="Agents of ${this.campaign}">
      <h4>Abandons and agents</h4>
      <dl>
        <div data-figure="rate">
          <dt>abandon rate</dt>
          <dd part="rate" class=${over ? 'over' : ''} ?data-over=${over}>
            ${rateText(abandons)}${over ? ': above the cap' : ''}
          </dd>
        </div>
        <div data-figure="abandoned">
          <dt>abandoned</dt>
          <dd>${peopleText(abandons)}</dd>
        </div>
        <div data-figure="occupancy">
          <dt>occupancy</dt>
          <dd part="occupancy">
            ${occupancy === null ? 'no agent logged in' : percent(occupancy)}
            <span class="muted"
              >(${formatCount(logged)} of ${formatCount(agents.length)} agents logged in)</span
            >
          </dd>
        </div>
      </dl>
      ${this.renderChart(abandons.abandon_cap)}
      ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
    </section>`;
  }
}
