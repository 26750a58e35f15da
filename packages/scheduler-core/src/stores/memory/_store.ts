import { ConflictError, CallNotFoundError, versionConflict } from '../../errors.js';
import { callPage, historyPage, readCursor } from '../_page.js';
import { Campaigns } from './_campaigns.js';
import { slotsFrom } from '../../store/_shares.js';
import { MemoryBudgets } from './_budgets.js';
import { MinHeap } from './_heap.js';
import type {
  MarkedClaim,
  Store,
  StoreListQuery,
  StorePage,
  StoredCall,
  StoredCallPatch,
  StoredSuppression,
} from '../../store.js';
import { RecordTable } from './_history.js';
import { memorySuppressionMethods } from './_suppressions.js';
import { CHUNK } from './_order.js';
import { ProviderIdIndex } from './_provider-ids.js';
import { CallTable } from './_table.js';

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** What a claim takes: `claimDueMarked`'s parameters. */
type ClaimArgs = Parameters<NonNullable<Store['claimDueMarked']>>;

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
function createState(tuning: MemoryTuning) {
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
  };
}

/** The memory store (see `createMemoryStore`), with its sizes. */
export function createTunedMemoryStore(tuning: MemoryTuning = DEFAULT_TUNING): Store {
  let state: ReturnType<typeof createState> | null = createState(tuning);

  const open = () => {
    if (!state) throw new Error('createMemoryStore: the store is closed');
    return state;
  };

  /** Updates the indexes after a row's write (`wake` and `providerId` as they were before). */
  const index = (slot: number, wake: number | null, providerId: string | null) => {
    const { table, byProviderId, heap } = state!;
    const current = table.providerCallId(slot);
    if (providerId !== null && providerId !== current) byProviderId.remove(providerId, slot);
    if (current !== null) byProviderId.add(current, slot);
    const next = table.wake(slot);
    if (next !== null && next !== wake) {
      heap.push(next, slot);
      if (heap.size > 2 * table.waking() + tuning.heapSlack) rebuild();
    }
  };

  /**
   * Rebuilds the heap from the rows that can wake (dropping every stale entry), then frees the
   * slots of deleted rows: no heap entry refers to them any more.
   */
  const rebuild = () => {
    const { table, heap } = state!;
    heap.rebuild((add) => table.forEachWake(add));
    table.recycle();
  };

  /** Deletes a row from the table and every index (its heap entries go stale). */
  const remove = (slot: number) => {
    const { table, byKey, byProviderId } = state!;
    const key = table.idempotencyKey(slot);
    if (key !== null && byKey.get(key) === slot) byKey.delete(key);
    const providerId = table.providerCallId(slot);
    if (providerId !== null) byProviderId.remove(providerId, slot);
    table.delete(slot);
  };

  /** The slot at the top of the heap whose entry is current, dropping stale entries on the way. */
  const top = (): number | undefined => {
    const { table, heap } = state!;
    while (heap.size > 0) {
      const slot = heap.peekSlot()!;
      if (table.wake(slot) === heap.peekKey()) return slot;
      heap.pop();
    }
    return undefined;
  };

  const insertOne = (input: StoredCall): number => {
    const { table, byKey, campaigns } = state!;
    if (table.slotOf(input.id) >= 0 || campaigns.hasId(input.id)) {
      throw new ConflictError({
        reason: 'duplicate',
        id: input.id,
        message: `Call ${input.id} already exists`,
      });
    }
    const key = input.idempotencyKey ?? null;
    if (key !== null && (byKey.has(key) || campaigns.hasKey(key))) {
      throw new ConflictError({
        reason: 'duplicate',
        id: byKey.has(key) ? table.id(byKey.get(key)!) : input.id,
        message: `Idempotency key ${JSON.stringify(key)} is already used`,
      });
    }
    const slot = table.add(input);
    if (key !== null) byKey.set(key, slot);
    index(slot, null, null);
    return slot;
  };

  /**
   * `claimDue`: the due rows, earliest first (a row whose number is suppressed ends); those it
   * leases afresh among the first `mark` are marked too (`claimDueMarked`).
   */
  const claimRows = (
    ...[now, limit, workerId, leaseUntil, mark, provider]: ClaimArgs
  ): MarkedClaim => {
    const { table, heap, suppressions } = open();
    const suppressionOf = (phone: string) => suppressions.get(phone);
    const calls: StoredCall[] = [];
    const marked: boolean[] = [];
    const others = asideOthers(provider);
    while (calls.length < limit) {
      const slot = others.top();
      if (slot === undefined || heap.peekKey()! > now) break;
      heap.pop();
      const marks = calls.length < mark;
      const claim = table.claimMarking(slot, now, workerId, leaseUntil, suppressionOf, marks);
      marked.push(claim.marked);
      // Its entry was just popped: the new wake time gets one whatever the old one was.
      index(slot, null, table.providerCallId(slot));
      calls.push(table.read(slot));
    }
    others.restore();
    return { calls, marked };
  };

  /**
   * The heap's top as `top()` finds it, the rows of providers other than `provider` set aside on
   * the way (every row counts without one); `restore()` puts them back.
   */
  const asideOthers = (provider: string | undefined) => {
    const { table, heap } = state!;
    const aside: [number, number][] = [];
    // Codes compared, not names: a row of no provider has code 0, and -1 matches no row.
    const wanted = provider === undefined ? 0 : table.findProvider(provider);
    return {
      top(): number | undefined {
        for (;;) {
          const slot = top();
          if (slot === undefined || provider === undefined) return slot;
          const code = table.providerCodeAt(slot);
          if (code === 0 || code === wanted) return slot;
          aside.push([heap.peekKey()!, slot]);
          heap.pop();
        }
      },
      restore() {
        for (const [key, slot] of aside) heap.push(key, slot);
      },
    };
  };

  return {
    name: 'memory',
    capabilities: { shared: false, durable: false },

    async insert(input) {
      const { table } = open();
      return table.read(insertOne(input));
    },

    async insertMany(input) {
      const { table, byKey, campaigns } = open();
      const ids = new Set<string>();
      const keys = new Set<string>();
      for (const row of input) {
        const key = row.idempotencyKey ?? null;
        if (
          table.slotOf(row.id) >= 0 ||
          campaigns.hasId(row.id) ||
          ids.has(row.id) ||
          (key !== null && (byKey.has(key) || campaigns.hasKey(key) || keys.has(key)))
        ) {
          throw new ConflictError({
            reason: 'duplicate',
            id: row.id,
            message: `Call ${row.id} or its idempotency key already exists`,
          });
        }
        ids.add(row.id);
        if (key !== null) keys.add(key);
      }
      for (const row of input) insertOne(row);
    },

    async get(id) {
      const { table, campaigns } = open();
      const slot = table.slotOf(id);
      if (slot >= 0) return table.read(slot);
      const at = campaigns.locate(id);
      return at ? at[0].read(at[1]) : null;
    },

    async findByIdempotencyKey(key) {
      const { table, byKey, campaigns } = open();
      const slot = byKey.get(key);
      return slot === undefined ? campaigns.findByKey(key) : table.read(slot);
    },

    async findByProviderCallId(provider, providerCallId) {
      const { table, byProviderId, campaigns } = open();
      // This provider's row first, then a row of none (stored before rows named their provider).
      const wanted = table.findProvider(provider);
      const ofCode = (code: number) => (s: number) =>
        table.providerCodeAt(s) === code && table.providerCallId(s) === providerCallId;
      for (const none of [false, true]) {
        const slot = byProviderId.find(providerCallId, ofCode(none ? 0 : wanted));
        if (slot !== undefined) return table.read(slot);
        const row = campaigns.findByProviderId(providerCallId, provider, none);
        if (row) return row;
      }
      return null;
    },

    async update(id, expectedVersion, patch: StoredCallPatch, steps = 1) {
      const { table, campaigns } = open();
      const slot = table.slotOf(id);
      if (slot < 0) {
        const at = campaigns.locate(id);
        if (!at) throw new CallNotFoundError(id);
        return at[0].update(at[1], expectedVersion, patch, steps);
      }
      const version = table.version(slot);
      if (version !== expectedVersion) {
        throw versionConflict(id, table.status(slot), version, expectedVersion);
      }
      if (
        patch.idempotencyKey !== undefined &&
        patch.idempotencyKey !== table.idempotencyKey(slot)
      ) {
        throw new ConflictError({
          reason: 'duplicate',
          id,
          message: 'An idempotency key cannot change',
        });
      }
      const wake = table.wake(slot);
      const providerId = table.providerCallId(slot);
      table.patch(slot, patch, steps);
      index(slot, wake, providerId);
      return table.read(slot);
    },

    async claimDue(now, limit, workerId, leaseUntil, provider) {
      return claimRows(now, limit, workerId, leaseUntil, 0, provider).calls;
    },

    async claimDueMarked(...args) {
      return claimRows(...args);
    },

    async claimDueBudgeted(now, limit, workerId, leaseUntil, budget, provider) {
      const { budgets } = open();
      const turn = budgets.turn(now, limit, budget);
      const calls =
        turn.most > 0 ? claimRows(now, turn.most, workerId, leaseUntil, 0, provider).calls : [];
      const sends = (c: StoredCall) => c.status === 'queued' && c.placingAt === null;
      const { slots, sent } = slotsFrom(calls, sends, turn.start, budget.intervalMs);
      return { calls, slots, nextSlotAt: budgets.settle(turn, sent, now, limit, budget) };
    },

    async reserveSendSlot(now, budget) {
      return open().budgets.reserve(now, budget);
    },

    async countByStatus(statuses) {
      const { table, campaigns } = open();
      const counts: Record<string, number> = {};
      for (const status of statuses) {
        const n = table.count(status) + campaigns.count(status);
        if (n > 0) counts[status] = n;
      }
      return counts;
    },

    async nextDueAt(provider) {
      const { heap } = open();
      const others = asideOthers(provider);
      const next = others.top() === undefined ? null : heap.peekKey()!;
      others.restore();
      return next;
    },

    async list(query: StoreListQuery): Promise<StorePage<StoredCall>> {
      const { table, campaigns } = open();
      const after = readCursor(query.cursor);
      if (query.campaign != null) {
        const campaign = campaigns.campaign(query.campaign);
        return campaign ? campaign.list(query, after) : { items: [], nextCursor: null };
      }
      const statuses = query.status === undefined ? null : [query.status].flat();
      const slots = table.list(statuses, query.to ?? null, after, query.limit + 1);
      return callPage(
        slots.map((slot) => table.read(slot)),
        query.limit,
      );
    },

    async saveCallRecord(record) {
      open().records.save(record);
    },

    async mergeCallRecord(record, merge) {
      // Read, merge and write in one synchronous step: nothing runs in between.
      const { records } = open();
      const stored = records.get(record.id);
      records.save(stored ? merge(stored, record) : record);
      return records.get(record.id)!;
    },

    async listHistory(phone, query) {
      const { records } = open();
      const before = readCursor(query.cursor);
      return historyPage(records.page(phone, before, query.limit + 1), query.limit);
    },

    async deleteFinished(before, limit) {
      const { table, heap, campaigns } = open();
      // The oldest of the scheduler's own finished rows and of the campaigns', merged.
      const own = table.finishedBefore(before, limit);
      const theirs = campaigns.finishedBefore(before, limit);
      let i = 0;
      let j = 0;
      while (i + j < limit && (i < own.length || j < theirs.length)) {
        const mine = own[i];
        const other = theirs[j];
        if (
          mine !== undefined &&
          (other === undefined ||
            table.updatedAt(mine) < other.updatedAt ||
            (table.updatedAt(mine) === other.updatedAt && table.id(mine) < other.id))
        ) {
          remove(mine);
          i++;
        } else {
          campaigns.delete(other!);
          j++;
        }
      }
      // Free the deleted rows' slots (and ids) once enough wait that a rebuild is cheap per row.
      if (table.deleted >= Math.max(tuning.recycleAt, heap.size >> 1)) rebuild();
      return i + j;
    },

    async deleteCallRecords(before, limit) {
      return open().records.deleteBefore(before, limit);
    },

    async acquireLease(name, workerId, now, until) {
      const { leases } = open();
      const held = leases.get(name);
      if (held && held.owner !== workerId && held.until > now) return false;
      leases.set(name, { owner: workerId, until });
      return true;
    },

    async insertCampaign(campaign, rows) {
      const { table, byKey, campaigns } = open();
      campaigns.insert(campaign, rows, {
        id: (id) => table.slotOf(id) >= 0,
        key: (key) => byKey.has(key),
      });
    },

    async getCampaign(id) {
      return open().campaigns.get(id);
    },

    async listCampaigns(query) {
      return open().campaigns.page(query);
    },

    async updateCampaign(id, expectedVersion, patch) {
      return open().campaigns.update(id, expectedVersion, patch);
    },

    async claimCampaign(id, now, limit, workerId, leaseUntil, options) {
      const campaign = open().campaigns.campaign(id);
      return campaign
        ? campaign.claim(now, limit, workerId, leaseUntil, options)
        : { campaign: null, calls: [], slots: [], taken: 0, nextSlotAt: null };
    },

    async nextCampaignWake(id, now, holdMs) {
      return open().campaigns.campaign(id)?.nextWake(now, holdMs) ?? null;
    },

    async listCampaignCalls(id, query) {
      return open().campaigns.campaign(id)?.calls(query) ?? [];
    },

    async countCampaign(id) {
      return open().campaigns.campaign(id)?.counts() ?? {};
    },

    ...memorySuppressionMethods(() => open().suppressions),

    async close() {
      state = null;
    },
  };
}
