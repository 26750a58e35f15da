import { describe, expect, it } from 'vitest';
import { eachInSlices, mapInSlices, yieldToLoop } from './slices.js';

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
