/** A claimed call's hold on the dispatcher's capacity, and its turn in the send order. */
export interface Slot {
  /**
   * `undefined` when the call holds a place under `concurrency` already, else a promise that
   * settles once it does: a call claimed ahead (the reserve) waits here, before its mark, until a
   * call before it is answered (or the dispatcher stops: `drain()`).
   */
  ready(): Promise<void> | undefined;
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
 * answer is written, and calls held stay below twice `concurrency` (plus the reserve). With a
 * `reserve`, up to that many calls more are claimed ahead and wait, in claim order, for a place:
 * a place that frees goes to the next of them at once, without a claim's round trip to the store
 * on the way. `onFreed` runs each time a slot or a hold is given back.
 */
export function createSlots(onFreed: () => void) {
  /** Slots taken: calls holding a place whose provider has not answered yet. */
  let active = 0;
  /** Claimed calls waiting for a place, in claim order. */
  const waiting: { go: () => void }[] = [];
  /** Claimed calls whose outcome is not recorded yet (`active` and waiting ones included). */
  let held = 0;
  /** `concurrency` as the last claim was sized by. */
  let places = Infinity;
  let draining = false;
  const sendOrder = createSendOrder();

  /**
   * Whether a call may have a place now: one under `concurrency` in flight, and the calls placed
   * and not recorded yet below twice `concurrency` (answers the store is slow to write hold the
   * calls claimed ahead back, as they hold back claims).
   */
  const room = () => draining || (active < places && held - waiting.length < 2 * places);

  /** Gives freed places to the calls waiting, first come first. */
  const admit = () => {
    while (waiting.length > 0 && room()) {
      active += 1;
      waiting.shift()!.go();
    }
  };

  return {
    /** How many more calls may be claimed now under `concurrency`, and `reserve` ahead. */
    free(concurrency: number, reserve = 0) {
      places = concurrency;
      admit();
      return Math.min(
        concurrency + reserve - active - waiting.length,
        2 * concurrency + reserve - held,
      );
    },
    /**
     * How many of the calls claimed next would have a place at once (under the `concurrency` of
     * the last {@link free}): the rest of a claim waits as the reserve.
     */
    placesNow() {
      if (waiting.length > 0 || draining) return 0;
      return Math.max(0, Math.min(places - active, 2 * places - held));
    },
    /** Lets every call waiting for a place go (the dispatcher is stopping: they hand back). */
    drain() {
      draining = true;
      admit();
    },
    /** The slot of a call just claimed (after those claimed before it, in the send order). */
    take(): Slot {
      let placed = waiting.length === 0 && room();
      held += 1;
      let gate: Promise<void> | undefined;
      let entry: { go: () => void } | undefined;
      if (placed) {
        active += 1;
      } else {
        gate = new Promise<void>((resolve) => {
          entry = {
            go: () => {
              placed = true;
              resolve();
            },
          };
        });
        waiting.push(entry!);
      }
      let answered = false;
      let recorded = false;
      const ticket = sendOrder.take();
      const slot: Slot = {
        ready: () => (placed ? undefined : gate),
        inOrder: () => sendOrder.wait(ticket),
        sent: () => sendOrder.sent(ticket),
        answered() {
          if (answered) return;
          answered = true;
          if (placed) active -= 1;
          else {
            // Ended before it had a place (adopted, ended, handed back): out of the queue.
            const at = waiting.indexOf(entry!);
            if (at >= 0) waiting.splice(at, 1);
          }
          admit();
          onFreed();
        },
        recorded() {
          slot.answered();
          if (recorded) return;
          recorded = true;
          held -= 1;
          admit();
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
