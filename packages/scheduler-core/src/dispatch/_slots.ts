/** A claimed call's hold on the dispatcher's capacity, and its turn in the send order. */
export interface Slot {
  /** The provider answered (or failed): the request is no longer in flight. */
  answered(): void;
  /** The answer is written. */
  recorded(): void;
  /**
   * `undefined` when every call claimed before this one by this worker was sent or dropped, else
   * a promise that settles then: requests leave in claim order even when their marks are written
   * out of order (two batches on two connections of a pool).
   */
  inOrder(): Promise<void> | undefined;
  /** This call's request went out, or never will: the calls claimed after it may go. */
  sent(): void;
}

/**
 * The slots of one dispatcher. A slot is taken (`active`) from the claim until the provider
 * answers, so the next claim overlaps the writing of the answers; a call is held until its
 * answer is written, and calls held stay below twice `concurrency`. `onFreed` runs each time a
 * slot or a hold is given back.
 */
export function createSlots(onFreed: () => void) {
  /** Slots taken: claimed calls whose provider has not answered yet. */
  let active = 0;
  /** Claimed calls whose outcome is not recorded yet (`active` ones included). */
  let held = 0;
  const sendOrder = createSendOrder();

  return {
    /** How many more calls may be claimed now under `concurrency`. */
    free: (concurrency: number) => Math.min(concurrency - active, 2 * concurrency - held),
    /** The slot of a call just claimed (after those claimed before it, in the send order). */
    take(): Slot {
      active += 1;
      held += 1;
      let answered = false;
      let recorded = false;
      const ticket = sendOrder.take();
      const slot: Slot = {
        inOrder: () => sendOrder.wait(ticket),
        sent: () => sendOrder.sent(ticket),
        answered() {
          if (answered) return;
          answered = true;
          active -= 1;
          onFreed();
        },
        recorded() {
          slot.answered();
          if (recorded) return;
          recorded = true;
          held -= 1;
          onFreed();
        },
      };
      return slot;
    },
  };
}

/**
 * Tickets in claim order: a placement waits (see {@link Slot.inOrder}) only while a call claimed
 * before it is neither sent nor dropped. In the usual case nothing is awaited, so calls claimed
 * together still go out, and come back, in the same tick.
 */
function createSendOrder() {
  let issued = 0;
  /** Every ticket below this one was sent or dropped. */
  let next = 0;
  const done = new Set<number>();
  const waiting = new Map<number, () => void>();
  return {
    take: () => issued++,
    sent(ticket: number) {
      if (ticket < next) return;
      done.add(ticket);
      while (done.delete(next)) {
        next += 1;
        const wake = waiting.get(next);
        if (wake) {
          waiting.delete(next);
          wake();
        }
      }
    },
    wait(ticket: number): Promise<void> | undefined {
      if (ticket <= next) return undefined;
      return new Promise<void>((resolve) => waiting.set(ticket, resolve));
    },
  };
}
