import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlotOrder } from './_order.js';

describe('SlotOrder', () => {
  it('keeps slots in order however far back they land, read at any time', () => {
    // Keys mostly rise, like creation times; a step back lands near the end or far from it.
    const add = fc.record({
      step: fc.integer({ min: -400, max: 40 }),
      read: fc.integer({ min: 0, max: 49 }).map((n) => n === 0),
    });
    fc.assert(
      fc.property(fc.array(add, { minLength: 1, maxLength: 3000, size: 'max' }), (adds) => {
        const keys: number[] = [];
        for (const { step } of adds) keys.push((keys[keys.length - 1] ?? 0) + step);
        const compare = (a: number, b: number) => keys[a]! - keys[b]! || a - b;
        const order = new SlotOrder(compare);
        for (const [slot, { read }] of adds.entries()) {
          order.add(slot);
          if (read) {
            const expected = keys.slice(0, slot + 1).map((_, i) => i);
            expect([...order.view()]).toEqual(expected.sort(compare));
          }
        }
        expect([...order.view()]).toEqual(keys.map((_, i) => i).sort(compare));
      }),
      { numRuns: 40 },
    );
  });

  it('finds the first slot past a position', () => {
    const keys = [5, 1, 3, 3, 9];
    const order = new SlotOrder((a, b) => keys[a]! - keys[b]! || a - b);
    keys.forEach((_, slot) => order.add(slot));
    expect([...order.view()]).toEqual([1, 2, 3, 0, 4]);
    expect(order.firstWhere((slot) => keys[slot]! > 3)).toBe(3);
    expect(order.firstWhere((slot) => keys[slot]! > 9)).toBe(5);
    expect(order.firstWhere(() => true)).toBe(0);
  });
});
