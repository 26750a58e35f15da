import { ConflictError, NotFoundError, versionConflict } from '../../errors.js';
import { callPage, historyPage, readCursor } from '../_page.js';
import { MinHeap } from './_heap.js';
import {
  type Store,
  type StoreListQuery,
  type StorePage,
  type StoredCall,
  type StoredCallPatch,
  type StoredCallRecord,
} from '../../store.js';
import { SlotOrder } from './_order.js';
import { CallTable } from './_table.js';

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Everything a memory store holds; dropped as a whole on `close()`. */
function createState() {
  const table = new CallTable();
  const bySlotId = (a: number, b: number) => byId(table.id(a), table.id(b));
  return {
    table,
    byKey: new Map<string, number>(),
    byProviderId: new Map<string, number>(),
    // Slots in (createdAt, id) order, for list().
    order: new SlotOrder((a, b) => table.createdAt(a) - table.createdAt(b) || bySlotId(a, b)),
    // Wake times; an entry is stale once its row's wake time differs, and dropped at the top.
    heap: new MinHeap(bySlotId),
    records: new Map<string, StoredCallRecord>(),
  };
}

/**
 * A store in this process's memory: the default for tests and single-process apps that can lose
 * their schedule on restart. Calls are kept column by column (typed arrays and string tables, see
 * `CallTable`), wake times in a binary heap of typed arrays, so a pending call costs about 180
 * bytes (250 when every call goes to a different number) and no timer. Every row it returns is a
 * fresh copy. Not shared across processes (several schedulers in one process may share it).
 *
 * @example
 * const scheduler = createScheduler({ store: memoryStore(), provider });
 */
export function memoryStore(): Store {
  let state: ReturnType<typeof createState> | null = createState();

  const open = () => {
    if (!state) throw new Error('memoryStore: the store is closed');
    return state;
  };

  /** Updates the indexes after a row's write (`wake` and `providerId` as they were before). */
  const index = (slot: number, wake: number | null, providerId: string | null) => {
    const { table, byProviderId, heap } = state!;
    const current = table.providerCallId(slot);
    if (providerId !== null && providerId !== current && byProviderId.get(providerId) === slot) {
      byProviderId.delete(providerId);
    }
    if (current !== null) byProviderId.set(current, slot);
    const next = table.wake(slot);
    if (next !== null && next !== wake) heap.push(next, slot);
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
    const { table, byKey, order } = state!;
    if (table.slotOf(input.id) >= 0) {
      throw new ConflictError({
        reason: 'duplicate',
        id: input.id,
        message: `Call ${input.id} already exists`,
      });
    }
    const key = input.idempotencyKey ?? null;
    if (key !== null && byKey.has(key)) {
      throw new ConflictError({
        reason: 'duplicate',
        id: table.id(byKey.get(key)!),
        message: `Idempotency key ${JSON.stringify(key)} is already used`,
      });
    }
    const slot = table.add(input);
    if (key !== null) byKey.set(key, slot);
    order.add(slot);
    index(slot, null, null);
    return slot;
  };

  return {
    name: 'memory',
    capabilities: { shared: false, durable: false },

    async insert(input) {
      const { table } = open();
      return table.read(insertOne(input));
    },

    async insertMany(input) {
      const { table, byKey } = open();
      const ids = new Set<string>();
      const keys = new Set<string>();
      for (const row of input) {
        const key = row.idempotencyKey ?? null;
        if (
          table.slotOf(row.id) >= 0 ||
          ids.has(row.id) ||
          (key !== null && (byKey.has(key) || keys.has(key)))
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
      const { table } = open();
      const slot = table.slotOf(id);
      return slot < 0 ? null : table.read(slot);
    },

    async findByIdempotencyKey(key) {
      const { table, byKey } = open();
      const slot = byKey.get(key);
      return slot === undefined ? null : table.read(slot);
    },

    async findByProviderCallId(providerCallId) {
      const { table, byProviderId } = open();
      const slot = byProviderId.get(providerCallId);
      return slot !== undefined && table.providerCallId(slot) === providerCallId
        ? table.read(slot)
        : null;
    },

    async update(id, expectedVersion, patch: StoredCallPatch) {
      const { table } = open();
      const slot = table.slotOf(id);
      if (slot < 0) throw new NotFoundError(id);
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
      table.patch(slot, patch);
      index(slot, wake, providerId);
      return table.read(slot);
    },

    async claimDue(now, limit, workerId, leaseUntil) {
      const { table, heap } = open();
      const claimed: StoredCall[] = [];
      while (claimed.length < limit) {
        const slot = top();
        if (slot === undefined || heap.peekKey()! > now) break;
        heap.pop();
        table.claim(slot, now, workerId, leaseUntil);
        // Its entry was just popped: the new wake time gets one whatever the old one was.
        index(slot, null, table.providerCallId(slot));
        claimed.push(table.read(slot));
      }
      return claimed;
    },

    async countByStatus() {
      return open().table.countByStatus();
    },

    async nextDueAt() {
      const { heap } = open();
      return top() === undefined ? null : heap.peekKey()!;
    },

    async list(query: StoreListQuery): Promise<StorePage<StoredCall>> {
      const { table, order } = open();
      const after = readCursor(query.cursor);
      const filter = table.filter(
        query.status === undefined ? null : [query.status].flat(),
        query.to ?? null,
      );
      const slots = order.view();
      let i = after
        ? order.firstWhere((slot) => {
            const createdAt = table.createdAt(slot);
            return createdAt > after[0] || (createdAt === after[0] && table.id(slot) > after[1]);
          })
        : 0;
      const items: StoredCall[] = [];
      for (; i < slots.length && items.length <= query.limit; i++) {
        const slot = slots[i]!;
        if (table.matches(slot, filter)) items.push(table.read(slot));
      }
      return callPage(items, query.limit);
    },

    async saveCallRecord(record) {
      open().records.set(record.id, { ...record, answeredBy: record.answeredBy ?? null });
    },

    async listHistory(phone, query) {
      const { records } = open();
      const before = readCursor(query.cursor);
      const matching = [...records.values()]
        .filter((r) => r.from === phone || r.to === phone)
        .filter(
          (r) =>
            !before || r.startedAt < before[0] || (r.startedAt === before[0] && r.id < before[1]),
        )
        .sort((a, b) => b.startedAt - a.startedAt || byId(b.id, a.id));
      return historyPage(
        matching.slice(0, query.limit + 1).map((r) => ({ ...r })),
        query.limit,
      );
    },

    async close() {
      state = null;
    },
  };
}
