import { define } from '../define.js';
import { RkDialerElement } from './rk-dialer.component.js';

export { RkDialerElement } from './rk-dialer.component.js';

define('rk-dialer', RkDialerElement);

declare global {
  interface HTMLElementTagNameMap {
    'rk-dialer': RkDialerElement;
  }
}
