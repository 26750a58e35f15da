/**
 * The slots of a dispatcher with calls claimed ahead (the reserve): never more than
 * `concurrency` calls with a place, places given in claim order, and the calls placed and not
 * recorded kept below twice `concurrency`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSlots, type Slot } from './_slots.js';

describe('createSlots with a reserve', () => {
  it('lets concurrency calls go at once and the reserve wait, then gives freed places in claim order', async () => {
    const slots = createSlots(() => {});
    expect(slots.free(2, 2)).toBe(4);
    const taken = [slots.take(), slots.take(), slots.take(), slots.take()];
    expect(taken.map((s) => s.ready() === undefined)).toEqual([true, true, false, false]);
    expect(slots.free(2, 2)).toBe(0);
    const order: number[] = [];
    void taken[2]!.ready()!.then(() => order.push(2));
    void taken[3]!.ready()!.then(() => order.push(3));
    taken[1]!.answered();
    await Promise.resolve();
    expect(order).toEqual([2]);
    expect(taken[3]!.ready()).toBeInstanceOf(Promise);
    taken[0]!.recorded();
    await Promise.resolve();
    expect(order).toEqual([2, 3]);
  });

  it('drops a call that ends before it had a place from the queue', async () => {
    const slots = createSlots(() => {});
    slots.free(1, 2);
    const [a, b, c] = [slots.take(), slots.take(), slots.take()];
    b.recorded(); // handed back, adopted, or ended by the claim
    a.answered();
    await Promise.resolve();
    expect(c.ready()).toBeUndefined();
  });

  it('holds the reserve back while twice concurrency calls placed wait for their answers to be written', () => {
    const slots = createSlots(() => {});
    slots.free(1, 1);
    const a = slots.take();
    a.answered(); // answered, its write pending
    slots.free(1, 1);
    const b = slots.take();
    expect(b.ready()).toBeUndefined();
    b.answered();
    slots.free(1, 1);
    const c = slots.take();
    // Two placed and unrecorded: the third waits for a write, not only for a place.
    expect(c.ready()).toBeInstanceOf(Promise);
    a.recorded();
    expect(c.ready()).toBeUndefined();
  });

  it('lets every waiting call go on drain()', () => {
    const slots = createSlots(() => {});
    slots.free(1, 3);
    const taken = [slots.take(), slots.take(), slots.take()];
    slots.drain();
    expect(taken.every((s) => s.ready() === undefined)).toBe(true);
  });

  it('never has more than concurrency calls placed and unanswered, whatever the order of events (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.nat({ max: 99 }), { minLength: 1, maxLength: 120 }),
        (concurrency, reserve, steps) => {
          const slots = createSlots(() => {});
          const live: { slot: Slot; answered: boolean }[] = [];
          for (const step of steps) {
            const free = slots.free(concurrency, reserve);
            if (step % 3 === 0 && free > 0) live.push({ slot: slots.take(), answered: false });
            else if (live.length > 0) {
              const pick = live[step % live.length]!;
              if (!pick.answered) {
                pick.answered = true;
                pick.slot.answered();
              } else {
                pick.slot.recorded();
                live.splice(live.indexOf(pick), 1);
              }
            }
            const placed = live.filter((l) => l.slot.ready() === undefined);
            expect(placed.filter((l) => !l.answered).length).toBeLessThanOrEqual(concurrency);
            expect(placed.length).toBeLessThanOrEqual(2 * concurrency);
            expect(live.length).toBeLessThanOrEqual(2 * concurrency + reserve);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
