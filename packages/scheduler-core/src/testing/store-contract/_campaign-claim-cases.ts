/**
 * The cases of `testStore()` for `claimCampaign`: entries in list order under the concurrency,
 * expired leases adopted first, races across connections, and `nextCampaignWake`. Run inside
 * the campaigns' `describe`.
 */
import { expect, it } from 'vitest';
import type { Store } from '../../store.js';
import { campaignMethods } from './_capabilities.js';
import { claimedAs, claimWith, entries, entry, LEASE, positions } from './_campaign-fixtures.js';
import { positive, storedCampaign, T0 } from './_fixtures.js';

/**
 * Registers the cases; `store()` is the store of the running test, `another()` a second
 * connection to its data (itself when the store has none), closed after the test.
 */
export function campaignClaimCases(store: () => Store, another: () => Promise<Store>): void {
  it('claims the due entries of a running campaign in list order, leased', async (context) => {
    const c = campaignMethods(store(), context);
    if (!c) return;
    const claim = claimWith(c);
    // Ids and creation times in another order than the list's.
    const ids = ['m', 'c', 'x', 'a', 'q', 'b', 'z'];
    const rows = ids.map((id, position) =>
      entry('spring', position, { id, createdAt: T0 - position * 10 }),
    );
    const campaign = storedCampaign({ id: 'spring', concurrency: 10, total: 7 });
    await c.insertCampaign(
      campaign,
      [3, 0, 6, 1, 5, 2, 4].map((i) => rows[i]!),
    );

    const first = await claim('spring', T0, 3);
    expect(first).toEqual({
      campaign,
      calls: rows.slice(0, 3).map((row) => claimedAs(row, T0)),
      slots: [null, null, null],
      taken: 3,
      nextSlotAt: null,
    });
    expect(await store().get('m')).toEqual(claimedAs(rows[0]!, T0));
    const second = await claim('spring', T0 + 5, 10, { worker: 'w2' });
    expect(second.calls.map((r) => r.id)).toEqual(['a', 'q', 'b', 'z']);
    expect(second.calls[0]).toEqual(claimedAs(rows[3]!, T0 + 5, 'w2'));
    expect(second.taken).toBe(7);
    expect(await claim('spring', T0 + 5, 10)).toEqual({
      campaign,
      calls: [],
      slots: [],
      taken: 7,
      nextSlotAt: null,
    });
    expect(await claim('missing', T0, 10)).toEqual({
      campaign: null,
      calls: [],
      slots: [],
      taken: 0,
      nextSlotAt: null,
    });
  });

  it('keeps its live rows and the held unknown outcomes under the concurrency', async (context) => {
    const c = campaignMethods(store(), context);
    if (!c) return;
    const claim = claimWith(c);
    const holdMs = 5000;
    const leased = { leaseOwner: 'w0', leaseUntil: T0 + 600_000 };
    const unknown = { status: 'failed' as const, reason: 'outcome_unknown' };
    await c.insertCampaign(storedCampaign({ id: 'spring', concurrency: 3, total: 10 }), [
      entry('spring', 0, { status: 'queued', ...leased }),
      entry('spring', 1, { status: 'ringing', providerCallId: 'p1', ...leased }),
      // Held until T0 + 4000.
      entry('spring', 2, { ...unknown, placingAt: T0 - 1000 }),
      // Its hold passed: `placingAt` is not after `now - holdMs`.
      entry('spring', 3, { ...unknown, placingAt: T0 - holdMs }),
      entry('spring', 4, { status: 'failed', reason: 'provider_error', placingAt: T0 - 10 }),
      entry('spring', 5, { ...unknown, placingAt: null }),
      entry('spring', 6, { status: 'completed', placingAt: T0 - 10 }),
      entry('spring', 7),
      entry('spring', 8),
      entry('spring', 9),
    ]);
    const at = async (now: number) => {
      const result = await claim('spring', now, 10, { holdMs });
      return [positions(result.calls), result.taken];
    };
    expect(await at(T0)).toEqual([[], 3]);
    expect(await at(T0 + 3999)).toEqual([[], 3]);
    expect(await at(T0 + 4000)).toEqual([[7], 3]);
    // A call that ends frees its place.
    await store().update(entry('spring', 0).id, 1, {
      status: 'completed',
      leaseOwner: null,
      leaseUntil: null,
    });
    expect(await at(T0 + 4000)).toEqual([[8], 3]);
    // One whose outcome turned unknown keeps it for `holdMs` after its placement.
    await store().update(entry('spring', 1).id, 1, {
      ...unknown,
      placingAt: T0 + 4000,
      leaseOwner: null,
      leaseUntil: null,
    });
    expect(await at(T0 + 8999)).toEqual([[], 3]);
    expect(await at(T0 + 9000)).toEqual([[9], 3]);
    expect(positive(await c.countCampaign('spring'))).toEqual({
      completed: 2,
      failed: 5,
      queued: 3,
    });
  });

  it('adopts rows whose lease ran out first, whatever its state, and new ones only when running', async (context) => {
    const c = campaignMethods(store(), context);
    if (!c) return;
    const claim = claimWith(c);
    const rows = [
      entry('spring', 0, {
        status: 'queued',
        leaseOwner: 'gone',
        leaseUntil: T0 + 2000,
        placingAt: T0 - 10,
      }),
      entry('spring', 1, {
        status: 'ringing',
        leaseOwner: 'gone',
        leaseUntil: T0 + 1000,
        placingAt: T0 - 5000,
        providerCallId: 'p1',
      }),
      entry('spring', 2, { status: 'answered', leaseOwner: 'w0', leaseUntil: T0 + 600_000 }),
      entry('spring', 3),
      entry('spring', 4),
    ];
    const paused = storedCampaign({
      id: 'spring',
      state: 'paused',
      concurrency: 1,
      total: 5,
    });
    await c.insertCampaign(paused, rows);
    expect(await claim('spring', T0 + 999, 10)).toMatchObject({ calls: [], taken: 3 });
    // The earliest lease first, its status kept.
    const one = await claim('spring', T0 + 2000, 1, { worker: 'w2' });
    expect(one).toEqual({
      campaign: paused,
      calls: [claimedAs(rows[1]!, T0 + 2000, 'w2')],
      slots: [null],
      taken: 3,
      nextSlotAt: null,
    });
    const rest = await claim('spring', T0 + 2000, 10, { worker: 'w2' });
    expect(rest.calls).toEqual([claimedAs(rows[0]!, T0 + 2000, 'w2')]);

    const stopped = await c.updateCampaign('spring', 1, { state: 'stopped' });
    // Equal leases: by id.
    const expiry = T0 + 2000 + LEASE;
    const both = await claim('spring', expiry, 10, { worker: 'w3' });
    expect(both.campaign).toEqual(stopped);
    expect(both.calls.map((r) => [r.id, r.status, r.leaseOwner, r.version])).toEqual([
      [rows[0]!.id, 'queued', 'w3', 3],
      [rows[1]!.id, 'ringing', 'w3', 3],
    ]);
    expect(both.taken).toBe(3);

    // Running again: adopted rows count, new ones wait for a free place.
    const running = await c.updateCampaign('spring', 2, { state: 'running' });
    expect(await claim('spring', expiry, 10)).toMatchObject({ calls: [], taken: 3 });
    await c.updateCampaign('spring', running.version, { concurrency: 5 });
    expect(positions((await claim('spring', expiry, 10)).calls)).toEqual([3, 4]);
  });

  it('adopts before claiming new entries, within one limit, above the concurrency', async (context) => {
    const c = campaignMethods(store(), context);
    if (!c) return;
    const claim = claimWith(c);
    const gone = { status: 'queued' as const, leaseOwner: 'gone', leaseUntil: T0 };
    await c.insertCampaign(storedCampaign({ id: 'spring', concurrency: 4, total: 6 }), [
      entry('spring', 0),
      entry('spring', 1),
      entry('spring', 2, gone),
      entry('spring', 3),
      entry('spring', 4, { ...gone, status: 'initiated' }),
      entry('spring', 5),
    ]);
    const first = await claim('spring', T0, 3);
    expect(first.calls.map((r) => [r.position, r.status])).toEqual([
      [2, 'queued'],
      [4, 'initiated'],
      [0, 'queued'],
    ]);
    expect(first.slots).toEqual([null, null, null]);
    expect(first.taken).toBe(3);
    expect(positions((await claim('spring', T0, 10)).calls)).toEqual([1]);

    // Adopted however many are live: the cap only holds new entries back.
    await c.insertCampaign(storedCampaign({ id: 'small', concurrency: 1, total: 3 }), [
      entry('small', 0, gone),
      entry('small', 1, { ...gone, status: 'answered' }),
      entry('small', 2),
    ]);
    const small = await claim('small', T0, 10);
    expect(small.calls.map((r) => [r.position, r.status])).toEqual([
      [0, 'queued'],
      [1, 'answered'],
    ]);
    expect(small.taken).toBe(2);
  });

  it('claims an entry not due yet once due, ahead of the entries after it', async (context) => {
    const c = campaignMethods(store(), context);
    if (!c) return;
    const claim = claimWith(c);
    const rows = entries('spring', 6);
    rows[2] = entry('spring', 2, { dueAt: T0 + 20_000 }); // a window's opening
    await c.insertCampaign(storedCampaign({ id: 'spring', concurrency: 10, total: 6 }), rows);
    expect(positions((await claim('spring', T0, 2)).calls)).toEqual([0, 1]);
    expect(positions((await claim('spring', T0, 1)).calls)).toEqual([3]);
    // Entry 0 is to be tried again in 10 s.
    const retried = await store().update(rows[0]!.id, 2, {
      status: 'scheduled',
      dueAt: T0 + 10_000,
      attempt: 2,
      leaseOwner: null,
      leaseUntil: null,
    });
    expect(positions((await claim('spring', T0 + 5000, 1)).calls)).toEqual([4]);
    const again = await claim('spring', T0 + 10_000, 1);
    expect(again.calls).toEqual([claimedAs(retried, T0 + 10_000)]);
    expect(positions((await claim('spring', T0 + 10_000, 10)).calls)).toEqual([5]);
    expect(positions((await claim('spring', T0 + 19_999, 10)).calls)).toEqual([]);
    expect(positions((await claim('spring', T0 + 20_000, 10)).calls)).toEqual([2]);
  });

  it('wakes at a lease running out, an entry coming due, or a hold passing', async (context) => {
    const c = campaignMethods(store(), context);
    if (!c) return;
    const wake = c.nextCampaignWake;
    const unknown = { status: 'failed' as const, reason: 'outcome_unknown' };
    expect(await wake('missing', T0, 5000)).toBeNull();
    await c.insertCampaign(storedCampaign({ id: 'quiet', total: 5 }), [
      entry('quiet', 0, { status: 'completed', leaseOwner: 'w0', leaseUntil: T0 + 5000 }),
      entry('quiet', 1, { ...unknown, placingAt: T0 - 5000 }),
      entry('quiet', 2, { status: 'failed', reason: 'busy', placingAt: T0 }),
      entry('quiet', 3, { status: 'answered' }), // followed by no one
      entry('quiet', 4, { dueAt: T0 }), // due: a claim takes it now
    ]);
    expect(await wake('quiet', T0, 5000)).toBeNull();

    await c.insertCampaign(storedCampaign({ id: 'due', total: 3 }), [
      entry('due', 0, { dueAt: T0 + 7000 }),
      entry('due', 1, { dueAt: T0 + 3000 }),
      entry('due', 2, { dueAt: T0 }),
    ]);
    expect(await wake('due', T0, 5000)).toBe(T0 + 3000);
    expect(await wake('due', T0 + 3000, 5000)).toBe(T0 + 7000);

    const leased = { leaseOwner: 'w0' };
    await c.insertCampaign(storedCampaign({ id: 'lease', total: 3 }), [
      entry('lease', 0, { status: 'queued', leaseUntil: T0 + 6000, ...leased }),
      entry('lease', 1, { status: 'initiated', leaseUntil: T0 + 4000, ...leased }),
      entry('lease', 2, { dueAt: T0 + 9000 }),
    ]);
    expect(await wake('lease', T0, 5000)).toBe(T0 + 4000);
    // A lease already out: a claim would adopt its row now.
    await store().update(entry('lease', 0).id, 1, { leaseUntil: T0 - 10 });
    expect(await wake('lease', T0, 5000)).toBe(T0 - 10);

    await c.insertCampaign(storedCampaign({ id: 'held', total: 2 }), [
      entry('held', 0, { ...unknown, placingAt: T0 - 2000 }),
      entry('held', 1, { dueAt: T0 + 9000 }),
    ]);
    expect(await wake('held', T0, 5000)).toBe(T0 + 3000);
    expect(await wake('held', T0, 1000)).toBe(T0 + 9000);
  });

  it("keeps a claim under its own cap, below the campaign's, across connections", async (context) => {
    const c = campaignMethods(store(), context);
    if (!c) return;
    const claim = claimWith(c);
    const leased = { leaseOwner: 'w0', leaseUntil: T0 + 600_000 };
    await c.insertCampaign(storedCampaign({ id: 'lines', concurrency: 10, total: 12 }), [
      entry('lines', 0, { status: 'ringing', providerCallId: 'p0', ...leased }),
      entry('lines', 1, { status: 'answered', providerCallId: 'p1', ...leased }),
      ...Array.from({ length: 10 }, (_, i) => entry('lines', i + 2)),
    ]);
    // Two places taken: a cap of 4 leaves room for 2, whatever the limit.
    const first = await claim('lines', T0, 5, { cap: 4 });
    expect(positions(first.calls)).toEqual([2, 3]);
    expect(first.taken).toBe(4);
    expect((await claim('lines', T0, 5, { cap: 4 })).calls).toEqual([]);
    // A cap at or under the places taken claims nothing; one above the concurrency is the concurrency.
    expect((await claim('lines', T0, 5, { cap: 0 })).calls).toEqual([]);
    const rest = await claim('lines', T0, 20, { cap: 50 });
    expect(positions(rest.calls)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(rest.taken).toBe(10);

    // Workers that saw the same places taken and ask at once add their lines once between them.
    const other = await another();
    const claims = [claimWith(c), claimWith(campaignMethods(other, context)!)];
    for (let round = 0; round < 3; round++) {
      const id = `lines-${round}`;
      await c.insertCampaign(storedCampaign({ id, concurrency: 20, total: 30 }), entries(id, 30));
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          claims[(i + round) % 2]!(id, T0, 1 + (i % 3), { worker: `w${i}`, cap: 5 }),
        ),
      );
      const calls = results.flatMap((result) => result.calls);
      expect(new Set(calls.map((r) => r.id)).size).toBe(5);
      expect(positions(calls).sort((x, y) => x! - y!)).toEqual([0, 1, 2, 3, 4]);
      expect(Math.max(...results.map((result) => result.taken))).toBe(5);
    }
  });

  it('never takes more than the concurrency, one row twice or one slot twice, across connections', async (context) => {
    const c = campaignMethods(store(), context);
    if (!c) return;
    const other = await another();
    const claims = [claimWith(c), claimWith(campaignMethods(other, context)!)];
    await c.insertCampaign(
      storedCampaign({ id: 'spring', concurrency: 7, total: 40 }),
      entries('spring', 40),
    );
    const budget = { intervalMs: 10, horizonMs: 10_000 };
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        claims[i % 2]!('spring', T0, 3, { worker: `w${i}`, budget }),
      ),
    );
    const calls = results.flatMap((result) => result.calls);
    expect(new Set(calls.map((r) => r.id)).size).toBe(calls.length);
    expect(positions(calls).sort((x, y) => x! - y!)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Math.max(...results.map((result) => result.taken))).toBe(7);
    const slots = results.flatMap((result) => result.slots as number[]).sort((x, y) => x - y);
    expect(slots).toEqual(slots.map((_, i) => T0 + i * 10));
    expect((await c.getCampaign('spring'))?.nextSlotAt).toBe(T0 + 70);
    expect(positive(await c.countCampaign('spring'))).toEqual({ queued: 7, scheduled: 33 });
  });

  it('never takes more than the concurrency or one row twice across connections, without a budget', async (context) => {
    const c = campaignMethods(store(), context);
    if (!c) return;
    const other = await another();
    const stores = [c, campaignMethods(other, context)!];
    // Rounds of claims meeting in another order each time, and ends freeing places between them.
    for (let round = 0; round < 5; round++) {
      const id = `race-${round}`;
      await c.insertCampaign(storedCampaign({ id, concurrency: 5, total: 30 }), entries(id, 30));
      const seen = new Set<string>();
      for (let turn = 0; turn < 4; turn++) {
        const now = T0 + turn;
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            stores[(i + round + turn) % 2]!.claimCampaign(
              id,
              now,
              1 + ((i * 7 + round) % 3),
              `w${i}`,
              now + LEASE,
              {
                holdMs: 60_000,
              },
            ),
          ),
        );
        const calls = results.flatMap((result) => result.calls);
        for (const call of calls) {
          expect(seen.has(call.id)).toBe(false);
          seen.add(call.id);
        }
        expect(Math.max(...results.map((result) => result.taken))).toBeLessThanOrEqual(5);
        const live = positive(await c.countCampaign(id));
        expect(live.queued).toBe(5);
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
