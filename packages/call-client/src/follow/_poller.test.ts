import { countingClock } from '@ringkit/internal/testing';
import { describe, expect, it } from 'vitest';
import { createPoller, pollerFor, type Release } from './_poller.js';
import { createFakeClock } from '../testing/fake-clock.js';

describe('createPoller', () => {
  it('grants turns in due order, those due together in the order asked', async () => {
    const { clock, inner } = countingClock(createFakeClock(0));
    const poller = createPoller(clock, 10);
    const order: string[] = [];
    const ask = (name: string, delay: number) =>
      void poller.turn(delay).then((release) => {
        order.push(`${name}@${inner.now()}`);
        release?.();
      });
    ask('c', 300);
    ask('a', 100);
    ask('b', 300);
    ask('now', 0);
    ask('d', 200);
    await inner.advance(1000);
    expect(order).toEqual(['now@0', 'a@100', 'd@200', 'c@300', 'b@300']);
  });

  it('keeps at most one clock timer armed however many turns wait', async () => {
    const { clock, inner, stats } = countingClock(createFakeClock(0));
    const poller = createPoller(clock, 1000);
    let granted = 0;
    for (let i = 0; i < 2000; i += 1) {
      void poller.turn(1 + ((i * 7919) % 5000)).then((release) => {
        granted += 1;
        release?.();
      });
    }
    expect(stats.live()).toBe(1);
    await inner.advance(5000);
    expect(granted).toBe(2000);
    expect(stats.maxLive).toBe(1);
    expect(stats.live()).toBe(0);
  });

  it('lets no more than maxConcurrent turns out; a release grants the next due', async () => {
    const { clock, inner } = countingClock(createFakeClock(0));
    const poller = createPoller(clock, 3);
    const held: Release[] = [];
    const got: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      void poller.turn(i).then((release) => {
        got.push(i);
        held.push(release!);
      });
    }
    await inner.advance(100);
    expect(got).toEqual([0, 1, 2]);
    expect(poller.inFlight).toBe(3);
    expect(poller.waiting).toBe(4);
    held[1]!();
    held[1]!(); // a second call gives nothing back twice
    await inner.flush();
    expect(got).toEqual([0, 1, 2, 3]);
    expect(poller.inFlight).toBe(3);
    for (const release of held.splice(0)) release();
    await inner.flush();
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('arms no timer while every slot is taken, and looks again on release', async () => {
    const { clock, inner, stats } = countingClock(createFakeClock(0));
    const poller = createPoller(clock, 1);
    let first: Release | null = null;
    void poller.turn(0).then((release) => (first = release));
    await inner.flush();
    void poller.turn(50);
    await inner.flush();
    expect(stats.live()).toBe(0);
    first!();
    expect(stats.live()).toBe(1);
  });

  it('answers null to an aborted turn, takes no slot, and clears the timer once none waits', async () => {
    const { clock, inner, stats } = countingClock(createFakeClock(0));
    const poller = createPoller(clock, 1);
    const controller = new AbortController();
    const turn = poller.turn(1000, controller.signal);
    expect(stats.live()).toBe(1);
    controller.abort();
    await expect(turn).resolves.toBeNull();
    expect(stats.live()).toBe(0);
    expect(poller.waiting).toBe(0);
    await expect(poller.turn(0, controller.signal)).resolves.toBeNull();
    const next = await poller.turn(0);
    expect(next).toBeTypeOf('function');
    expect(inner.pending).toBe(0);
  });

  it('keeps the heap in order when turns in the middle leave', async () => {
    const { clock, inner } = countingClock(createFakeClock(0));
    const poller = createPoller(clock, 100);
    const controllers = Array.from({ length: 50 }, () => new AbortController());
    const order: number[] = [];
    controllers.forEach((controller, i) => {
      const delay = 10 + ((i * 37) % 50) * 10;
      void poller.turn(delay, controller.signal).then((release) => {
        if (release) order.push(delay);
        release?.();
      });
    });
    controllers.forEach((controller, i) => i % 3 === 0 && controller.abort());
    await inner.advance(1000);
    expect(order).toHaveLength(50 - 17);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });
});

describe('pollerFor', () => {
  it('shares one poller per clock and limit', () => {
    const a = createFakeClock(0);
    const b = createFakeClock(0);
    expect(pollerFor(a, 32)).toBe(pollerFor(a, 32));
    expect(pollerFor(a, 32)).not.toBe(pollerFor(a, 8));
    expect(pollerFor(a, 32)).not.toBe(pollerFor(b, 32));
  });
});
