import { define } from '../define.js';
import { RkDoNotCallElement } from './rk-do-not-call.component.js';

export { RkDoNotCallElement } from './rk-do-not-call.component.js';

define('rk-do-not-call', RkDoNotCallElement);

declare global {
  interface HTMLElementTagNameMap {
    'rk-do-not-call': RkDoNotCallElement;
  }
}
