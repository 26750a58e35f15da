import { define } from '../define.js';
import { RkScheduleFormElement } from './rk-schedule-form.component.js';

export { RkScheduleFormElement } from './rk-schedule-form.component.js';

define('rk-schedule-form', RkScheduleFormElement);

declare global {
  interface HTMLElementTagNameMap {
    'rk-schedule-form': RkScheduleFormElement;
  }
}
