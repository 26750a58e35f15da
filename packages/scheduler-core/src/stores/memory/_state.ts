import type { StoredAgent, StoredSuppression } from '../../store.js';
import { MemoryBudgets } from './_budgets.js';
import { Campaigns } from './_campaigns.js';
import { MinHeap } from './_heap.js';
import { RecordTable } from './_history.js';
import { CHUNK } from './_order.js';
import { ProviderIdIndex } from './_provider-ids.js';
import { CallTable } from './_table.js';

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The sizes a memory store works with; tests make them small to reach every path quickly. */
export interface MemoryTuning {
  /** Entries per chunk of the orders. */
  chunk: number;
  /**
   * After `deleteFinished`, the deleted rows' slots and ids are freed (the heap rebuilt without
   * their entries) once at least this many wait, and at least half as many as the heap holds: a
   * rebuild costs the rows that can wake, so it stays cheap per row deleted.
   */
  recycleAt: number;
  /**
   * The heap is rebuilt once it holds this many entries more than twice the rows that can wake
   * (entries go stale as rows are claimed, rescheduled or end).
   */
  heapSlack: number;
}

export const DEFAULT_TUNING: MemoryTuning = { chunk: CHUNK, recycleAt: 1024, heapSlack: 4096 };

/** Everything a memory store holds; dropped as a whole on `close()`. */
export function createState(tuning: MemoryTuning) {
  const table = new CallTable(tuning.chunk);
  const bySlotId = (a: number, b: number) => byId(table.id(a), table.id(b));
  const suppressions = new Map<string, StoredSuppression>();
  const budgets = new MemoryBudgets();
  return {
    /** The send budgets: the store's own and the named ones; campaigns' claims share them. */
    budgets,
    table,
    byKey: new Map<string, number>(),
    byProviderId: new ProviderIdIndex<number>(),
    // Wake times; an entry is stale once its row's wake time differs (or its row is deleted),
    // and dropped at the top or when the heap is rebuilt.
    heap: new MinHeap(bySlotId),
    records: new RecordTable(tuning.chunk),
    leases: new Map<string, { owner: string; until: number }>(),
    campaigns: new Campaigns(tuning.chunk, suppressions, budgets),
    /** The do-not-call list, by number; campaigns' claims read the same map. */
    suppressions,
    /** The agents, by id. */
    agents: new Map<string, StoredAgent>(),
  };
}

/** What a memory store holds. */
export type MemoryState = ReturnType<typeof createState>;
