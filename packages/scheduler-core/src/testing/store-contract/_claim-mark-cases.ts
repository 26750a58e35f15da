/**
 * The cases of `testStore()` for a claim that marks what it hands to free places
 * (`claimDue`'s `mark`): which rows it marks, that the mark is `placingMark`'s in every store, and
 * that marking claims meeting across connections hand out and mark each row once.
 */
import { expect, it } from 'vitest';
import { suppressedPatch, type Store } from '../../store.js';
import { markingClaimOf } from './_capabilities.js';
import { claimedAs, LEASE, markedAs, OPTED_OUT, secondAttempt } from './_campaign-fixtures.js';
import { storedCall, T0 } from './_fixtures.js';

/**
 * Registers the cases; `store()` is the store of the running test, `another()` a second
 * connection to its data (itself when the store has none), closed after the test.
 */
export function claimMarkCases(store: () => Store, another: () => Promise<Store>): void {
  it('marks the rows it leases afresh among the first it was asked to mark, and says which', async (context) => {
    const claim = markingClaimOf(store(), context);
    if (!claim) return;
    const gone = { leaseOwner: 'gone', version: 3 };
    const rows = [
      // A dead worker's, its request perhaps sent: adopted as it is, never marked again.
      storedCall({
        id: 'a-sent',
        status: 'queued',
        ...gone,
        leaseUntil: T0 - 6,
        placingAt: T0 - 9,
      }),
      // In flight, its follower gone: adopted, never marked.
      storedCall({
        id: 'b-ringing',
        status: 'ringing',
        ...gone,
        leaseUntil: T0 - 5,
        placingAt: T0 - 9,
        providerCallId: 'CA1',
      }),
      // A dead worker's that it had not marked: leased afresh.
      storedCall({ id: 'c-unmarked', status: 'queued', ...gone, leaseUntil: T0 - 4 }),
      storedCall({ id: 'd-opted-out', to: OPTED_OUT.phone, dueAt: T0 - 3 }),
      // A retry: its timeline goes on, the mark a step of its second attempt.
      storedCall({ id: 'e-retry', dueAt: T0 - 2, ...secondAttempt() }),
      // Past the rows to mark: leased, not marked.
      storedCall({ id: 'f-ahead', dueAt: T0 - 1 }),
      storedCall({ id: 'g-later', dueAt: T0 + 1 }),
    ];
    for (const row of rows) await store().insert(row);
    const suppress = store().suppress;
    if (suppress) await suppress.call(store(), [OPTED_OUT]);
    const suppressed = suppress !== undefined;

    const result = await claim(T0, 10, 'w1', T0 + LEASE, 5);
    expect(result.calls.map((row) => row.id)).toEqual([
      'a-sent',
      'b-ringing',
      'c-unmarked',
      'd-opted-out',
      'e-retry',
      'f-ahead',
    ]);
    expect(result.marked).toEqual([false, false, true, !suppressed, true, false]);
    const [sent, ringing, unmarked, optedOut, retry, ahead] = result.calls;
    expect(sent).toEqual(claimedAs(rows[0]!, T0));
    expect(ringing).toEqual(claimedAs(rows[1]!, T0));
    expect(unmarked).toEqual(markedAs(rows[2]!, T0));
    expect(unmarked!.placingAt).toBe(T0);
    expect(optedOut).toEqual(
      suppressed
        ? { ...rows[3]!, ...suppressedPatch(rows[3]!, OPTED_OUT, T0), version: 2 }
        : markedAs(rows[3]!, T0),
    );
    expect(retry).toEqual(markedAs(rows[4]!, T0));
    expect(retry!.events!.at(-1)).toEqual({ status: 'queued', at: T0, attempt: 2 });
    expect(ahead).toEqual(claimedAs(rows[5]!, T0));
    // As stored, read back.
    for (const row of result.calls) expect(await store().get(row.id)).toEqual(row);

    // Their lease runs out: adopted with their mark, never marked again.
    const later = await claim(T0 + LEASE, 10, 'w2', T0 + 2 * LEASE, 10);
    const again = later.calls.find((row) => row.id === 'c-unmarked')!;
    expect(again).toEqual(claimedAs(unmarked!, T0 + LEASE, 'w2'));
    expect(later.calls.find((row) => row.id === 'f-ahead')).toEqual(
      markedAs(ahead!, T0 + LEASE, 'w2'),
    );
    const marks = Object.fromEntries(later.calls.map((row, i) => [row.id, later.marked[i]]));
    expect(marks['c-unmarked']).toBe(false);
    expect(marks['f-ahead']).toBe(true);
    expect(marks['g-later']).toBe(true);
  });

  it('claims as a plain claim does when asked to mark none, and hands out nothing when nothing is due', async (context) => {
    const claim = markingClaimOf(store(), context);
    if (!claim) return;
    const rows = ['a', 'b', 'c'].map((id) => storedCall({ id }));
    for (const row of rows) await store().insert(row);
    expect(await claim(T0 - 1, 5, 'w1', T0 + LEASE, 5)).toEqual({ calls: [], marked: [] });
    expect(await claim(T0, 0, 'w1', T0 + LEASE, 5)).toEqual({ calls: [], marked: [] });
    const none = await claim(T0, 2, 'w1', T0 + LEASE, 0);
    expect(none).toEqual({
      calls: [claimedAs(rows[0]!, T0), claimedAs(rows[1]!, T0)],
      marked: [false, false],
    });
    // Asked to mark more than it claims: it marks what it claims.
    const all = await claim(T0, 5, 'w1', T0 + LEASE, 9);
    expect(all).toEqual({ calls: [markedAs(rows[2]!, T0)], marked: [true] });
  });

  it('hands out and marks each row once when marking claims meet across connections', async (context) => {
    const claim = markingClaimOf(store(), context);
    if (!claim) return;
    const other = await another();
    const claims = [claim, markingClaimOf(other, context)!];
    for (let round = 0; round < 4; round++) {
      const ids = Array.from({ length: 60 }, (_, i) => `r${round}-${String(i).padStart(2, '0')}`);
      for (const [i, id] of ids.entries()) {
        await store().insert(storedCall({ id, dueAt: T0 + round * 100 + (i % 5) }));
      }
      const now = T0 + round * 100 + 10;
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          claims[(i + round) % 2]!(now, 1 + ((i + round) % 6), `w${i}`, now + LEASE, 1 + (i % 3)),
        ),
      );
      const seen = new Set<string>();
      for (const [i, result] of results.entries()) {
        const mark = 1 + (i % 3);
        expect(result.marked).toEqual(result.calls.map((_, at) => at < mark));
        for (const [at, row] of result.calls.entries()) {
          expect(seen.has(row.id)).toBe(false);
          seen.add(row.id);
          expect(row.leaseOwner).toBe(`w${i}`);
          expect(row.placingAt).toBe(at < mark ? now : null);
          expect(await store().get(row.id)).toEqual(row);
        }
      }
      // Every claim got what it asked for while rows were left: 16 claims ask for 56 at most.
      expect(seen.size).toBe(results.reduce((n, r) => n + r.calls.length, 0));
      expect(seen.size).toBe(
        Array.from({ length: 16 }, (_, i) => 1 + ((i + round) % 6)).reduce((a, b) => a + b),
      );
    }
  });
}
