import { define } from '../define.js';
import { RkCallTimelineElement } from './rk-call-timeline.component.js';

export { RkCallTimelineElement } from './rk-call-timeline.component.js';
export type { TimelineStep } from './rk-call-timeline.component.js';

define('rk-call-timeline', RkCallTimelineElement);

declare global {
  interface HTMLElementTagNameMap {
    'rk-call-timeline': RkCallTimelineElement;
  }
}
