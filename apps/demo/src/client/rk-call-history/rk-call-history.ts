import { define } from '../define.js';
import { RkCallHistoryElement } from './rk-call-history.component.js';

export { RkCallHistoryElement } from './rk-call-history.component.js';

define('rk-call-history', RkCallHistoryElement);

declare global {
  interface HTMLElementTagNameMap {
    'rk-call-history': RkCallHistoryElement;
  }
}
