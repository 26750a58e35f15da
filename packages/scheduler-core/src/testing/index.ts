export { testStore, storedCall } from './store-contract.js';
export type { TestStoreOptions } from './store-contract.js';

import {
  createFakeClock as fakeClock,
  type FakeClock as CallClientFakeClock,
} from '@ringkit/call-client/testing';

/** @deprecated Import `createFakeClock` from `@ringkit/call-client/testing`; this alias goes in the next minor version. */
export const createFakeClock: typeof fakeClock = fakeClock;
/** @deprecated Import `FakeClock` from `@ringkit/call-client/testing`; this alias goes in the next minor version. */
export type FakeClock = CallClientFakeClock;
