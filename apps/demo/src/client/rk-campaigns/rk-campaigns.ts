import { define } from '../define.js';
import { RkCampaignsElement } from './rk-campaigns.component.js';

export { RkCampaignsElement } from './rk-campaigns.component.js';

define('rk-campaigns', RkCampaignsElement);

declare global {
  interface HTMLElementTagNameMap {
    'rk-campaigns': RkCampaignsElement;
  }
}
