/**
 * The cases of `testStore()` for a shared send budget: `claimDue`'s `budget` and `reserveSendSlot`
 * give each call a slot `intervalMs` apart, never one slot twice.
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../store.js';
import { budgetedClaimOf } from './_capabilities.js';
import { storedCall, T0 } from './_fixtures.js';

/**
 * Registers the cases; `store()` is the store of the running test, `another()` a second
 * connection to its data (itself when the store has none), closed after the test.
 */
export function pacingCases(store: () => Store, another: () => Promise<Store>): void {
  describe('a shared send budget, when the store keeps them (reserveSendSlot)', () => {
    const budget = { intervalMs: 100, horizonMs: 1000 };
    const budgeted = () => {
      const claim = budgetedClaimOf(store());
      const { reserveSendSlot } = store();
      if (!claim || !reserveSendSlot) return null;
      return { claim, reserve: reserveSendSlot.bind(store()) };
    };

    it('gives each claimed call the next free slot, intervalMs apart, claim after claim', async () => {
      const b = budgeted();
      if (!b) return;
      for (const id of ['a', 'b', 'c', 'd', 'e']) await store().insert(storedCall({ id }));
      const now = T0 + 1000;
      const first = await b.claim(now, 3, 'w1', now + 30_000, budget);
      expect(first.calls.map((r) => r.id)).toEqual(['a', 'b', 'c']);
      expect(first.calls[0]).toMatchObject({ status: 'queued', leaseOwner: 'w1' });
      expect(first.slots).toEqual([now, now + 100, now + 200]);
      expect(first.nextSlotAt).toBe(now + 300);
      const second = await b.claim(now, 10, 'w2', now + 30_000, budget);
      expect(second.calls.map((r) => r.id)).toEqual(['d', 'e']);
      expect(second.slots).toEqual([now + 300, now + 400]);
      expect(await b.reserve(now, budget)).toBe(now + 500);
      // Three in a row: the first is answered, the next free one is three slots on.
      expect(await b.reserve(now, budget, 3)).toBe(now + 600);
      expect(await b.reserve(now, budget)).toBe(now + 900);
      // Once the budget's slots are past, the next one is now.
      expect(await b.reserve(now + 5000, budget, 2)).toBe(now + 5000);
      expect(await b.reserve(now + 5000, budget)).toBe(now + 5200);
      const idle = await b.claim(now + 9000, 10, 'w2', now + 39_000, budget);
      expect(idle).toEqual({ calls: [], slots: [], nextSlotAt: now + 9000 });
    });

    it('claims no more calls than have a slot within the horizon', async () => {
      const b = budgeted();
      if (!b) return;
      for (let i = 0; i < 10; i++) await store().insert(storedCall({ id: `c${i}` }));
      const slow = { intervalMs: 400, horizonMs: 1000 };
      const now = T0;
      const first = await b.claim(now, 10, 'w1', now + 30_000, slow);
      expect(first.slots).toEqual([now, now + 400, now + 800]);
      const none = await b.claim(now, 10, 'w2', now + 30_000, slow);
      expect(none).toEqual({ calls: [], slots: [], nextSlotAt: now + 1200 });
      const later = await b.claim(now + 300, 10, 'w2', now + 30_000, slow);
      expect(later.calls.map((r) => r.id)).toEqual(['c3']);
      expect(later.slots).toEqual([now + 1200]);
      expect(later.nextSlotAt).toBe(now + 1600);
    });

    it('uses no slot for a call in flight or one whose request may have left', async () => {
      const b = budgeted();
      if (!b) return;
      await store().insert(
        storedCall({ id: 'flying', status: 'initiated', leaseOwner: 'gone', leaseUntil: T0 }),
      );
      await store().insert(
        storedCall({
          id: 'sent',
          status: 'queued',
          leaseOwner: 'gone',
          leaseUntil: T0,
          placingAt: T0 - 5,
        }),
      );
      await store().insert(storedCall({ id: 'zz', dueAt: T0 }));
      const claim = await b.claim(T0 + 10, 10, 'w1', T0 + 30_000, budget);
      const byId = Object.fromEntries(claim.calls.map((r, i) => [r.id, claim.slots[i]]));
      expect(byId).toEqual({ flying: null, sent: null, zz: T0 + 10 });
      expect(claim.nextSlotAt).toBe(T0 + 110);
    });

    it('never gives one slot to two concurrent claimants', async () => {
      const b = budgeted();
      if (!b) return;
      const other = await another();
      const otherClaim = budgetedClaimOf(other)!;
      for (let i = 0; i < 60; i++) {
        await store().insert(storedCall({ id: `c${String(i).padStart(2, '0')}` }));
      }
      const wide = { intervalMs: 10, horizonMs: 1000 };
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? b.claim : otherClaim)(T0, 5, `w${i}`, T0 + 30_000, wide),
        ),
      );
      const ids = claims.flatMap((c) => c.calls.map((r) => r.id));
      expect(new Set(ids).size).toBe(ids.length);
      const slots = claims.flatMap((c) => c.slots as number[]).sort((x, y) => x - y);
      expect(slots).toHaveLength(ids.length);
      expect(slots).toEqual(slots.map((_, i) => T0 + i * 10));
    });
  });
}
