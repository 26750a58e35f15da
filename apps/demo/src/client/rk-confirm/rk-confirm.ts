import { define } from '../define.js';
import { RkConfirmElement } from './rk-confirm.component.js';

export { RkConfirmElement } from './rk-confirm.component.js';

define('rk-confirm', RkConfirmElement);

declare global {
  interface HTMLElementTagNameMap {
    'rk-confirm': RkConfirmElement;
  }
}
