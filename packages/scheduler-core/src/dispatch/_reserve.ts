/**
 * Fresh send slots, one reservation per budget at a time in a process: the placements of every
 * engine of this process (the scheduler's, each campaign's) that missed their turns while a
 * reservation was on its way take theirs together in the next one (`Store.reserveSendSlot`'s
 * `count`). The budget's row in the store is then waited for once per batch, not once per
 * placement, and a placement late because the row was busy does not make the row busier.
 */
import type { Clock } from '@ringkit/call-client';
import type { SendBudget, Store } from '../store.js';

/** Takes one fresh slot of `budget`: `max(next free slot, now)`, now as the reservation is sent. */
export type Reserve = (budget: SendBudget) => Promise<number>;

/** The reservers of each store, per clock (engines on one clock share one). */
const reservers = new WeakMap<Store, WeakMap<Clock, Reserve>>();

/** The one {@link Reserve} of `store` (one that has `reserveSendSlot`) on `clock` in this process. */
export function sharedReserve(store: Store, clock: Clock): Reserve {
  let byClock = reservers.get(store);
  if (!byClock) reservers.set(store, (byClock = new WeakMap()));
  let reserve = byClock.get(clock);
  if (!reserve) byClock.set(clock, (reserve = createReserve(store, clock)));
  return reserve;
}

interface Batch {
  budget: SendBudget;
  waiting: { resolve: (slot: number) => void; reject: (error: unknown) => void }[];
}

/**
 * A {@link Reserve} that batches: asks made while a reservation of the same budget is on its way
 * (or in the same turn as the first) go in the next, one write for all of them, each answered a
 * slot of its own, `intervalMs` apart, in the order they asked.
 */
export function createReserve(store: Store, clock: Clock): Reserve {
  if (!store.reserveSendSlot)
    throw new TypeError(`the store "${store.name}" has no reserveSendSlot`);
  const reserveSendSlot = store.reserveSendSlot.bind(store);
  /** The batch forming, per budget (its name and interval). */
  const forming = new Map<string, Batch>();
  /** The budgets with a reservation on its way, or one about to go. */
  const busy = new Set<string>();
  const keyOf = (budget: SendBudget) => `${budget.share?.name ?? ''}\u0000${budget.intervalMs}`;

  function send(key: string) {
    const batch = forming.get(key);
    if (!batch) {
      busy.delete(key);
      return;
    }
    forming.delete(key);
    const { budget, waiting } = batch;
    let sent: Promise<number>;
    try {
      sent = reserveSendSlot(clock.now(), budget, waiting.length);
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent
      .then(
        (first) => waiting.forEach((w, i) => w.resolve(first + i * budget.intervalMs)),
        (error: unknown) => waiting.forEach((w) => w.reject(error)),
      )
      // What formed meanwhile goes next.
      .finally(() => send(key));
  }

  return (budget) =>
    new Promise<number>((resolve, reject) => {
      const key = keyOf(budget);
      let batch = forming.get(key);
      if (!batch) forming.set(key, (batch = { budget, waiting: [] }));
      batch.waiting.push({ resolve, reject });
      if (busy.has(key)) return;
      busy.add(key);
      queueMicrotask(() => send(key));
    });
}
