import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../testing/fake-clock.js';
import { createPacer, preciseClock } from './pacing.js';

/** Sends `count` through the pacer at once and records the clock at each send. */
function burst(pacer: ReturnType<typeof createPacer>, clock: { now(): number }, count: number) {
  const sent: { id: number; at: number }[] = [];
  const done = Array.from({ length: count }, (_, id) =>
    pacer.run(() => {
      sent.push({ id, at: clock.now() });
      return id;
    }),
  );
  return { sent, done };
}

describe('createPacer', () => {
  it('lets the first send through at once and spaces the rest 1000 / callsPerSecond ms apart', async () => {
    const clock = createFakeClock(0);
    const pacer = createPacer({ callsPerSecond: 4, clock });
    const { sent, done } = burst(pacer, clock, 5);
    expect(sent).toEqual([{ id: 0, at: 0 }]);
    expect(pacer.waiting).toBe(4);
    await clock.advance(249);
    expect(sent).toHaveLength(1);
    await clock.advance(2000);
    expect(await Promise.all(done)).toEqual([0, 1, 2, 3, 4]);
    const gaps = sent.slice(1).map((s, i) => s.at - sent[i]!.at);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(250);
    expect(pacer.waiting).toBe(0);
  });

  it('never lets more than callsPerSecond through in any half-open window of one second', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.integer({ min: 0, max: 700 }), { minLength: 1, maxLength: 60 }),
        async (cps, arrivals) => {
          const clock = createFakeClock(1_700_000_000_000);
          const pacer = createPacer({ callsPerSecond: cps, clock });
          const sent: number[] = [];
          const done: Promise<unknown>[] = [];
          for (const delay of arrivals) {
            await clock.advance(delay);
            done.push(pacer.run(() => sent.push(clock.now())));
          }
          await clock.advance(arrivals.length * (1000 / cps) + 1000);
          await Promise.all(done);
          expect(sent).toHaveLength(arrivals.length);
          for (let i = cps; i < sent.length; i++) {
            expect(sent[i]! - sent[i - cps]!).toBeGreaterThanOrEqual(1000);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('serves waiters first come first served', async () => {
    const clock = createFakeClock(0);
    const pacer = createPacer({ callsPerSecond: 10, clock });
    const order: string[] = [];
    const done = ['a', 'b', 'c', 'd'].map((name) => pacer.run(() => order.push(name)));
    await clock.advance(1000);
    await Promise.all(done);
    expect(order).toEqual(['a', 'b', 'c', 'd']);
  });

  it('drops an aborted waiter from the queue without using a turn: the next one takes it on time', async () => {
    const clock = createFakeClock(0);
    const pacer = createPacer({ callsPerSecond: 10, clock });
    const sent: { name: string; at: number }[] = [];
    const send = (name: string) => () => sent.push({ name, at: clock.now() });
    const controller = new AbortController();
    const a = pacer.run(send('a'));
    const b = pacer.run(send('b'), controller.signal);
    const c = pacer.run(send('c'));
    controller.abort(new Error('changed my mind'));
    await expect(b).rejects.toThrow('changed my mind');
    expect(pacer.waiting).toBe(1);
    await clock.advance(1000);
    await Promise.all([a, c]);
    expect(sent.map((s) => s.name)).toEqual(['a', 'c']);
    // c took b's turn, 100 ms after a, not 200.
    expect(sent[1]!.at - sent[0]!.at).toBeLessThanOrEqual(101);
  });

  it('refuses a signal that already aborted, and sends nothing for it', async () => {
    const clock = createFakeClock(0);
    const pacer = createPacer({ callsPerSecond: 1, clock });
    let sends = 0;
    await expect(
      pacer.run(() => (sends += 1), AbortSignal.abort(new Error('gone'))),
    ).rejects.toThrow('gone');
    expect(sends).toBe(0);
    expect(pacer.waiting).toBe(0);
  });

  it('an abort after the turn changes nothing', async () => {
    const clock = createFakeClock(0);
    const pacer = createPacer({ callsPerSecond: 1, clock });
    const controller = new AbortController();
    const first = pacer.run(() => 'sent', controller.signal);
    controller.abort();
    await expect(first).resolves.toBe('sent');
  });

  it('rejects with what send threw, and counts the turn as used', async () => {
    const clock = createFakeClock(0);
    const pacer = createPacer({ callsPerSecond: 2, clock });
    const failing = pacer.run(() => {
      throw new Error('boom');
    });
    const sent: number[] = [];
    const next = pacer.run(() => sent.push(clock.now()));
    await expect(failing).rejects.toThrow('boom');
    await clock.advance(499);
    expect(sent).toEqual([]);
    // 500 ms and a rounding margin of 1 µs: the first whole millisecond after it.
    await clock.advance(2);
    await next;
    expect(sent).toEqual([501]);
  });

  it('follows a promise that send returns', async () => {
    const pacer = createPacer({ callsPerSecond: 5, clock: createFakeClock(0) });
    await expect(pacer.run(() => Promise.resolve('answer'))).resolves.toBe('answer');
  });

  it('a send that asks for another turn waits for it like everyone else', async () => {
    const clock = createFakeClock(0);
    const pacer = createPacer({ callsPerSecond: 10, clock });
    const sent: number[] = [];
    let inner: Promise<unknown> | undefined;
    await pacer.run(() => {
      sent.push(clock.now());
      inner = pacer.run(() => sent.push(clock.now()));
    });
    expect(sent).toEqual([0]);
    await clock.advance(99);
    expect(sent).toEqual([0]);
    await clock.advance(2);
    await inner;
    expect(sent).toEqual([0, 101]);
  });

  it('freeAt tells when a waiter added now would go', async () => {
    const clock = createFakeClock(1000);
    const pacer = createPacer({ callsPerSecond: 10, clock });
    expect(pacer.freeAt).toBe(1000);
    const done = [pacer.run(() => 0), pacer.run(() => 1), pacer.run(() => 2)];
    expect(pacer.freeAt).toBeCloseTo(1300, 2);
    await clock.advance(1000);
    await Promise.all(done);
    expect(pacer.freeAt).toBe(2000);
  });

  it('without callsPerSecond (or with Infinity) sends at once, however many', async () => {
    for (const options of [{}, { callsPerSecond: Number.POSITIVE_INFINITY }]) {
      const clock = createFakeClock(0);
      const pacer = createPacer({ ...options, clock });
      const { sent, done } = burst(pacer, clock, 100);
      expect(sent).toHaveLength(100);
      expect(pacer.waiting).toBe(0);
      expect(pacer.freeAt).toBe(Number.NEGATIVE_INFINITY);
      expect(await Promise.all(done)).toHaveLength(100);
      await expect(pacer.run(() => 'x', AbortSignal.abort(new Error('no')))).rejects.toThrow('no');
      await expect(
        pacer.run(() => {
          throw new Error('thrown');
        }),
      ).rejects.toThrow('thrown');
    }
  });

  it('refuses a rate that is not above 0', () => {
    for (const callsPerSecond of [0, -1, Number.NaN]) {
      expect(() => createPacer({ callsPerSecond })).toThrow(RangeError);
    }
  });

  it('on the default clock, sends read on a sub-millisecond clock are never closer than the rate allows', async () => {
    const pacer = createPacer({ callsPerSecond: 200 });
    const sent: number[] = [];
    await Promise.all(
      Array.from({ length: 30 }, () => pacer.run(() => sent.push(preciseClock.now()))),
    );
    for (let i = 1; i < sent.length; i++) expect(sent[i]! - sent[i - 1]!).toBeGreaterThanOrEqual(5);
    expect(sent.some((at) => !Number.isInteger(at))).toBe(true);
  });
});
