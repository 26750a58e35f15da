/**
 * The cases of `testStore()` for claims and leases: `claimDue` takes due rows once, hands a
 * row on only when its lease ran out, and `nextDueAt` tells the next wake time.
 */
import { expect, it } from 'vitest';
import type { Store } from '../../store.js';
import { claimedRows, storedCall, T0 } from './_fixtures.js';

/**
 * Registers the cases; `store()` is the store of the running test, `another()` a second
 * connection to its data (itself when the store has none), closed after the test.
 */
export function claimCases(store: () => Store, another: () => Promise<Store>): void {
  it('claims only due rows, earliest first, up to the limit, with a lease', async () => {
    await store().insert(storedCall({ id: 'late', dueAt: T0 + 5000 }));
    await store().insert(storedCall({ id: 'b', dueAt: T0 + 1000 }));
    await store().insert(storedCall({ id: 'a', dueAt: T0 + 1000 }));
    await store().insert(storedCall({ id: 'first', dueAt: T0 }));
    await store().insert(storedCall({ id: 'done', dueAt: T0, status: 'completed' }));
    const claimed = await claimedRows(store(), T0 + 1000, 2, 'w1', T0 + 31_000);
    expect(claimed.map((r) => r.id)).toEqual(['first', 'a']);
    expect(claimed[0]).toMatchObject({
      status: 'queued',
      leaseOwner: 'w1',
      leaseUntil: T0 + 31_000,
      version: 2,
    });
    expect((await claimedRows(store(), T0 + 1000, 10, 'w2', T0 + 31_000)).map((r) => r.id)).toEqual(
      ['b'],
    );
    expect(await claimedRows(store(), T0 + 1000, 10, 'w2', T0 + 31_000)).toEqual([]);
  });

  it("claims, with a provider, only that provider's rows and those of none; its next wake is theirs", async () => {
    await store().insert(storedCall({ id: 'west-1', dueAt: T0, provider: 'west' }));
    await store().insert(storedCall({ id: 'east-1', dueAt: T0 + 10, provider: 'east' }));
    await store().insert(storedCall({ id: 'none-1', dueAt: T0 + 20 }));
    await store().insert(storedCall({ id: 'east-2', dueAt: T0 + 30, provider: 'east' }));
    await store().insert(storedCall({ id: 'west-2', dueAt: T0 + 5000, provider: 'west' }));
    expect(await store().nextDueAt()).toBe(T0);
    expect(await store().nextDueAt('east')).toBe(T0 + 10);
    expect(await store().nextDueAt('north')).toBe(T0 + 20);
    const east = await claimedRows(store(), T0 + 100, 2, 'e', T0 + 30_000, 'east');
    expect(east.map((r) => r.id)).toEqual(['east-1', 'none-1']);
    // West's due row was passed over, not lost: it is still due, and west's claims take it.
    expect(await store().nextDueAt('east')).toBe(T0 + 30);
    expect(await store().nextDueAt('west')).toBe(T0);
    expect(
      (await claimedRows(store(), T0 + 100, 10, 'e', T0 + 30_000, 'east')).map((r) => r.id),
    ).toEqual(['east-2']);
    expect(await claimedRows(store(), T0 + 100, 10, 'n', T0 + 30_000, 'north')).toEqual([]);
    expect(await store().nextDueAt('north')).toBe(T0 + 30_000); // the leases east holds
    expect(
      (await claimedRows(store(), T0 + 100, 10, 'w', T0 + 30_000, 'west')).map((r) => r.id),
    ).toEqual(['west-1']);
    expect(await store().nextDueAt('west')).toBe(T0 + 5000);
    if (store().capabilities.marks) {
      await store().insert(storedCall({ id: 'west-3', dueAt: T0 + 200, provider: 'west' }));
      await store().insert(storedCall({ id: 'east-3', dueAt: T0 + 300, provider: 'east' }));
      const marked = await store().claimDue({
        now: T0 + 400,
        limit: 10,
        workerId: 'e',
        leaseUntil: T0 + 30_000,
        mark: 10,
        provider: 'east',
      });
      expect(marked.calls.map((r) => r.id)).toEqual(['east-3']);
      expect(marked.marked).toEqual([true]);
    }
    if (store().reserveSendSlot) {
      await store().insert(storedCall({ id: 'west-4', dueAt: T0 + 500, provider: 'west' }));
      await store().insert(storedCall({ id: 'east-4', dueAt: T0 + 600, provider: 'east' }));
      const budget = { intervalMs: 10, horizonMs: 1000 };
      const paced = await store().claimDue({
        now: T0 + 700,
        limit: 10,
        workerId: 'e',
        leaseUntil: T0 + 30_000,
        budget,
        provider: 'east',
      });
      expect(paced.calls.map((r) => r.id)).toEqual(['east-4']);
      const shared = { ...budget, share: { name: 'account', key: 'east', weight: 1 } };
      await store().insert(storedCall({ id: 'east-5', dueAt: T0 + 700, provider: 'east' }));
      const named = await store().claimDue({
        now: T0 + 800,
        limit: 10,
        workerId: 'e',
        leaseUntil: T0 + 30_000,
        budget: shared,
        provider: 'east',
      });
      expect(named.calls.map((r) => r.id)).toEqual(['east-5']);
    }
    // Every claim passed west's rows over: they are all still due, in order.
    expect(
      (await claimedRows(store(), T0 + 10_000, 10, 'w', T0 + 40_000, 'west')).map((r) => r.id),
    ).toEqual([
      ...(store().capabilities.marks ? ['west-3'] : []),
      ...(store().reserveSendSlot ? ['west-4'] : []),
      'west-2',
    ]);
  });

  it('hands a claimed row to another worker only once its lease expired', async () => {
    await store().insert(storedCall({ id: 'a' }));
    await store().claimDue({ now: T0, limit: 1, workerId: 'w1', leaseUntil: T0 + 30_000 });
    expect(await claimedRows(store(), T0 + 29_999, 1, 'w2', T0 + 60_000)).toEqual([]);
    const [again] = await claimedRows(store(), T0 + 30_000, 1, 'w2', T0 + 60_000);
    expect(again).toMatchObject({
      id: 'a',
      leaseOwner: 'w2',
      leaseUntil: T0 + 60_000,
      version: 3,
    });
  });

  it('never hands one call to two concurrent claimants', async () => {
    const other = await another();
    for (let i = 0; i < 200; i++) {
      await store().insert(
        storedCall({ id: `c${String(i).padStart(3, '0')}`, dueAt: T0 + (i % 7) }),
      );
    }
    const claims = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 === 0 ? store() : other)
          .claimDue({ now: T0 + 10, limit: 7, workerId: `w${i}`, leaseUntil: T0 + 30_000 })
          .then((c) => c.calls),
      ),
    );
    const ids = claims.flat().map((r) => r.id);
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
  });

  it('reports the earliest wake time: a due time, or the expiry of a lease', async () => {
    expect(await store().nextDueAt()).toBeNull();
    await store().insert(storedCall({ id: 'a', dueAt: T0 + 5000 }));
    await store().insert(storedCall({ id: 'b', dueAt: T0 + 1000 }));
    await store().insert(storedCall({ id: 'c', dueAt: T0, status: 'completed' }));
    expect(await store().nextDueAt()).toBe(T0 + 1000);
    await store().claimDue({ now: T0 + 1000, limit: 1, workerId: 'w1', leaseUntil: T0 + 9000 });
    expect(await store().nextDueAt()).toBe(T0 + 5000);
    const b = (await store().get('b'))!;
    await store().update('b', b.version, { leaseUntil: T0 + 2000 });
    expect(await store().nextDueAt()).toBe(T0 + 2000);
    await store().update('b', b.version + 1, {
      status: 'initiated',
      leaseOwner: null,
      leaseUntil: null,
    });
    const a = (await store().get('a'))!;
    await store().update('a', a.version, { dueAt: T0 + 3000 });
    expect(await store().nextDueAt()).toBe(T0 + 3000);
  });

  it('wakes at the end of the follow lease of a call in flight, and none without one', async () => {
    await store().insert(storedCall({ id: 'later', dueAt: T0 + 60_000 }));
    await store().insert(
      storedCall({ id: 'ringing', status: 'ringing', leaseOwner: 'w1', leaseUntil: T0 + 9000 }),
    );
    await store().insert(storedCall({ id: 'unfollowed', status: 'answered', dueAt: T0 }));
    await store().insert(
      storedCall({ id: 'ended', status: 'completed', leaseOwner: 'w1', leaseUntil: T0 }),
    );
    expect(await store().nextDueAt()).toBe(T0 + 9000);
    const ringing = (await store().get('ringing'))!;
    await store().update('ringing', ringing.version, { leaseUntil: T0 + 20_000 });
    expect(await store().nextDueAt()).toBe(T0 + 20_000);
  });

  it('hands a call in flight to another worker once its follow lease ran out, keeping its status', async () => {
    await store().insert(
      storedCall({
        id: 'ringing',
        status: 'ringing',
        providerCallId: 'p1',
        placingAt: T0 - 5000,
        leaseOwner: 'dead',
        leaseUntil: T0 + 3000,
      }),
    );
    await store().insert(storedCall({ id: 'due', dueAt: T0 + 4000 }));
    expect(await claimedRows(store(), T0 + 2999, 10, 'w2', T0 + 33_000)).toEqual([]);
    const claimed = await claimedRows(store(), T0 + 4000, 10, 'w2', T0 + 34_000);
    expect(claimed.map((r) => [r.id, r.status, r.leaseOwner])).toEqual([
      ['ringing', 'ringing', 'w2'],
      ['due', 'queued', 'w2'],
    ]);
    expect(claimed[0]).toMatchObject({ providerCallId: 'p1', placingAt: T0 - 5000, version: 2 });
    expect(await claimedRows(store(), T0 + 4000, 10, 'w3', T0 + 34_000)).toEqual([]);
    expect(await store().nextDueAt()).toBe(T0 + 34_000);
  });
}
