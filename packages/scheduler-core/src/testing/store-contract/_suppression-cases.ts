/**
 * The cases of `testStore()` for the do-not-call list: its entries (written, replaced, read,
 * paged, pruned), and every claim's check against it, in the claim's own transaction, written
 * alike by every store (`suppressedPatch`).
 */
import { describe, expect, it, type TestContext } from 'vitest';
import {
  suppressedPatch,
  type Store,
  type StoredCall,
  type StoredSuppression,
} from '../../store.js';
import { budgetedClaimOf } from './_capabilities.js';
import { claimWith, entries, LEASE } from './_campaign-fixtures.js';
import { claimedRows, storedCall, storedCampaign, T0 } from './_fixtures.js';

const OPTED_OUT: StoredSuppression = {
  phone: '+14155550100',
  reason: 'asked not to be called',
  createdAt: T0 - 1000,
  until: null,
};

/** The suppression methods, bound; the test skipped (naming them) when the store has none. */
function listOf(store: Store, context: TestContext) {
  const { suppress, unsuppress, getSuppression, listSuppressions, pruneSuppressions } = store;
  if (!suppress || !unsuppress || !getSuppression || !listSuppressions || !pruneSuppressions) {
    context.skip('the store has no suppression methods');
    return null;
  }
  return {
    suppress: suppress.bind(store),
    unsuppress: unsuppress.bind(store),
    get: getSuppression.bind(store),
    list: listSuppressions.bind(store),
    prune: pruneSuppressions.bind(store),
  };
}

/** The row as a claim at `now` ends it for `suppression`: the same patch in every store. */
const endedAs = (row: StoredCall, suppression: StoredSuppression, now: number): StoredCall => ({
  ...row,
  ...suppressedPatch(row, suppression, now),
  version: row.version + 1,
});

export function suppressionCases(store: () => Store, another: () => Promise<Store>): void {
  describe('the do-not-call list', () => {
    it('writes, replaces, reads and removes entries', async (context) => {
      const list = listOf(store(), context);
      if (!list) return;
      expect(await list.get(OPTED_OUT.phone)).toBeNull();
      await list.suppress([OPTED_OUT]);
      expect(await list.get(OPTED_OUT.phone)).toEqual(OPTED_OUT);
      const replaced = { ...OPTED_OUT, reason: 'regulator list', until: T0 + 5000 };
      await list.suppress([replaced]);
      expect(await list.get(OPTED_OUT.phone)).toEqual(replaced);
      expect(await list.unsuppress(OPTED_OUT.phone)).toBe(true);
      expect(await list.unsuppress(OPTED_OUT.phone)).toBe(false);
      expect(await list.get(OPTED_OUT.phone)).toBeNull();
    });

    it('pages entries in code-point order of the number, and keeps the last of a number given twice', async (context) => {
      const list = listOf(store(), context);
      if (!list) return;
      const phones = Array.from(
        { length: 25 },
        (_, i) => `+4420794609${String(i).padStart(2, '0')}`,
      );
      const shuffled = [...phones].sort((a, b) => (a.slice(-1) < b.slice(-1) ? -1 : 1));
      await list.suppress([
        ...shuffled.map((phone) => ({ ...OPTED_OUT, phone })),
        { ...OPTED_OUT, phone: phones[3]!, reason: 'the last word' },
      ]);
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page = await list.list({ afterPhone: after, limit: 10 });
        seen.push(...page.map((e) => e.phone));
        if (page.length < 10) break;
        after = page.at(-1)!.phone;
      }
      expect(seen).toEqual(phones);
      expect((await list.get(phones[3]!))?.reason).toBe('the last word');
    });

    it('prunes only entries whose until has passed, up to the limit', async (context) => {
      const list = listOf(store(), context);
      if (!list) return;
      await list.suppress([
        { ...OPTED_OUT, phone: '+14155550101', until: T0 },
        { ...OPTED_OUT, phone: '+14155550102', until: T0 + 1 },
        { ...OPTED_OUT, phone: '+14155550103', until: T0 - 5 },
        { ...OPTED_OUT, phone: '+14155550104', until: null },
      ]);
      expect(await list.prune(T0, 1)).toBe(1);
      expect(await list.prune(T0, 10)).toBe(1);
      expect(await list.prune(T0, 10)).toBe(0);
      const left = (await list.list({ limit: 10 })).map((e) => e.phone);
      expect(left).toEqual(['+14155550102', '+14155550104']);
    });

    it('a claim ends a due call to a suppressed number instead of leasing it, and leases the rest', async (context) => {
      const list = listOf(store(), context);
      if (!list) return;
      const stopped = storedCall({ id: 'a', to: OPTED_OUT.phone });
      const expired = storedCall({ id: 'b', to: '+14155550109' });
      await store().insert(stopped);
      await store().insert(expired);
      await store().insert(storedCall({ id: 'c' }));
      await list.suppress([OPTED_OUT, { ...OPTED_OUT, phone: expired.to, until: T0 }]);
      const claimed = await claimedRows(store(), T0, 10, 'w1', T0 + LEASE);
      expect(claimed.map((r) => [r.id, r.status])).toEqual([
        ['a', 'suppressed'],
        ['b', 'queued'],
        ['c', 'queued'],
      ]);
      expect(claimed[0]).toEqual(endedAs(stopped, OPTED_OUT, T0));
      expect(await store().get('a')).toEqual(endedAs(stopped, OPTED_OUT, T0));
      expect(claimed[0]!.events!.at(-1)).toEqual({
        status: 'suppressed',
        at: T0,
        attempt: 1,
        reason: 'suppressed',
        note: OPTED_OUT.reason,
      });
      // Ended: it never wakes, and no later claim sees it.
      expect(await claimedRows(store(), T0 + LEASE + 1, 10, 'w2', T0 + 2 * LEASE)).toHaveLength(2);
    });

    it('never suppresses a call in flight or one whose request may have left', async (context) => {
      const list = listOf(store(), context);
      if (!list) return;
      const to = OPTED_OUT.phone;
      await store().insert(
        storedCall({ id: 'ringing', to, status: 'ringing', leaseOwner: 'w0', leaseUntil: T0 }),
      );
      await store().insert(
        storedCall({ id: 'sent', to, status: 'queued', placingAt: T0 - 10, leaseUntil: T0 }),
      );
      await store().insert(storedCall({ id: 'unsent', to, status: 'queued', leaseUntil: T0 }));
      await list.suppress([OPTED_OUT]);
      const claimed = await claimedRows(store(), T0, 10, 'w1', T0 + LEASE);
      expect(Object.fromEntries(claimed.map((r) => [r.id, r.status]))).toEqual({
        ringing: 'ringing',
        sent: 'queued',
        unsent: 'suppressed',
      });
    });

    it('a budgeted claim gives no send slot to a row it ended', async (context) => {
      const list = listOf(store(), context);
      const claimBudgeted = budgetedClaimOf(store());
      if (!list || !claimBudgeted) return;
      await store().insert(storedCall({ id: 'a' }));
      await store().insert(storedCall({ id: 'b', to: OPTED_OUT.phone }));
      await store().insert(storedCall({ id: 'c' }));
      await list.suppress([OPTED_OUT]);
      const budget = { intervalMs: 100, horizonMs: 1000 };
      const claim = await claimBudgeted(T0, 10, 'w1', T0 + LEASE, budget);
      expect(claim.calls.map((r) => r.status)).toEqual(['queued', 'suppressed', 'queued']);
      expect(claim.slots).toEqual([T0, null, T0 + 100]);
      expect(claim.nextSlotAt).toBe(T0 + 200);
    });

    it('a campaign claim ends suppressed entries without taking a place or a slot', async (context) => {
      const list = listOf(store(), context);
      const s = store();
      if (!list || !s.insertCampaign || !s.claimCampaign) return;
      const rows = entries('c1', 5).map((row, i) =>
        i === 1 || i === 2 ? { ...row, to: OPTED_OUT.phone } : row,
      );
      await s.insertCampaign(storedCampaign({ id: 'c1', concurrency: 2, total: 5 }), rows);
      await list.suppress([OPTED_OUT]);
      const claim = claimWith(s as Parameters<typeof claimWith>[0]);
      const budget = { intervalMs: 100, horizonMs: 1000 };
      const first = await claim('c1', T0, 10, { budget });
      expect(first.calls.map((r) => [r.position, r.status])).toEqual([
        [0, 'queued'],
        [1, 'suppressed'],
        [2, 'suppressed'],
        [3, 'queued'],
      ]);
      expect(first.slots).toEqual([T0, null, null, T0 + 100]);
      expect(first.taken).toBe(2);
      expect(first.calls[1]).toEqual(endedAs(rows[1]!, OPTED_OUT, T0));
      expect(await s.countCampaign!('c1')).toMatchObject({ queued: 2, suppressed: 2 });
    });

    it('a number suppressed between two claims is never leased by the later one', async (context) => {
      const list = listOf(store(), context);
      if (!list) return;
      const other = await another();
      for (let i = 0; i < 20; i++) {
        await store().insert(storedCall({ id: `r${String(i).padStart(2, '0')}`, dueAt: T0 + i }));
      }
      await store().claimDue({ now: T0 + 9, limit: 10, workerId: 'w1', leaseUntil: T0 + LEASE });
      // Suppressed on one connection, claimed on the other: the claim sees the committed entry.
      await list.suppress([{ ...OPTED_OUT, phone: '+14155552671' }]);
      const later = await claimedRows(other, T0 + 20, 20, 'w2', T0 + LEASE);
      expect(later.map((r) => r.status)).toEqual(Array(10).fill('suppressed'));
    });
  });
}
