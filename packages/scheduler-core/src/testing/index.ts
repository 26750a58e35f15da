export { testStore, storedCall, storedCampaign } from './store-contract.js';
export type { TestStoreOptions } from './store-contract.js';
