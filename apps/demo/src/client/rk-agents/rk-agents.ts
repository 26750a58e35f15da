import { define } from '../define.js';
import { RkAgentsElement } from './rk-agents.component.js';

export { RkAgentsElement } from './rk-agents.component.js';

define('rk-agents', RkAgentsElement);

declare global {
  interface HTMLElementTagNameMap {
    'rk-agents': RkAgentsElement;
  }
}
