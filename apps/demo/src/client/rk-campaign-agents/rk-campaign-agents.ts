import { define } from '../define.js';
import { RkCampaignAgentsElement } from './rk-campaign-agents.component.js';

export { RkCampaignAgentsElement } from './rk-campaign-agents.component.js';

define('rk-campaign-agents', RkCampaignAgentsElement);

declare global {
  interface HTMLElementTagNameMap {
    'rk-campaign-agents': RkCampaignAgentsElement;
  }
}
