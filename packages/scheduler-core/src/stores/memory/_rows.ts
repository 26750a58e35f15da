import { ConflictError } from '../../errors.js';
import type { MarkedClaim, StoredCall } from '../../store.js';
import type { MemoryState, MemoryTuning } from './_state.js';

/** What a claim takes: `claimDue`'s query without a budget, in order. */
type ClaimArgs = [
  now: number,
  limit: number,
  workerId: string,
  leaseUntil: number,
  mark: number,
  provider?: string,
];

/**
 * The rows of the scheduler's own calls and their indexes (idempotency keys, provider ids, the
 * heap of wake times): a row's insert, its indexes after a write, its removal, and the walk of a
 * claim down the heap. `held()` is the store's state, read where the caller has checked it is
 * open; `open()` checks it.
 */
export function memoryRows(held: () => MemoryState, open: () => MemoryState, tuning: MemoryTuning) {
  /** Updates the indexes after a row's write (`wake` and `providerId` as they were before). */
  const index = (slot: number, wake: number | null, providerId: string | null) => {
    const { table, byProviderId, heap } = held();
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
    const { table, heap } = held();
    heap.rebuild((add) => table.forEachWake(add));
    table.recycle();
  };

  /** Deletes a row from the table and every index (its heap entries go stale). */
  const remove = (slot: number) => {
    const { table, byKey, byProviderId } = held();
    const key = table.idempotencyKey(slot);
    if (key !== null && byKey.get(key) === slot) byKey.delete(key);
    const providerId = table.providerCallId(slot);
    if (providerId !== null) byProviderId.remove(providerId, slot);
    table.delete(slot);
  };

  /** The slot at the top of the heap whose entry is current, dropping stale entries on the way. */
  const top = (): number | undefined => {
    const { table, heap } = held();
    while (heap.size > 0) {
      const slot = heap.peekSlot()!;
      if (table.wake(slot) === heap.peekKey()) return slot;
      heap.pop();
    }
    return undefined;
  };

  const insertOne = (input: StoredCall): number => {
    const { table, byKey, campaigns } = held();
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
   * leases afresh among the first `mark` are marked too.
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
    const { table, heap } = held();
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

  return { index, rebuild, remove, top, insertOne, claimRows, asideOthers };
}

export type MemoryRows = ReturnType<typeof memoryRows>;
