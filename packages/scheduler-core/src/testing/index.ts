export { testStore, storedCall } from './store-contract.js';
export type { TestStoreOptions } from './store-contract.js';
