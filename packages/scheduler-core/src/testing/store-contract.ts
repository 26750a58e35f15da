/**
 * `testStore()`: the one suite every store runs, memory, SQLite, PostgreSQL and yours. Its cases
 * are in `store-contract/`, one file a concern; this file runs them all, in one `describe`.
 */
import { afterEach, beforeEach, describe } from 'vitest';
import type { Store } from '../store.js';
import { agentCases } from './store-contract/_agent-cases.js';
import { batchCases } from './store-contract/_batch-cases.js';
import { callCases } from './store-contract/_call-cases.js';
import { campaignCases } from './store-contract/_campaign-cases.js';
import { claimCases } from './store-contract/_claim-cases.js';
import { claimMarkCases } from './store-contract/_claim-mark-cases.js';
import { callLogCases } from './store-contract/_call-log-cases.js';
import { historyCases } from './store-contract/_history-cases.js';
import { listCases } from './store-contract/_list-cases.js';
import { pacingCases } from './store-contract/_pacing-cases.js';
import { recordCases } from './store-contract/_record-cases.js';
import { retentionCases } from './store-contract/_retention-cases.js';
import { rowCases } from './store-contract/_row-cases.js';
import { shareCases } from './store-contract/_share-cases.js';
import { suppressionCases } from './store-contract/_suppression-cases.js';

export { storedCall, storedCampaign } from './store-contract/_fixtures.js';
export { storedAgent } from './store-contract/_agent-cases.js';

/** Options of {@link testStore}. */
export interface TestStoreOptions {
  /** Shown in the test names, e.g. `'sqlite'`. */
  name: string;
  /** Makes an empty store; called before each test. */
  create: () => Store | Promise<Store>;
  /**
   * Opens a second connection to the same data (another process would): concurrent claims are
   * then raced across both. Leave it out for stores that live in one process.
   */
  connectAgain?: (store: Store) => Store | Promise<Store>;
}

/**
 * The one contract suite every `Store` must pass. Call it at the top level of a vitest file:
 *
 * @example
 * import { testStore } from '@ringkit/scheduler-core/testing';
 * testStore({ name: 'my-store', create: () => myStore() });
 */
export function testStore(options: TestStoreOptions): void {
  describe(`Store contract: ${options.name}`, () => {
    let store: Store;
    const extra: Store[] = [];

    beforeEach(async () => {
      store = await options.create();
    });
    afterEach(async () => {
      for (const other of extra.splice(0)) await other.close();
      await store.close();
    });

    const current = () => store;
    /** A second connection to the test's data (the store itself without `connectAgain`). */
    const another = async () => {
      const other = options.connectAgain ? await options.connectAgain(store) : store;
      if (other !== store) extra.push(other);
      return other;
    };

    rowCases(current);
    claimCases(current, another);
    claimMarkCases(current, another);
    pacingCases(current, another);
    shareCases(current, another);
    listCases(current);
    historyCases(current);
    callLogCases(current);
    batchCases(current);
    retentionCases(current, another);
    callCases(current);
    recordCases(current, another);
    campaignCases(current, another);
    suppressionCases(current, another);
    agentCases(current, another);
  });
}
