/**
 * The rule of fair shares, on a timeline of claims: claimants of random weights claim when their
 * next slot comes within the horizon (as the dispatchers do), a few ms late at random, some from
 * several workers, now and then all held back together for seconds (a process starved of CPU).
 * The total never exceeds the budget, the shares follow the weights, and one that stops claiming
 * leaves its part to the others once its wait is over.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SendBudget } from './_send-budget.js';
import {
  afterShareTurn,
  nextShareAt,
  shareTurn,
  slotsFrom,
  slotsWithin,
  STALL_HORIZONS,
  type SharedBudgetState,
  type StoredShare,
} from './_shares.js';

interface Claimant {
  key: string;
  weight: number;
  /** Its workers' next claims. */
  at: number[];
  /** Claims stop once the clock passes this. */
  until: number;
  slots: number[];
}

/** Runs the claims until `end` (ms from 0); `jitter()` is each claim's lateness. */
function run(
  claimants: Claimant[],
  callsPerSecond: number,
  end: number,
  jitter: () => number,
  stalled: (at: number) => number = () => 0,
  limit = 100,
) {
  const intervalMs = 1100 / callsPerSecond;
  const state: SharedBudgetState = { nextAt: 0, shares: [] };
  for (;;) {
    let who: Claimant | undefined;
    let worker = 0;
    for (const c of claimants) {
      c.at.forEach((at, i) => {
        if (at <= c.until && (!who || at < who.at[worker]!)) {
          who = c;
          worker = i;
        }
      });
    }
    if (!who || who.at[worker]! > end) break;
    const now = who.at[worker]!;
    const budget: SendBudget = {
      intervalMs,
      horizonMs: 1000,
      share: { name: 'p', key: who.key, weight: who.weight },
    };
    const turn = shareTurn(state, now, limit, budget);
    // Always work to do: every slot given is sent.
    const { slots, sent } = slotsFrom(
      Array.from({ length: turn.most }),
      () => true,
      turn.start,
      intervalMs,
    );
    who.slots.push(...(slots as number[]));
    const after = afterShareTurn(state, turn, sent, now, limit, budget);
    state.nextAt = after.nextAt;
    state.shares = [...state.shares.filter((s) => s.key !== who!.key), after.share!];
    const at = Math.max(now + 1, nextShareAt(after, turn) - 1000) + jitter();
    who.at[worker] = at + stalled(at);
  }
  return intervalMs;
}

const inRange = (slots: number[], from: number, to: number) =>
  slots.filter((s) => s >= from && s < to).length;

describe('fair shares of one budget', () => {
  it('never gives two slots closer than intervalMs, whoever claims, and uses nearly all of them while all wait', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 2, maxLength: 4 }),
        fc.constantFrom(1, 3, 10, 40),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (weights, cps, seed) => {
          let r = seed || 1;
          const jitter = () => (r = (r * 16807) % 2147483647) % 20;
          const claimants = weights.map((weight, i): Claimant => ({
            key: `c${i}`,
            weight,
            at: [i * 3, i * 3 + 5],
            until: Infinity,
            slots: [],
          }));
          const intervalMs = run(claimants, cps, 30_000, jitter);
          const all = claimants.flatMap((c) => c.slots).sort((a, b) => a - b);
          for (let i = 1; i < all.length; i++) {
            expect(all[i]! - all[i - 1]!).toBeGreaterThanOrEqual(intervalMs - 1e-6);
          }
          // The slots of the budget in [2 s, 29 s) are used, but for a few a late claim let pass.
          const possible = Math.floor(27_000 / intervalMs);
          expect(inRange(all, 2000, 29_000)).toBeGreaterThanOrEqual(
            possible * 0.97 - weights.length,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('leaves the next turn to a waiting claimant further behind, whichever of them asks first', () => {
    const budget = (key: string, weight: number): SendBudget => ({
      intervalMs: 100,
      horizonMs: 1000,
      share: { name: 'p', key, weight },
    });
    // Woken together, A (ahead on its clock) asks a moment before B (behind); both still wait.
    const now = 10_000;
    const state: SharedBudgetState = {
      nextAt: 10_050,
      shares: [
        { key: 'a', weight: 1, virtualAt: 10_400, waitingUntil: 12_000 + STALL_HORIZONS * 1000 },
        { key: 'b', weight: 2, virtualAt: 9_900, waitingUntil: 12_000 + STALL_HORIZONS * 1000 },
      ],
    };
    const a = shareTurn(state, now, 10, budget('a', 1));
    // A takes nothing now and looks again a slot later; B takes the nearest slots.
    expect(a).toEqual({ start: 10_150, most: 0, weights: 3 });
    const afterA = afterShareTurn(state, a, 0, now, 10, budget('a', 1));
    expect(afterA.share?.waitingUntil).toBeGreaterThan(now);
    expect(nextShareAt(afterA, a)).toBe(10_400);
    const b = shareTurn(state, now, 10, budget('b', 2));
    expect(b.start).toBe(10_050);
    expect(b.most).toBeGreaterThan(0);
    // Not ahead of anyone waiting (B's turn is taken, or nobody else waits): A claims as before.
    const alone = { ...state, shares: [state.shares[0]!] };
    expect(shareTurn(alone, now, 10, budget('a', 1)).most).toBeGreaterThan(0);
    const bDone = {
      ...state,
      shares: [state.shares[0]!, { ...state.shares[1]!, virtualAt: 10_600 }],
    };
    expect(shareTurn(bDone, now, 10, budget('a', 1))).toMatchObject({ start: 10_400 });
  });

  it('gives each waiting claimant its weight over a minute, within 5 %', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom(10, 20, 50),
        fc.integer({ min: 1, max: 2 ** 31 }),
        (wa, wb, cps, seed) => {
          let r = seed;
          const jitter = () => (r = (r * 16807) % 2147483647) % 20;
          // A has two workers, B one: more claims win no more slots.
          const a: Claimant = { key: 'a', weight: wa, at: [0, 4], until: Infinity, slots: [] };
          const b: Claimant = { key: 'b', weight: wb, at: [2], until: Infinity, slots: [] };
          run([a, b], cps, 72_000, jitter);
          const na = inRange(a.slots, 10_000, 70_000);
          const nb = inRange(b.slots, 10_000, 70_000);
          const share = wa / (wa + wb);
          expect(Math.abs(na / (na + nb) - share)).toBeLessThanOrEqual(share * 0.05);
          expect(Math.abs(nb / (na + nb) - (1 - share))).toBeLessThanOrEqual((1 - share) * 0.05);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('keeps each waiting claimant its weight within 5 % through stalls of the whole process', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom(10, 20),
        fc.array(
          fc.record({
            at: fc.integer({ min: 0, max: 70_000 }),
            ms: fc.integer({ min: 200, max: 3000 }),
          }),
          { maxLength: 12 },
        ),
        (wa, wb, cps, stalls) => {
          // A claim due inside a stall runs when the stall ends, as in a process starved of CPU.
          const late = (at: number) => {
            for (const { at: from, ms } of stalls)
              if (at >= from && at < from + ms) return from + ms - at;
            return 0;
          };
          let n = 0;
          const a: Claimant = { key: 'a', weight: wa, at: [0], until: Infinity, slots: [] };
          const b: Claimant = { key: 'b', weight: wb, at: [2], until: Infinity, slots: [] };
          const c: Claimant = { key: 'c', weight: 1, at: [5], until: Infinity, slots: [] };
          run([a, b, c], cps, 72_000, () => n++ % 7, late);
          const counts = [a, b, c].map((x) => inRange(x.slots, 10_000, 70_000));
          const total = counts.reduce((x, y) => x + y, 0);
          const weights = [wa, wb, 1];
          const sum = wa + wb + 1;
          counts.forEach((k, i) => {
            expect(Math.abs(k / total - weights[i]! / sum)).toBeLessThanOrEqual(0.05);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it("hands the part of a claimant that stops claiming without a word to the others once its wait is over: the other's rate doubles", () => {
    const a: Claimant = { key: 'a', weight: 1, at: [0], until: Infinity, slots: [] };
    const b: Claimant = { key: 'b', weight: 1, at: [1], until: 20_000, slots: [] };
    const intervalMs = run([a, b], 10, 40_000, () => 3);
    const perSecond = Math.floor(1000 / intervalMs);
    // Half of the slots while both claim; B still counts for STALL_HORIZONS horizons after its
    // turn (it may only be late), during which A keeps its half; all of them after that.
    expect(inRange(a.slots, 5000, 15_000)).toBeLessThanOrEqual(Math.ceil((10 * perSecond) / 2) + 2);
    // B claims a horizon ahead of its turn, and waits a horizon and a slot past it.
    const over = 20_000 + (STALL_HORIZONS + 3) * 1000 + intervalMs;
    expect(inRange(a.slots, 20_000, over - 1000)).toBeGreaterThanOrEqual(
      Math.floor((over - 21_000) / intervalMs / 2) - 2,
    );
    expect(inRange(a.slots, over, over + 10_000)).toBeGreaterThanOrEqual(
      Math.floor(10_000 / intervalMs) - 1,
    );
  });

  it('is the unshared budget without `share`: the next free slot, up to the horizon', () => {
    const budget = { intervalMs: 100, horizonMs: 1000 };
    const state = { nextAt: 500, shares: [] as StoredShare[] };
    const turn = shareTurn(state, 0, 50, budget);
    expect(turn).toMatchObject({ start: 500, most: 6 });
    expect(afterShareTurn(state, turn, 6, 0, 50, budget)).toEqual({ nextAt: 1100, share: null });
    expect(slotsWithin(1001, 0, budget)).toBe(0);
    expect(slotsWithin(1000, 0, budget)).toBe(1);
  });

  it('keeps a claimant waiting when it asked and got no slot, and frees it when given slots it did not use', () => {
    const budget = (key: string): SendBudget => ({
      intervalMs: 100,
      horizonMs: 1000,
      share: { name: 'p', key, weight: 1 },
    });
    const state: SharedBudgetState = { nextAt: 5000, shares: [] };
    const none = shareTurn(state, 0, 10, budget('x'));
    expect(none.most).toBe(0);
    const blocked = afterShareTurn(state, none, 0, 0, 10, budget('x'));
    expect(blocked.share).toMatchObject({
      key: 'x',
      waitingUntil: 5000 + (1 + STALL_HORIZONS) * 1000 + 100,
    });
    const idle = shareTurn({ nextAt: 0, shares: [blocked.share!] }, 0, 10, budget('x'));
    expect(afterShareTurn(state, idle, 0, 0, 10, budget('x')).share!.waitingUntil).toBe(0);
  });
});
