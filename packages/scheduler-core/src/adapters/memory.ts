import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { MinHeap } from '../internal/_heap.js';
import {
  decodeCursor,
  encodeCursor,
  wakeTime,
  type Store,
  type StoreListQuery,
  type StorePage,
  type StoredCall,
  type StoredCallPatch,
  type StoredCallRecord,
} from '../store.js';

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Builds a row with every field in one order, so all rows share one hidden class. */
function compact(row: StoredCall): StoredCall {
  return {
    id: row.id,
    to: row.to,
    status: row.status,
    dueAt: row.dueAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    version: row.version,
    attempt: row.attempt,
    leaseOwner: row.leaseOwner,
    leaseUntil: row.leaseUntil,
    placingAt: row.placingAt,
    providerCallId: row.providerCallId,
    reason: row.reason,
    idempotencyKey: row.idempotencyKey,
    events: row.events,
    options: row.options,
  };
}

function badCursor(): ValidationError {
  return new ValidationError('cursor', [
    { code: 'custom', path: ['cursor'], message: 'unknown cursor' },
  ]);
}

/**
 * A store in this process's memory: the default for tests and single-process apps that can lose
 * their schedule on restart. Rows are immutable objects of one shape, due times sit in a binary
 * heap of parallel arrays (no per-row closures or timers), so a pending call costs a few hundred
 * bytes. Not shared across processes (several schedulers in one process may share it).
 *
 * @example
 * const scheduler = createScheduler({ store: memoryStore(), provider });
 */
export function memoryStore(): Store {
  const rows = new Map<string, StoredCall>();
  const byKey = new Map<string, string>();
  const byProviderId = new Map<string, string>();
  // Ids in (createdAt, id) order; `sorted` turns false when a row arrives out of order.
  let order: string[] = [];
  let sorted = true;
  const heap = new MinHeap<string>(byId);
  const records = new Map<string, StoredCallRecord>();
  let closed = false;

  const assertOpen = () => {
    if (closed) throw new Error('memoryStore: the store is closed');
  };

  const index = (row: StoredCall, previous: StoredCall | undefined) => {
    if (previous?.providerCallId && previous.providerCallId !== row.providerCallId) {
      if (byProviderId.get(previous.providerCallId) === row.id) {
        byProviderId.delete(previous.providerCallId);
      }
    }
    if (row.providerCallId) byProviderId.set(row.providerCallId, row.id);
    const wake = wakeTime(row);
    if (wake !== null && (previous === undefined || wakeTime(previous) !== wake)) {
      heap.push(wake, row.id);
    }
  };

  /** The id at the top of the heap whose entry is current, dropping stale entries on the way. */
  const top = (): string | undefined => {
    while (heap.size > 0) {
      const id = heap.peekValue()!;
      const row = rows.get(id);
      if (row && wakeTime(row) === heap.peekKey()) return id;
      heap.pop();
    }
    return undefined;
  };

  const ordered = () => {
    if (!sorted) {
      order.sort((a, b) => {
        const ra = rows.get(a)!;
        const rb = rows.get(b)!;
        return ra.createdAt - rb.createdAt || byId(a, b);
      });
      sorted = true;
    }
    return order;
  };

  const insertOne = (input: StoredCall) => {
    if (rows.has(input.id)) {
      throw new ConflictError({
        reason: 'duplicate',
        id: input.id,
        message: `Call ${input.id} already exists`,
      });
    }
    if (input.idempotencyKey !== null && byKey.has(input.idempotencyKey)) {
      throw new ConflictError({
        reason: 'duplicate',
        id: byKey.get(input.idempotencyKey)!,
        message: `Idempotency key ${JSON.stringify(input.idempotencyKey)} is already used`,
      });
    }
    const row = compact(input);
    rows.set(row.id, row);
    if (row.idempotencyKey !== null) byKey.set(row.idempotencyKey, row.id);
    const last = order.length > 0 ? rows.get(order[order.length - 1]!) : undefined;
    if (
      last &&
      (last.createdAt > row.createdAt || (last.createdAt === row.createdAt && last.id > row.id))
    ) {
      sorted = false;
    }
    order.push(row.id);
    index(row, undefined);
    return row;
  };

  return {
    name: 'memory',
    capabilities: { shared: false, durable: false },

    async insert(input) {
      assertOpen();
      return { ...insertOne(input) };
    },

    async insertMany(input) {
      assertOpen();
      const ids = new Set<string>();
      const keys = new Set<string>();
      for (const row of input) {
        const key = row.idempotencyKey;
        if (
          rows.has(row.id) ||
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
      assertOpen();
      const row = rows.get(id);
      return row ? { ...row } : null;
    },

    async findByIdempotencyKey(key) {
      assertOpen();
      const id = byKey.get(key);
      const row = id === undefined ? undefined : rows.get(id);
      return row ? { ...row } : null;
    },

    async findByProviderCallId(providerCallId) {
      assertOpen();
      const id = byProviderId.get(providerCallId);
      const row = id === undefined ? undefined : rows.get(id);
      return row && row.providerCallId === providerCallId ? { ...row } : null;
    },

    async update(id, expectedVersion, patch: StoredCallPatch) {
      assertOpen();
      const previous = rows.get(id);
      if (!previous) throw new NotFoundError(id);
      if (previous.version !== expectedVersion) {
        throw new ConflictError({
          reason: 'version_conflict',
          id,
          status: previous.status,
          message: `Call ${id} is at version ${previous.version}, not ${expectedVersion}`,
        });
      }
      if (patch.idempotencyKey !== undefined && patch.idempotencyKey !== previous.idempotencyKey) {
        throw new ConflictError({
          reason: 'duplicate',
          id,
          message: 'An idempotency key cannot change',
        });
      }
      const row = compact({
        ...previous,
        ...patch,
        id,
        createdAt: previous.createdAt,
        version: previous.version + 1,
      });
      rows.set(id, row);
      index(row, previous);
      return { ...row };
    },

    async claimDue(now, limit, workerId, leaseUntil) {
      assertOpen();
      const claimed: StoredCall[] = [];
      while (claimed.length < limit) {
        const id = top();
        if (id === undefined || heap.peekKey()! > now) break;
        heap.pop();
        const previous = rows.get(id)!;
        const row = compact({
          ...previous,
          status: 'queued',
          leaseOwner: workerId,
          leaseUntil,
          updatedAt: now,
          version: previous.version + 1,
        });
        rows.set(id, row);
        index(row, previous);
        claimed.push({ ...row });
      }
      return claimed;
    },

    async nextDueAt() {
      assertOpen();
      return top() === undefined ? null : heap.peekKey()!;
    },

    async list(query: StoreListQuery): Promise<StorePage<StoredCall>> {
      assertOpen();
      const ids = ordered();
      const after = decodeCursor(query.cursor);
      if (query.cursor && !after) throw badCursor();
      const statuses = query.status === undefined ? null : new Set([query.status].flat());
      let lo = 0;
      if (after) {
        let hi = ids.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          const row = rows.get(ids[mid]!)!;
          if (row.createdAt < after[0] || (row.createdAt === after[0] && row.id <= after[1]))
            lo = mid + 1;
          else hi = mid;
        }
      }
      const items: StoredCall[] = [];
      let i = lo;
      for (; i < ids.length && items.length < query.limit; i++) {
        const row = rows.get(ids[i]!)!;
        if (statuses && !statuses.has(row.status)) continue;
        if (query.to !== undefined && row.to !== query.to) continue;
        items.push({ ...row });
      }
      const last = items[items.length - 1];
      const more = items.length === query.limit && i < ids.length;
      return { items, nextCursor: more && last ? encodeCursor(last.createdAt, last.id) : null };
    },

    async saveCallRecord(record) {
      assertOpen();
      records.set(record.id, { ...record });
    },

    async listHistory(phone, query) {
      assertOpen();
      const before = decodeCursor(query.cursor);
      if (query.cursor && !before) throw badCursor();
      const matching = [...records.values()]
        .filter((r) => r.from === phone || r.to === phone)
        .filter(
          (r) =>
            !before || r.startedAt < before[0] || (r.startedAt === before[0] && r.id < before[1]),
        )
        .sort((a, b) => b.startedAt - a.startedAt || byId(b.id, a.id));
      const items = matching.slice(0, query.limit).map((r) => ({ ...r }));
      const last = items[items.length - 1];
      return {
        items,
        nextCursor:
          matching.length > query.limit && last ? encodeCursor(last.startedAt, last.id) : null,
      };
    },

    async close() {
      closed = true;
      rows.clear();
      byKey.clear();
      byProviderId.clear();
      records.clear();
      order = [];
    },
  };
}
