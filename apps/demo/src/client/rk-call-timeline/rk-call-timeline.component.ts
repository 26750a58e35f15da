import { LitElement, html, nothing, type PropertyDeclarations } from 'lit';
import { formatDateTime } from '../format.js';
import { badge } from '../status.js';
import type { ScheduledCallJson } from '../types.js';
import { styles } from './rk-call-timeline.styles.js';

/** One step of a call's timeline, as the API gives it. */
export type TimelineStep = ScheduledCallJson['timeline'][number];

/**
 * `<rk-call-timeline .steps=${call.timeline}>`: the steps of one call, each with its status, its
 * time in the viewer's zone and its reason (a `suppressed` step's do-not-call reason too), folded
 * under a summary that counts them.
 *
 * @csspart timeline - the `<details>` that holds the steps
 * @csspart status - each status pill (`status-<status>` too)
 * @cssproperty --rk-color-muted - and the other `--rk-*` properties of the shared styles
 */
export class RkCallTimelineElement extends LitElement {
  static override properties: PropertyDeclarations = {
    steps: { attribute: false },
  };

  static override styles = styles;

  /** The call's timeline, oldest step first. */
  declare steps: readonly TimelineStep[];

  constructor() {
    super();
    this.steps = [];
  }

  override render() {
    return html`
      <details part="timeline">
        <summary>Timeline (${this.steps.length})</summary>
        <ol class="timeline">
          ${this.steps.map(
            (step) => html`
              <li>
                ${badge(step.status)}
                <time datetime=${step.at ?? ''}>${formatDateTime(step.at, true)}</time>
                ${
                  step.reason && step.reason !== step.status
                    ? html`<span class="muted">(${step.reason.replace(/_/g, ' ')})</span>`
                    : nothing
                }${step.note ? html` <q class="note">${step.note}</q>` : nothing}
              </li>
            `,
          )}
        </ol>
      </details>
    `;
  }
}
