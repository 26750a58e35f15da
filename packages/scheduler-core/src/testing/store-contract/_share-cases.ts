/**
 * The cases of `testStore()` for named budgets shared by weight (`SendBudget.share`): the
 * scheduler's claims and campaigns' take their slots from one sequence, a claimant takes its
 * weight's part while others wait, and one that stops wanting leaves its part at once.
 */
import { describe, expect, it, type TestContext } from 'vitest';
import type { BudgetShare, SendBudget, Store, StoredCall } from '../../store.js';
import { budgetedClaimOf, campaignMethods, type CampaignMethods } from './_capabilities.js';
import { entries, entry, LEASE } from './_campaign-fixtures.js';
import { storedCall, storedCampaign, T0 } from './_fixtures.js';

/** 10 a second: slots 110 ms apart, a horizon of a second (the scheduler's pacing). */
const PACE = { intervalMs: 110, horizonMs: 1000 };
const shared = (key: string, weight: number, name = 'provider'): SendBudget => ({
  ...PACE,
  share: { name, key, weight } satisfies BudgetShare,
});

/** `count` scheduler rows due at T0, ids `prefix-0000`… in order. */
const due = (prefix: string, count: number): StoredCall[] =>
  Array.from({ length: count }, (_, i) =>
    storedCall({ id: `${prefix}-${String(i).padStart(4, '0')}` }),
  );

async function insertAll(store: Store, rows: StoredCall[]) {
  if (store.insertMany) await store.insertMany(rows);
  else for (const row of rows) await store.insert(row);
}

/** The store's budgeted claims, or `null` (the test skipped) when it has none. */
function budgetedOf(store: Store, context: TestContext) {
  const claim = budgetedClaimOf(store);
  if (!claim || !store.reserveSendSlot) {
    context.skip('the store keeps no send budgets (no reserveSendSlot())');
    return null;
  }
  return { claim, reserve: store.reserveSendSlot.bind(store) };
}

/**
 * Campaign `id`'s claim of up to `limit` entries at `now` by worker `w2`, under the shared budget
 * as `campaign:<id>`, weight 1.
 */
const claimShared = (c: CampaignMethods, id: string, now: number, limit = 50) =>
  c.claimCampaign(id, now, limit, 'w2', now + LEASE, {
    holdMs: 60_000,
    budget: shared(`campaign:${id}`, 1),
  });

/** The slots of a claim that were given (rows sent). */
const given = (slots: (number | null)[]) => slots.filter((s): s is number => s !== null);

/** Registers the cases; `another()` is a second connection to the test's data. */
export function shareCases(store: () => Store, another: () => Promise<Store>): void {
  describe('named send budgets shared by weight (SendBudget.share)', () => {
    it("keeps a named budget's slots apart from the store's own and from other names", async (context) => {
      const b = budgetedOf(store(), context);
      if (!b) return;
      await insertAll(store(), due('c', 6));
      const own = await b.claim(T0, 2, 'w1', T0 + LEASE, PACE);
      const named = await b.claim(T0, 2, 'w1', T0 + LEASE, shared('scheduler', 1));
      const other = await b.claim(T0, 2, 'w1', T0 + LEASE, shared('scheduler', 1, 'other'));
      // Three budgets, each starting at `now`.
      expect(own.slots).toEqual([T0, T0 + 110]);
      expect(named.slots).toEqual([T0, T0 + 110]);
      expect(other.slots).toEqual([T0, T0 + 110]);
      expect(await b.reserve(T0, shared('scheduler', 1))).toBe(T0 + 220);
      expect(await b.reserve(T0, PACE)).toBe(T0 + 220);
      // Several slots in a row, of one name only.
      expect(await b.reserve(T0, shared('scheduler', 1), 4)).toBe(T0 + 330);
      expect(await b.reserve(T0, shared('scheduler', 1, 'other'))).toBe(T0 + 220);
      expect(await b.reserve(T0, shared('campaign:spring', 1))).toBe(T0 + 770);
    });

    it("gives the scheduler's claims and a campaign's one sequence of slots", async (context) => {
      const b = budgetedOf(store(), context);
      const c = b && campaignMethods(store(), context);
      if (!b || !c) return;
      await insertAll(store(), due('s', 3));
      await c.insertCampaign(storedCampaign({ id: 'spring', concurrency: 10, total: 3 }), [
        ...entries('spring', 3),
      ]);
      const mine = await b.claim(T0, 2, 'w1', T0 + LEASE, shared('scheduler', 1));
      const theirs = await claimShared(c, 'spring', T0, 2);
      expect(mine.slots).toEqual([T0, T0 + 110]);
      expect(theirs.slots).toEqual([T0 + 220, T0 + 330]);
      // The campaign's own next slot is not the named budget's: it stays untouched.
      expect((await c.getCampaign('spring'))!.nextSlotAt).toBe(0);
      expect(await b.reserve(T0, shared('campaign:spring', 1))).toBe(T0 + 440);
    });

    it('takes what it wants up to the horizon while nobody else waits', async (context) => {
      const b = budgetedOf(store(), context);
      if (!b) return;
      await insertAll(store(), due('c', 30));
      const first = await b.claim(T0, 30, 'w1', T0 + LEASE, shared('scheduler', 1));
      // 1000 ms of horizon at 110 ms: 10 slots.
      expect(given(first.slots)).toEqual(Array.from({ length: 10 }, (_, i) => T0 + i * 110));
      expect(first.nextSlotAt).toBe(T0 + 1100);
    });

    it('splits the slots by weight while both wait, and never gives a slot twice', async (context) => {
      const b = budgetedOf(store(), context);
      const c = b && campaignMethods(store(), context);
      if (!b || !c) return;
      const other = await another();
      await insertAll(store(), due('s', 700));
      await c.insertCampaign(storedCampaign({ id: 'spring', concurrency: 10_000, total: 700 }), [
        ...entries('spring', 700),
      ]);
      // The scheduler (weight 1) claims through one connection, the campaign (weight 3) through
      // the other, each again when its next slot comes within the horizon, as the dispatchers do.
      type Claimant = { key: string; at: number; weight: number; slots: number[] };
      const sched: Claimant = { key: 'scheduler', at: T0, weight: 1, slots: [] };
      const camp: Claimant = { key: 'campaign:spring', at: T0 + 7, weight: 3, slots: [] };
      const end = T0 + 62_000;
      while (Math.min(sched.at, camp.at) < end) {
        const next = sched.at <= camp.at ? sched : camp;
        const now = next.at;
        const budget = shared(next.key, next.weight);
        const answer =
          next === sched
            ? await b.claim(now, 50, 'w1', now + LEASE, budget)
            : await other.claimCampaign!('spring', now, 50, 'w2', now + LEASE, {
                holdMs: 60_000,
                budget,
              });
        next.slots.push(...given(answer.slots));
        // Back when its next slot is within the horizon (at least a few ms on).
        next.at = Math.max(now + 13, answer.nextSlotAt! - PACE.horizonMs);
      }
      const minute = (slots: number[]) =>
        slots.filter((s) => s >= T0 + 1000 && s < T0 + 61_000).length;
      const a = minute(camp.slots);
      const s = minute(sched.slots);
      expect(a + s).toBeGreaterThanOrEqual(Math.floor(60_000 / 110) - 1);
      expect(Math.abs(a / (a + s) - 0.75)).toBeLessThan(0.75 * 0.05);
      expect(Math.abs(s / (a + s) - 0.25)).toBeLessThan(0.25 * 0.05);
      const all = [...camp.slots, ...sched.slots].sort((x, y) => x - y);
      for (let i = 1; i < all.length; i++)
        expect(all[i]! - all[i - 1]!).toBeGreaterThanOrEqual(110);
    });

    it('leaves a claimant that stopped claiming its turn until a little after it, and its part for three horizons more', async (context) => {
      const b = budgetedOf(store(), context);
      if (!b) return;
      await insertAll(store(), due('c', 40));
      // X (weight 3) wanted 50 and got the horizon's 10: it waits for its next turn (T0 + 1100).
      const x = await b.claim(T0, 50, 'w1', T0 + LEASE, shared('x', 3));
      expect(given(x.slots)).toHaveLength(10);
      // Y (weight 1) beside it: a quarter of a horizon's 10 slots, rounded up.
      const y = await b.claim(T0 + 500, 50, 'w2', T0 + LEASE, shared('y', 1));
      expect(given(y.slots)).toEqual([T0 + 1100, T0 + 1210, T0 + 1320]);
      // X never came back. Past its turn and a horizon, Y no longer leaves it the nearest slots,
      // but X may only be held back (a busy process): Y still takes its part alone.
      const part = await b.claim(T0 + 2300, 50, 'w2', T0 + LEASE, shared('y', 1));
      expect(given(part.slots)).toEqual([T0 + 2300, T0 + 2410, T0 + 2520]);
      // Three horizons later X no longer counts: Y has the budget to itself.
      const alone = await b.claim(T0 + 5300, 50, 'w2', T0 + LEASE, shared('y', 1));
      expect(given(alone.slots)).toHaveLength(10);
    });

    it('holds a claimant to its part while another waits, and frees it once the other has nothing', async (context) => {
      const b = budgetedOf(store(), context);
      const c = b && campaignMethods(store(), context);
      if (!b || !c) return;
      await insertAll(store(), due('s', 60));
      await c.insertCampaign(storedCampaign({ id: 'spring', concurrency: 100, total: 12 }), [
        ...entries('spring', 12),
      ]);
      const claimCamp = (now: number, limit: number) => claimShared(c, 'spring', now, limit);
      // The campaign wanted 50 and got the horizon's 10: it waits.
      const first = await claimCamp(T0, 50);
      expect(given(first.slots)).toHaveLength(10);
      // The scheduler, weight 1 beside 1: half a horizon (5 slots), from the next free one.
      const part = await b.claim(T0 + 600, 50, 'w1', T0 + LEASE, shared('scheduler', 1));
      expect(given(part.slots)).toEqual([10, 11, 12, 13, 14].map((i) => T0 + i * 110));
      // The campaign's last 2 entries, then nothing left: it no longer waits.
      const rest = await claimCamp(T0 + 1000, 50);
      expect(given(rest.slots)).toHaveLength(2);
      const none = await claimCamp(T0 + 1100, 50);
      expect(none.calls).toEqual([]);
      // The scheduler alone again: the whole horizon (10 slots, not its half).
      const whole = await b.claim(T0 + 2000, 50, 'w1', T0 + LEASE, shared('scheduler', 1));
      expect(given(whole.slots)).toEqual(Array.from({ length: 10 }, (_, i) => T0 + 2000 + i * 110));
    });

    it('tells a campaign claim its part held back (heldBack): entries due past it, room under the cap', async (context) => {
      const b = budgetedOf(store(), context);
      const c = b && campaignMethods(store(), context);
      if (!b || !c) return;
      await insertAll(store(), due('s', 60));
      await c.insertCampaign(storedCampaign({ id: 'spring', concurrency: 100, total: 20 }), [
        ...entries('spring', 20),
      ]);
      await c.insertCampaign(storedCampaign({ id: 'capped', concurrency: 1, total: 20 }), [
        ...entries('capped', 20),
      ]);
      // Its one entry is due in an hour: nothing to send now.
      await c.insertCampaign(storedCampaign({ id: 'later', concurrency: 100, total: 1 }), [
        entry('later', 0, { dueAt: T0 + 3_600_000 }),
      ]);
      const claimOf = (id: string, now: number, limit = 50) => claimShared(c, id, now, limit);
      // The scheduler wanted 50 and got the horizon's 10: it waits for its next turn.
      const first = await b.claim(T0, 50, 'w1', T0 + LEASE, shared('scheduler', 1));
      expect(given(first.slots)).toHaveLength(10);
      // A campaign with due entries past what its part gave: held back.
      const spring = await claimOf('spring', T0 + 100);
      expect(given(spring.slots).length).toBeLessThan(20);
      expect(spring.heldBack).toBe(true);
      // Refused at once (the scheduler's turn comes first), entries due: held back, no rows.
      const again = await claimOf('spring', T0 + 101);
      expect(again.calls).toEqual([]);
      expect(again.heldBack).toBe(true);
      // Its cap, not its part, stops the campaign at one call: not held back.
      const capped = await claimOf('capped', T0 + 3000);
      expect(given(capped.slots)).toHaveLength(1);
      expect(capped.heldBack).toBe(false);
      // Asked for fewer than its part would give: not held back either.
      const few = await claimOf('spring', T0 + 6000, 1);
      expect(given(few.slots)).toHaveLength(1);
      expect(few.heldBack).toBe(false);
      // Nothing due: not held back.
      const later = await claimOf('later', T0 + 20_000);
      expect(later.calls).toEqual([]);
      expect(later.heldBack).toBe(false);
    });

    it('does not count the scheduler as waiting once it sent all it had due, whatever it asked for', async (context) => {
      const b = budgetedOf(store(), context);
      const c = b && campaignMethods(store(), context);
      if (!b || !c) return;
      await insertAll(store(), due('s', 1));
      await c.insertCampaign(storedCampaign({ id: 'spring', concurrency: 100, total: 60 }), [
        ...entries('spring', 60),
      ]);
      const claimCamp = (now: number) => claimShared(c, 'spring', now);
      // The campaign wanted 50 and got the horizon's 10: it waits for its next turn.
      expect(given((await claimCamp(T0)).slots)).toHaveLength(10);
      // The scheduler asks for 50, gets the one slot its part has within the horizon, and sends
      // its only row: it wants nothing more.
      const mine = await b.claim(T0 + 100, 50, 'w1', T0 + 100 + LEASE, shared('scheduler', 1));
      expect(given(mine.slots)).toEqual([T0 + 1100]);
      // So the campaign is alone: every slot of its horizon, not half of one.
      const next = await claimCamp(T0 + 1000);
      expect(given(next.slots)).toEqual(
        [1210, 1320, 1430, 1540, 1650, 1760, 1870, 1980].map((ms) => T0 + ms),
      );
    });

    it('does not count a campaign that sent all it had due as waiting, whatever it asked for', async (context) => {
      const b = budgetedOf(store(), context);
      const c = b && campaignMethods(store(), context);
      if (!b || !c) return;
      await insertAll(store(), due('s', 60));
      await c.insertCampaign(storedCampaign({ id: 'single', concurrency: 100, total: 1 }), [
        ...entries('single', 1),
      ]);
      // The scheduler wanted 50 and got the horizon's 10: it waits for its next turn.
      await b.claim(T0, 50, 'w1', T0 + LEASE, shared('scheduler', 1));
      // The campaign asks for 50, gets the one slot its part has within the horizon, and sends
      // its only entry: it wants nothing more.
      const single = await claimShared(c, 'single', T0 + 100);
      expect(given(single.slots)).toEqual([T0 + 1100]);
      expect(single.heldBack).toBe(false);
      // So the scheduler is alone: every slot of its horizon, not half of one.
      const next = await b.claim(T0 + 1000, 50, 'w1', T0 + LEASE, shared('scheduler', 1));
      expect(given(next.slots)).toEqual(
        [1210, 1320, 1430, 1540, 1650, 1760, 1870, 1980].map((ms) => T0 + ms),
      );
    });
  });
}
