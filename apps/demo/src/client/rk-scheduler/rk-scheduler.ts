import { define } from '../define.js';
import { RkSchedulerElement } from './rk-scheduler.component.js';

export { RkSchedulerElement } from './rk-scheduler.component.js';

define('rk-scheduler', RkSchedulerElement);

declare global {
  interface HTMLElementTagNameMap {
    'rk-scheduler': RkSchedulerElement;
  }
}
