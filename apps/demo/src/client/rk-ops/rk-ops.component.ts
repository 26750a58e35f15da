import { LitElement, html, nothing, type PropertyDeclarations } from 'lit';
import uPlot from 'uplot';
import { apiBase, request } from '../api.js';
import { LiveController } from '../controllers/live.js';
import { emit, errorDetail } from '../events.js';
import type { OpsJson, OpsSampleJson } from '../types.js';
import {
  CHARTS,
  headline,
  isolated,
  longGaps,
  timeRange,
  quiet,
  windowLabel,
  type Chart,
  type Line,
} from './figures.js';
import { styles } from './rk-ops.styles.js';

/** Of an axis' splits, 0 and the powers of ten: the marks of an arcsinh axis worth reading. */
const decades = (_u: uPlot, splits: number[]) =>
  splits.map((v) => (v === 0 || Number.isInteger(Math.log10(v)) ? v : null));

/** Samples kept on the page: five minutes at one a second, as the server keeps. */
const KEEP = 300;
const HEIGHT = 200;

/**
 * `<rk-ops api="http://host:4000">`: the operator's page. Five live charts, drawn with uPlot,
 * of what the app is doing: calls placed per second, dispatch lag p50/p99, outcomes by status,
 * calls in flight and the provider's response time. It loads the last five minutes from
 * `GET /api/ops`, then adds each sample of `GET /api/ops/events` as it comes. Beside each
 * title, the figures of the last minute (calls in flight: now). Every chart spans five minutes
 * from the first sample on; values up to 10 s apart are joined by a line (a longer stretch with
 * none stays empty, a value no line reaches is a point); the outcomes' axis is arcsinh, so one
 * spike leaves the rest readable.
 *
 * @fires rk-error - the samples could not be loaded; `detail: { message, code, status }`
 * @csspart chart - each chart's figure (`data-chart`: `placed`, `lag`, `ended`, `in-flight`,
 *   `provider`)
 * @csspart latest - each chart's headline figures (the last minute, or now)
 * @cssproperty --rk-color-* - the shared theme (see the other elements)
 * @cssproperty --rk-status-<status> - the line of each terminal status in the outcomes chart
 */
export class RkOpsElement extends LitElement {
  static override styles = styles;
  static override properties: PropertyDeclarations = {
    api: { type: String },
    samples: { state: true },
    error: { state: true },
  };

  /** The API's base URL; same origin when left out. */
  declare api: string | undefined;
  /** The samples shown, oldest first. */
  declare samples: OpsSampleJson[];
  declare protected error: string;
  private intervalMs = 1000;
  private plots = new Map<string, uPlot>();
  private resizer: ResizeObserver | undefined;
  private readonly live = new LiveController(this, {
    base: () => this.base,
    stream: '/api/ops/events',
    load: () => this.load(),
    events: { 'ops-sample': (data) => this.add(data as OpsSampleJson) },
  });

  constructor() {
    super();
    this.api = undefined;
    this.samples = [];
    this.error = '';
  }

  private get base() {
    return apiBase(this.api ?? this.getAttribute('api'));
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizer?.disconnect();
    this.resizer = undefined;
    for (const plot of this.plots.values()) plot.destroy();
    this.plots.clear();
  }

  private async load() {
    try {
      const ops = await request<OpsJson>(this.base, '/api/ops');
      this.intervalMs = ops.interval_ms;
      this.samples = ops.samples.slice(-KEEP);
      this.error = '';
    } catch (error) {
      this.error = `Could not load the figures: ${(error as Error).message}`;
      emit(this, 'rk-error', errorDetail(error));
    }
  }

  private add(sample: OpsSampleJson) {
    const last = this.samples.at(-1);
    if (last && sample.t <= last.t) return; // replayed, or older than what the load gave
    this.samples = [...this.samples.slice(-(KEEP - 1)), sample];
  }

  override render() {
    const latest = this.samples.at(-1);
    const seconds = this.intervalMs / 1000;
    const window = latest?.window ? windowLabel(latest.window.span_s) : undefined;
    return html`
      <!-- Only an error is announced: the figures change every second. -->
      <p class="error" role="alert">${this.error}</p>
      <p class="meta">
        ${
          latest
            ? `${this.samples.length} ${this.samples.length === 1 ? 'sample' : 'samples'}, one every ${seconds} s; the latest at ${new Date(latest.t).toLocaleTimeString()}. Beside each title: the ${window ?? 'last sample'} (calls in flight: now).`
            : 'Waiting for the first sample…'
        }
      </p>
      ${
        latest && quiet(this.samples)
          ? html`<p class="empty" part="empty" data-testid="empty">
              No call placed, ended or in flight in the
              ${windowLabel((this.samples.length * this.intervalMs) / 1000)}: the charts fill as
              calls are placed. Schedule one on the
              <a href="/">Scheduler</a> page, or call the list on the <a href="/dialer">Dialer</a>.
            </p>`
          : nothing
      }
      <div class="grid">
        ${CHARTS.map((chart) => {
          const words = latest ? headline(chart, latest, this.intervalMs) : '–';
          return html`
            <figure class="card" part="chart" data-chart=${chart.id}>
              <figcaption>
                <h2 id="title-${chart.id}">${chart.title}</h2>
                <output part="latest" for="plot-${chart.id}">${words}</output>
              </figcaption>
              <div
                class="plot"
                id="plot-${chart.id}"
                role="img"
                aria-labelledby="title-${chart.id}"
                aria-describedby="desc-${chart.id}"
              ></div>
              <p id="desc-${chart.id}" hidden>
                ${chart.title} (${chart.unit}) over the last ${this.samples.length} samples.
                ${latest ? `${words}.` : ''}
              </p>
            </figure>
          `;
        })}
      </div>
    `;
  }

  protected override updated(): void {
    const data = this.data();
    for (const chart of CHARTS) {
      const plot = this.plots.get(chart.id);
      if (plot) plot.setData(data.get(chart.id)!);
      else this.draw(chart, data.get(chart.id)!);
    }
    if (!this.resizer) {
      this.resizer = new ResizeObserver(() => this.resize());
      this.resizer.observe(this);
    }
  }

  /** Each chart's columns: the times (in seconds, as uPlot takes them), then one per line. */
  private data(): Map<string, uPlot.AlignedData> {
    const times = this.samples.map((s) => s.t / 1000);
    return new Map(
      CHARTS.map((chart) => [
        chart.id,
        [times, ...chart.lines.map((line) => this.samples.map(line.value))] as uPlot.AlignedData,
      ]),
    );
  }

  private draw(chart: Chart, data: uPlot.AlignedData) {
    const target = this.renderRoot.querySelector<HTMLElement>(`#plot-${chart.id}`);
    if (!target) return;
    const plot = new uPlot(
      {
        width: this.widthOf(target),
        height: HEIGHT,
        scales: {
          // Five minutes from the first sample on, as the page says.
          x: { time: true, range: (u) => timeRange(u.data[0].at(-1)) },
          y: {
            range: (_u, _min, max) => [0, Math.max(1, max)],
            ...(chart.scale === 'spread' ? { distr: 4, asinh: 1 } : {}),
          },
        },
        series: [
          {},
          ...chart.lines.map((line) => ({
            label: line.label,
            stroke: this.colorOf(line),
            width: 2,
            ...(line.dash ? { dash: line.dash } : {}),
            // Values a few seconds apart are joined; a longer stretch with none stays empty.
            spanGaps: true,
            gaps: (u: uPlot, series: number): [number, number][] =>
              longGaps(Array.from(u.data[0]), Array.from(u.data[series] ?? [])).map(
                ([from, to]) => [
                  Math.round(u.valToPos(from, 'x', true)),
                  Math.round(u.valToPos(to, 'x', true)),
                ],
              ),
            // A value no line reaches (the first sample, one between long gaps): a point.
            points: {
              show: false,
              filter: (u: uPlot, series: number) => {
                const lone = isolated(Array.from(u.data[0]), Array.from(u.data[series] ?? []));
                return lone.length > 0 ? lone : null;
              },
            },
          })),
        ],
        axes: [
          { label: 'time' },
          {
            label: chart.unit,
            size: 60,
            // On the spread axis, the grid and labels of 0 and the powers of ten only.
            ...(chart.scale === 'spread'
              ? { filter: decades, grid: { filter: decades }, ticks: { filter: decades } }
              : {}),
          },
        ],
        legend: { live: false },
        cursor: { drag: { x: false, y: false } },
      },
      data,
      target,
    );
    this.plots.set(chart.id, plot);
  }

  /** The line's colour: its custom property where the page sets one, else its own. */
  private colorOf(line: Line) {
    const themed = line.colorProperty
      ? getComputedStyle(this).getPropertyValue(line.colorProperty).trim()
      : '';
    return themed || line.color;
  }

  private widthOf(target: HTMLElement) {
    return Math.max(200, Math.floor(target.clientWidth || 400));
  }

  private resize() {
    for (const [id, plot] of this.plots) {
      const target = this.renderRoot.querySelector<HTMLElement>(`#plot-${id}`);
      if (target) plot.setSize({ width: this.widthOf(target), height: HEIGHT });
    }
  }
}
