import type { Store } from '../store.js';

/** The campaign methods every built-in store has (the SQLite and PostgreSQL ones build them apart). */
export type CampaignMethods = Required<
  Pick<
    Store,
    | 'insertCampaign'
    | 'getCampaign'
    | 'listCampaigns'
    | 'updateCampaign'
    | 'claimCampaign'
    | 'nextCampaignWake'
    | 'listCampaignCalls'
    | 'countCampaign'
  >
>;
