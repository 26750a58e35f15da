/**
 * Fresh send slots, one reservation per budget at a time in a process: the placements of every
 * engine of this process (the scheduler's, each campaign's) that missed their turns while a
 * reservation was on its way take theirs together in the next one (`Store.reserveSendSlot`'s
 * `count`). The budget's row in the store is then waited for once per batch, not once per
 * placement, and a placement late because the row was busy does not make the row busier.
 */
import type { Clock } from '@ringkit/call-client';
import { createBatches } from '@ringkit/internal';
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

/**
 * A {@link Reserve} that batches (`createBatches`): asks of one budget made while a reservation
 * of it is on its way (or in the same turn as the first) go in the next, one write for all of
 * them, each answered a slot of its own, `intervalMs` apart, in the order they asked.
 */
export function createReserve(store: Store, clock: Clock): Reserve {
  if (!store.reserveSendSlot)
    throw new TypeError(`the store "${store.name}" has no reserveSendSlot`);
  const reserveSendSlot = store.reserveSendSlot.bind(store);
  const batches = createBatches<SendBudget, number>(
    async (budgets) => {
      const budget = budgets[0]!;
      const first = await reserveSendSlot(clock.now(), budget, budgets.length);
      return budgets.map((_, i) => first + i * budget.intervalMs);
    },
    // One sequence of slots per budget: its name (or the store's own), at its interval.
    (budget) => `${budget.share?.name ?? ''}\u0000${budget.intervalMs}`,
  );
  return (budget) => batches.ask(budget);
}
