import { define } from '../define.js';
import { RkCallLogElement } from './rk-call-log.component.js';

export { RkCallLogElement } from './rk-call-log.component.js';

define('rk-call-log', RkCallLogElement);

declare global {
  interface HTMLElementTagNameMap {
    'rk-call-log': RkCallLogElement;
  }
}
