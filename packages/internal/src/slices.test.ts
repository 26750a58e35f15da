import { describe, expect, it } from 'vitest';
import { eachInSlices, mapInSlices, sliceEnd, yieldToLoop } from './slices.js';

/** Busy-waits `ms`: an item that takes that long. */
const spin = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('mapInSlices', () => {
  it('maps every item in order, with its index', async () => {
    expect(await mapInSlices(['a', 'b', 'c'], (item, i) => `${item}${i}`)).toEqual([
      'a0',
      'b1',
      'c2',
    ]);
    expect(await mapInSlices([], () => 1)).toEqual([]);
  });

  it('lets a timer due meanwhile run between slices, never in one that is under way', async () => {
    const log: string[] = [];
    setTimeout(() => log.push('timer'), 0);
    await mapInSlices(
      Array.from({ length: 64 }, (_, i) => i),
      (i) => {
        spin(1);
        log.push(String(i));
      },
      2,
    );
    const at = log.indexOf('timer');
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(log.length - 1);
    // A slice ends on a multiple of 16 items: the timer ran between two of them.
    expect(at % 16).toBe(0);
  });

  it('runs a fast list in one go: nothing else runs meanwhile', async () => {
    // A turn of its own: one whose slices ran out (the test before) ends this list's too.
    await yieldToLoop();
    let ran = false;
    setTimeout(() => (ran = true), 0);
    const seen: boolean[] = [];
    await mapInSlices(
      Array.from({ length: 1000 }, (_, i) => i),
      () => seen.push(ran),
      1000,
    );
    expect(seen.every((value) => value === false)).toBe(true);
  });

  it('stops at the item that throws', async () => {
    const done: number[] = [];
    await expect(
      eachInSlices([1, 2, 3], (i) => {
        if (i === 2) throw new Error('bad item');
        done.push(i);
      }),
    ).rejects.toThrow('bad item');
    expect(done).toEqual([1]);
  });
});

describe('yieldToLoop', () => {
  it('lets a timer that is due run', async () => {
    let ran = false;
    setTimeout(() => (ran = true), 0);
    spin(5);
    expect(ran).toBe(false);
    // The loop's next turn may begin with its check phase: a second turn passes its timers.
    await yieldToLoop();
    await yieldToLoop();
    expect(ran).toBe(true);
  });
});

describe('sliceEnd', () => {
  it('gives every slice of one loop turn the end of its first, and a new turn its own', async () => {
    await yieldToLoop();
    const first = sliceEnd(50);
    spin(2);
    expect(sliceEnd(50)).toBe(first);
    const shorter = sliceEnd(1);
    expect(shorter).toBeLessThan(first);
    // A shorter slice ends the turn for the slices after it.
    expect(sliceEnd(50)).toBe(shorter);
    await yieldToLoop();
    expect(sliceEnd(50)).toBeGreaterThan(first);
  });

  it('makes lists sliced at once share each turn: a list of long slices yields when the turn is up', async () => {
    const log: string[] = [];
    const items = Array.from({ length: 64 }, (_, i) => i);
    const a = eachInSlices(items, (i) => (spin(0.5), log.push(`a${i}`)), 4);
    // Alone, 1 s slices would run its 64 items in one go.
    const b = eachInSlices(items, (i) => (spin(0.5), log.push(`b${i}`)), 1000);
    await Promise.all([a, b]);
    const bs = log.map((entry, at) => [entry, at] as const).filter(([e]) => e.startsWith('b'));
    expect(bs).toHaveLength(64);
    // Its items come 16 at a time, with a's between.
    expect(bs[16]![1] - bs[15]![1]).toBeGreaterThan(1);
    expect(log.indexOf('a63')).toBeGreaterThan(log.indexOf('b15'));
  });
});
