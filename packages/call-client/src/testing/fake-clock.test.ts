import { describe, expect, it } from 'vitest';
import { createFakeClock } from './fake-clock.js';

describe('createFakeClock', () => {
  it('starts where told, as epoch ms, a Date or an ISO string', () => {
    expect(createFakeClock().now()).toBe(0);
    expect(createFakeClock(42).now()).toBe(42);
    expect(createFakeClock(new Date(1000)).now()).toBe(1000);
    expect(createFakeClock('2026-03-08T08:00:00Z').now()).toBe(Date.parse('2026-03-08T08:00:00Z'));
  });

  it('runs timers in due order at their own time, those due together in the order set', async () => {
    const clock = createFakeClock(0);
    const ran: [string, number][] = [];
    clock.setTimeout(() => ran.push(['b', clock.now()]), 20);
    clock.setTimeout(() => ran.push(['a', clock.now()]), 10);
    clock.setTimeout(() => ran.push(['c', clock.now()]), 20);
    const cleared = clock.setTimeout(() => ran.push(['x', clock.now()]), 5);
    clock.clearTimeout(cleared);
    expect(clock.pending).toBe(3);
    await clock.advance(15);
    expect(ran).toEqual([['a', 10]]);
    expect(clock.now()).toBe(15);
    await clock.advanceTo(new Date(30));
    expect(ran).toEqual([
      ['a', 10],
      ['b', 20],
      ['c', 20],
    ]);
    expect(clock.pending).toBe(0);
  });

  it('lets promises settle after each timer when advancing asynchronously', async () => {
    const clock = createFakeClock(0);
    const seen: number[] = [];
    clock.setTimeout(() => {
      // A timer set from a promise callback of an earlier one still runs in the same advance.
      void Promise.resolve().then(() => clock.setTimeout(() => seen.push(clock.now()), 5));
    }, 10);
    await clock.advance(20);
    expect(seen).toEqual([15]);
  });

  it('runs timers back to back with advanceSync and runNext', () => {
    const clock = createFakeClock(100);
    const ran: number[] = [];
    clock.setTimeout(() => ran.push(clock.now()), 10);
    clock.setTimeout(() => ran.push(clock.now()), 50);
    clock.advanceSync(20);
    expect(ran).toEqual([110]);
    expect(clock.now()).toBe(120);
    expect(clock.runNext()).toBe(true);
    expect(ran).toEqual([110, 150]);
    expect(clock.runNext()).toBe(false);
  });

  it('lets pending promise callbacks run on flush without moving time', async () => {
    const clock = createFakeClock(5);
    let done = false;
    void Promise.resolve()
      .then(() => undefined)
      .then(() => (done = true));
    await clock.flush();
    expect(done).toBe(true);
    expect(clock.now()).toBe(5);
  });
});
