import { createFakeClock } from '@ringkit/call-client/testing';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { SendBudget, Store } from '../store.js';
import { createMemoryStore } from '../stores/memory/memory.js';
import { createReserve, sharedReserve } from './_reserve.js';

const T0 = Date.UTC(2030, 0, 1, 9);
const PACE: SendBudget = { intervalMs: 100, horizonMs: 1000 };
const named = (name: string): SendBudget => ({
  ...PACE,
  share: { name, key: 'scheduler', weight: 1 },
});

/** A store whose `reserveSendSlot` answers when told to (`answer`), counting its calls. */
function slowStore() {
  const pending: { resolve: (slot: number) => void; reject: (e: unknown) => void }[] = [];
  const next = new Map<string, number>();
  const reserveSendSlot = vi.fn(
    (now: number, budget: SendBudget, count = 1) =>
      new Promise<number>((resolve, reject) => {
        pending.push({
          resolve: () => {
            const name = budget.share?.name ?? '';
            const first = Math.max(next.get(name) ?? 0, now);
            next.set(name, first + count * budget.intervalMs);
            resolve(first);
          },
          reject,
        });
      }),
  );
  const store = { name: 'slow', reserveSendSlot } as unknown as Store;
  return {
    store,
    reserveSendSlot,
    answer: () => pending.shift()!.resolve(0),
    fail: (error: unknown) => pending.shift()!.reject(error),
  };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('createReserve: fresh send slots, one reservation per budget at a time', () => {
  it('takes the asks of one turn in one reservation, each its own slot in the order asked', async () => {
    const { store, reserveSendSlot, answer } = slowStore();
    const reserve = createReserve(store, createFakeClock(T0));
    const slots = Promise.all([reserve(PACE), reserve(PACE), reserve(PACE)]);
    await turn();
    expect(reserveSendSlot).toHaveBeenCalledTimes(1);
    expect(reserveSendSlot).toHaveBeenCalledWith(T0, PACE, 3);
    answer();
    expect(await slots).toEqual([T0, T0 + 100, T0 + 200]);
  });

  it('sends what was asked while a reservation was on its way in the next one, at the time it goes', async () => {
    const { store, reserveSendSlot, answer } = slowStore();
    const clock = createFakeClock(T0);
    const reserve = createReserve(store, clock);
    const first = reserve(PACE);
    await turn();
    const later = [reserve(PACE), reserve(PACE)];
    await turn();
    // Nothing more goes while the first is on its way.
    expect(reserveSendSlot).toHaveBeenCalledTimes(1);
    clock.advanceSync(50);
    answer();
    expect(await first).toBe(T0);
    await turn();
    expect(reserveSendSlot).toHaveBeenCalledTimes(2);
    expect(reserveSendSlot).toHaveBeenLastCalledWith(T0 + 50, PACE, 2);
    answer();
    expect(await Promise.all(later)).toEqual([T0 + 100, T0 + 200]);
    // Nothing waits: the next ask goes at once again.
    const alone = reserve(PACE);
    await turn();
    expect(reserveSendSlot).toHaveBeenCalledTimes(3);
    answer();
    expect(await alone).toBe(T0 + 300);
  });

  it('keeps budgets of other names (or intervals) in reservations of their own', async () => {
    const { store, reserveSendSlot, answer } = slowStore();
    const reserve = createReserve(store, createFakeClock(T0));
    const asks = [reserve(named('a')), reserve(named('b')), reserve(named('a')), reserve(PACE)];
    const slower = reserve({ ...named('a'), intervalMs: 250 });
    await turn();
    expect(
      reserveSendSlot.mock.calls.map(([, b, n]) => [b.share?.name ?? '', b.intervalMs, n]),
    ).toEqual([
      ['a', 100, 2],
      ['b', 100, 1],
      ['', 100, 1],
      ['a', 250, 1],
    ]);
    for (let i = 0; i < 4; i++) answer();
    expect(await Promise.all(asks)).toEqual([T0, T0, T0 + 100, T0]);
    expect(await slower).toBe(T0 + 200);
  });

  it('rejects every ask of a reservation the store failed, and goes on with the next', async () => {
    const { store, reserveSendSlot, answer, fail } = slowStore();
    const reserve = createReserve(store, createFakeClock(T0));
    const failed = [reserve(PACE), reserve(PACE)].map((p) => p.catch((e: unknown) => e));
    await turn();
    const next = reserve(PACE);
    const lost = new Error('connection lost');
    fail(lost);
    expect(await Promise.all(failed)).toEqual([lost, lost]);
    await turn();
    expect(reserveSendSlot).toHaveBeenCalledTimes(2);
    answer();
    expect(await next).toBe(T0);
  });

  it('rejects the asks when reserveSendSlot throws instead of rejecting', async () => {
    const store = {
      name: 'throws',
      reserveSendSlot: () => {
        throw new Error('closed');
      },
    } as unknown as Store;
    const reserve = createReserve(store, createFakeClock(T0));
    await expect(reserve(PACE)).rejects.toThrow('closed');
    await expect(reserve(PACE)).rejects.toThrow('closed');
  });

  it('refuses a store without reserveSendSlot', () => {
    const store = { name: 'plain' } as unknown as Store;
    expect(() => createReserve(store, createFakeClock(T0))).toThrow(
      'the store "plain" has no reserveSendSlot',
    );
  });

  it('is one per store and clock in a process', () => {
    const store = createMemoryStore();
    const clock = createFakeClock(T0);
    expect(sharedReserve(store, clock)).toBe(sharedReserve(store, clock));
    expect(sharedReserve(store, createFakeClock(T0))).not.toBe(sharedReserve(store, clock));
    expect(sharedReserve(createMemoryStore(), clock)).not.toBe(sharedReserve(store, clock));
  });

  it('gives every ask a slot of its own, never closer than intervalMs, however asks and answers interleave', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.nat({ max: 3 }), { maxLength: 30 }),
        async (s, gaps) => {
          const store = createMemoryStore();
          const clock = createFakeClock(T0);
          const real = store.reserveSendSlot!.bind(store);
          // The store's answers come back in an order the scheduler picks.
          store.reserveSendSlot = (now, budget, count) =>
            s.schedule(real(now, budget, count), `reserve ${count}`);
          const reserve = createReserve(store, clock);
          const asks: Promise<number>[] = [];
          for (const gap of gaps) {
            clock.advanceSync(gap * 30);
            asks.push(reserve(PACE));
            await Promise.resolve();
            if (gap === 0 && s.count() > 0) await s.waitOne();
          }
          await s.waitFor(Promise.all(asks));
          const slots = (await Promise.all(asks)).sort((a, b) => a - b);
          for (let i = 1; i < slots.length; i++) {
            expect(slots[i]! - slots[i - 1]!).toBeGreaterThanOrEqual(PACE.intervalMs);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
