import type { Store } from '../../store.js';
import {
  memoryCallMethods,
  memoryCampaignMethods,
  memoryClaimMethods,
  memoryRecordMethods,
} from './_methods.js';
import { memoryRows } from './_rows.js';
import { createState, DEFAULT_TUNING, type MemoryState, type MemoryTuning } from './_state.js';
import { memorySuppressionMethods } from './_suppressions.js';
import { memoryAgentMethods } from './_agents.js';

export { DEFAULT_TUNING, type MemoryTuning } from './_state.js';

/** The memory store (see `createMemoryStore`), with its sizes. */
export function createTunedMemoryStore(tuning: MemoryTuning = DEFAULT_TUNING): Store {
  let state: MemoryState | null = createState(tuning);

  const open = () => {
    if (!state) throw new Error('createMemoryStore: the store is closed');
    return state;
  };
  const rows = memoryRows(() => state!, open, tuning);

  return {
    name: 'memory',
    capabilities: { shared: false, durable: false, marks: true },
    ...memoryCallMethods(open, rows),
    ...memoryClaimMethods(open, rows),
    ...memoryRecordMethods(open, rows, tuning),
    ...memoryCampaignMethods(open),
    ...memorySuppressionMethods(() => open().suppressions),
    ...memoryAgentMethods(() => open().agents),

    async close() {
      state = null;
    },
  };
}
