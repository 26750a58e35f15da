import { define } from '../define.js';
import { RkCampaignEntriesElement } from './rk-campaign-entries.component.js';

export { RkCampaignEntriesElement } from './rk-campaign-entries.component.js';

define('rk-campaign-entries', RkCampaignEntriesElement);

declare global {
  interface HTMLElementTagNameMap {
    'rk-campaign-entries': RkCampaignEntriesElement;
  }
}
