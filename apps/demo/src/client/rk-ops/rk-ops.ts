import { define } from '../define.js';
import { RkOpsElement } from './rk-ops.component.js';

export { RkOpsElement } from './rk-ops.component.js';

define('rk-ops', RkOpsElement);

declare global {
  interface HTMLElementTagNameMap {
    'rk-ops': RkOpsElement;
  }
}
