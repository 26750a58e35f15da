/**
 * The cases of `testStore()` for a campaign claim that marks what it leases
 * (`CampaignClaimOptions.mark`): which rows it marks, that the mark is `placingMark`'s in every
 * store, and that claims meeting across connections mark each row once. Run inside the
 * campaigns' `describe`.
 */
import { expect, it } from 'vitest';
import { suppressedPatch, type Store, type StoredCall } from '../../store.js';
import { campaignMethods, type CampaignMethods } from './_capabilities.js';
import {
  claimedAs,
  entries,
  entry,
  LEASE,
  markedAs,
  OPTED_OUT,
  secondAttempt,
} from './_campaign-fixtures.js';
import { positive, storedCampaign, T0 } from './_fixtures.js';

const HOLD = 60_000;

/** A claim of `id` at `now` by `worker`, marking. */
const markingClaim = (c: CampaignMethods, id: string, now: number, limit: number, worker = 'w1') =>
  c.claimCampaign(id, now, limit, worker, now + LEASE, { holdMs: HOLD, mark: true });

/**
 * Registers the cases; `store()` is the store of the running test, `another()` a second
 * connection to its data (itself when the store has none), closed after the test.
 */
export function campaignMarkCases(store: () => Store, another: () => Promise<Store>): void {
  it('marks the fresh entries it leases when asked, and says which: never an adopted or a suppressed one', async (context) => {
    const c = campaignMethods(store(), context);
    if (!c) return;
    const gone = { status: 'queued' as const, leaseOwner: 'gone', leaseUntil: T0 - 1 };
    const rows = [
      // A dead worker's, its request perhaps sent, and one it had not marked.
      entry('spring', 0, { ...gone, placingAt: T0 - 5000, version: 3 }),
      entry('spring', 1, { ...gone, version: 2 }),
      entry('spring', 2),
      entry('spring', 3, { to: OPTED_OUT.phone }),
      // A retry: its timeline goes on, the mark a step of its second attempt.
      entry('spring', 4, secondAttempt()),
      entry('spring', 5),
    ];
    await c.insertCampaign(storedCampaign({ id: 'spring', concurrency: 5, total: 6 }), rows);
    const suppress = store().suppress;
    if (suppress) await suppress.call(store(), [OPTED_OUT]);

    const claim = await markingClaim(c, 'spring', T0, 10);
    const suppressed = suppress !== undefined;
    expect(positionsOf(claim.calls)).toEqual(suppressed ? [0, 1, 2, 3, 4, 5] : [0, 1, 2, 3, 4]);
    expect(claim.marked).toEqual(
      suppressed ? [false, false, true, false, true, true] : [false, false, true, true, true],
    );
    const [dead, unmarked, fresh] = claim.calls;
    // Adopted as `claimDue` adopts: whatever was marked stays, nothing more is.
    expect(dead).toEqual(claimedAs(rows[0]!, T0));
    expect(unmarked).toEqual(claimedAs(rows[1]!, T0));
    expect(fresh).toEqual(markedAs(rows[2]!, T0));
    expect(fresh!.placingAt).toBe(T0);
    const retry = claim.calls.find((row) => row.position === 4)!;
    expect(retry).toEqual(markedAs(rows[4]!, T0));
    expect(retry.events!.at(-1)).toEqual({ status: 'queued', at: T0, attempt: 2 });
    if (suppressed) {
      expect(claim.calls[3]).toEqual({
        ...rows[3]!,
        ...suppressedPatch(rows[3]!, OPTED_OUT, T0),
        version: rows[3]!.version + 1,
      });
    }
    // As stored, read back.
    for (const row of claim.calls) expect(await store().get(row.id)).toEqual(row);

    // Their lease runs out: adopted with their mark, never marked again.
    const later = await markingClaim(c, 'spring', T0 + LEASE, 10, 'w2');
    const again = later.calls.find((row) => row.id === fresh!.id)!;
    expect(again).toEqual(claimedAs(fresh!, T0 + LEASE, 'w2'));
    expect(later.marked).toEqual(later.calls.map(() => false));
  });

  it('marks nothing, and says nothing of marks, unless asked', async (context) => {
    const c = campaignMethods(store(), context);
    if (!c) return;
    const rows = entries('plain', 3);
    await c.insertCampaign(storedCampaign({ id: 'plain', concurrency: 2, total: 3 }), rows);
    const claim = await c.claimCampaign('plain', T0, 5, 'w1', T0 + LEASE, { holdMs: HOLD });
    expect(claim.marked).toBeUndefined();
    expect(claim.calls).toEqual([claimedAs(rows[0]!, T0), claimedAs(rows[1]!, T0)]);
    const none = await markingClaim(c, 'missing', T0, 5);
    expect(none.calls).toEqual([]);
    expect(none.marked ?? []).toEqual([]);
  });

  it('marks each row once when marking claims meet across connections', async (context) => {
    const c = campaignMethods(store(), context);
    if (!c) return;
    const other = await another();
    const stores = [c, campaignMethods(other, context)!];
    for (let round = 0; round < 4; round++) {
      const id = `marks-${round}`;
      await c.insertCampaign(storedCampaign({ id, concurrency: 5, total: 30 }), entries(id, 30));
      const seen = new Set<string>();
      for (let turn = 0; turn < 4; turn++) {
        const now = T0 + turn;
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            markingClaim(stores[(i + round + turn) % 2]!, id, now, 1 + ((i + round) % 3), `w${i}`),
          ),
        );
        for (const result of results) {
          expect(result.marked).toEqual(result.calls.map(() => true));
          for (const call of result.calls) {
            expect(seen.has(call.id)).toBe(false);
            seen.add(call.id);
            expect(call.placingAt).toBe(now);
            expect(await store().get(call.id)).toEqual(call);
          }
        }
        expect(positive(await c.countCampaign(id)).queued).toBe(5);
        // Two of the calls end: their places free for the next turn.
        const queued = await c.listCampaignCalls(id, { status: ['queued'], limit: 2 });
        for (const row of queued) {
          await store().update(row.id, row.version, { status: 'completed', leaseOwner: null });
        }
      }
      expect(seen.size).toBe(5 + 3 * 2);
    }
  });
}

const positionsOf = (rows: StoredCall[]) => rows.map((row) => row.position);
