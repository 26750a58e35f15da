export { testStore, storedCall } from './store-contract.js';
export type { TestStoreOptions } from './store-contract.js';
export { createFakeClock } from './fake-clock.js';
export type { FakeClock } from './fake-clock.js';
