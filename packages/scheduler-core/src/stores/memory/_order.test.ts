import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SortedSlots, SPARE_CHUNKS, type SlotReader } from './_order.js';

const drain = (reader: SlotReader): number[] => {
  const out: number[] = [];
  for (; reader.slot >= 0; reader.next()) out.push(reader.slot);
  return out;
};

describe('SortedSlots', () => {
  it('keeps slots in order through adds and deletes, in chunks of any size', () => {
    // Keys are small so many compare equal (then the slot decides); slots are 0..199.
    const step = fc.oneof(
      fc.record({ add: fc.nat(199), key: fc.integer({ min: -20, max: 20 }) }),
      fc.record({ remove: fc.nat(199) }),
      fc.record({ readFrom: fc.integer({ min: -21, max: 21 }) }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 9 }),
        fc.array(step, { maxLength: 600 }),
        (capacity, steps) => {
          const keys = new Map<number, number>();
          const compare = (a: number, b: number) => keys.get(a)! - keys.get(b)! || a - b;
          const order = new SortedSlots(compare, capacity);
          const model = () => [...keys.keys()].sort(compare);
          for (const s of steps) {
            if ('add' in s) {
              if (keys.has(s.add)) continue;
              keys.set(s.add, s.key);
              order.add(s.add);
            } else if ('remove' in s) {
              expect(order.delete(s.remove)).toBe(keys.has(s.remove));
              keys.delete(s.remove);
            } else {
              const from = drain(order.from((slot) => keys.get(slot)! >= s.readFrom));
              expect(from).toEqual(model().filter((slot) => keys.get(slot)! >= s.readFrom));
            }
            expect(order.size).toBe(keys.size);
          }
          expect(order.toArray()).toEqual(model());
          expect(drain(order.all())).toEqual(model());
          // Chunks follow the entries held, not the most ever held: every chunk but the last is
          // at least a quarter full or next to one that is.
          const chunks = order.bytes / (capacity * 4);
          expect(chunks).toBeLessThanOrEqual(Math.ceil((keys.size * 8) / capacity) + 1);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reuses the chunks of orders that emptied, reading back none of what they held', () => {
    // A size no other test uses, so the spare chunks are this test's alone.
    const capacity = 11;
    const first = new SortedSlots((a, b) => a - b, capacity);
    const held = [5, 1, 3, 9, 8, 4, 12, 14, 13, 10, 16, 15];
    for (const slot of held) first.add(slot);
    expect(first.bytes).toBe(2 * capacity * 4);
    for (const slot of held) first.delete(slot);
    expect(first.size).toBe(0);
    expect(first.bytes).toBe(0);
    expect(drain(first.all())).toEqual([]);
    // The next entries go into those chunks: what they held before is not read back.
    const second = new SortedSlots((a, b) => a - b, capacity);
    second.add(7);
    expect(second.toArray()).toEqual([7]);
    expect(drain(second.from((slot) => slot >= 0))).toEqual([7]);
    first.add(11);
    first.add(0);
    expect(first.toArray()).toEqual([0, 11]);
    expect(second.toArray()).toEqual([7]);
  });

  it(`keeps at most ${SPARE_CHUNKS} emptied chunks of a size for reuse`, () => {
    // A size no other test uses.
    const capacity = 13;
    const orders = Array.from({ length: SPARE_CHUNKS + 5 }, () => {
      const order = new SortedSlots((a, b) => a - b, capacity);
      order.add(1);
      return order;
    });
    const chunks = orders.map((order) => (order as unknown as { chunks: Int32Array[] }).chunks[0]);
    for (const order of orders) order.delete(1);
    // Orders made now get the spare chunks back, the last kept first, then new ones.
    const again = Array.from({ length: SPARE_CHUNKS + 1 }, () => {
      const order = new SortedSlots((a, b) => a - b, capacity);
      order.add(2);
      return (order as unknown as { chunks: Int32Array[] }).chunks[0];
    });
    const reused = again.filter((chunk) => chunks.includes(chunk));
    expect(reused).toHaveLength(SPARE_CHUNKS);
    expect(chunks.includes(again[SPARE_CHUNKS])).toBe(false);
  });

  it('fills its chunks when entries come in order, at the end or inside', () => {
    const capacity = 512;
    // Two ranges (say two numbers' calls), each added to at its end, in turns.
    const keys: number[] = [];
    const compare = (a: number, b: number) => (keys[a]! & 1) - (keys[b]! & 1) || a - b;
    const order = new SortedSlots(compare, capacity);
    for (let slot = 0; slot < 100_000; slot++) {
      keys.push(slot % 7 === 0 ? 1 : 0);
      order.add(slot);
    }
    // 100,000 entries take 400,000 bytes when full: every chunk but a few is.
    expect(order.bytes).toBeLessThanOrEqual(410_000);
    const sorted = order.toArray();
    expect(sorted.slice(0, 3)).toEqual([1, 2, 3]);
    expect(sorted[sorted.length - 1]).toBe(99_995);
  });

  it('finds the first slot past a position, and says when a slot is not there', () => {
    const keys = [5, 1, 3, 3, 9];
    const order = new SortedSlots((a, b) => keys[a]! - keys[b]! || a - b, 2);
    keys.forEach((_, slot) => order.add(slot));
    expect(order.toArray()).toEqual([1, 2, 3, 0, 4]);
    expect(drain(order.from((slot) => keys[slot]! > 3))).toEqual([0, 4]);
    expect(drain(order.from((slot) => keys[slot]! > 9))).toEqual([]);
    expect(drain(order.from(() => true))).toEqual([1, 2, 3, 0, 4]);
    expect(order.delete(7)).toBe(false);
    expect(order.delete(2)).toBe(true);
    expect(order.delete(2)).toBe(false);
    expect(order.toArray()).toEqual([1, 3, 0, 4]);
  });
});
