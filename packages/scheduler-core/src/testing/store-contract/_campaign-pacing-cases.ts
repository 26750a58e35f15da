/**
 * The cases of `testStore()` for a campaign's send budget: each new entry claimed gets a slot,
 * none beyond the horizon. Run inside the campaigns' `describe`.
 */
import { expect, it } from 'vitest';
import type { Store } from '../../store.js';
import { campaignMethods } from './_capabilities.js';
import { claimWith, entries, LEASE, positions } from './_campaign-fixtures.js';
import { storedCampaign, T0 } from './_fixtures.js';

/** Registers the cases; `store()` is the store of the running test. */
export function campaignPacingCases(store: () => Store): void {
  it("gives each new entry a slot of the campaign's send budget, and keeps the next one", async (context) => {
    const c = campaignMethods(store(), context);
    if (!c) return;
    const claim = claimWith(c);
    const budget = { intervalMs: 100, horizonMs: 1000 };
    const campaign = storedCampaign({ id: 'spring', concurrency: 20, total: 12 });
    await c.insertCampaign(campaign, entries('spring', 12));

    // No budget: no slot, and the campaign's next slot stays.
    const plain = await claim('spring', T0, 1);
    expect(plain).toMatchObject({ campaign, slots: [null], nextSlotAt: null });
    const first = await claim('spring', T0, 3, { budget });
    expect(positions(first.calls)).toEqual([1, 2, 3]);
    expect(first.slots).toEqual([T0, T0 + 100, T0 + 200]);
    expect(first.nextSlotAt).toBe(T0 + 300);
    const moved = { ...campaign, nextSlotAt: T0 + 300, updatedAt: T0, version: 2 };
    expect(first.campaign).toEqual(moved);
    expect(await c.getCampaign('spring')).toEqual(moved);

    // A slot at `now + horizonMs` at the latest.
    const second = await claim('spring', T0, 10, { budget: { ...budget, horizonMs: 900 } });
    expect(positions(second.calls)).toEqual([4, 5, 6, 7, 8, 9, 10]);
    expect(second.slots).toEqual([300, 400, 500, 600, 700, 800, 900].map((d) => T0 + d));
    expect(second.nextSlotAt).toBe(T0 + 1000);
    const full = await claim('spring', T0, 10, { budget: { ...budget, horizonMs: 999 } });
    expect(full).toMatchObject({ calls: [], slots: [], nextSlotAt: T0 + 1000 });
    expect(full.campaign).toMatchObject({ nextSlotAt: T0 + 1000, version: 3 });
    expect(await c.getCampaign('spring')).toEqual(full.campaign);

    // Adopted rows take no slot; once the slots are past, the next is `now`.
    const later = T0 + LEASE + 50;
    const last = await claim('spring', later, 13, { budget });
    expect(last.calls).toHaveLength(12);
    expect(last.calls[11]!.position).toBe(11);
    expect(last.slots).toEqual([...Array<null>(11).fill(null), later]);
    expect(last.nextSlotAt).toBe(later + 100);
    expect(await c.getCampaign('spring')).toEqual({
      ...campaign,
      nextSlotAt: later + 100,
      updatedAt: later,
      version: 4,
    });
  });

  it('holds back new entries when the next free slot is beyond the horizon', async (context) => {
    const c = campaignMethods(store(), context);
    if (!c) return;
    const claim = claimWith(c);
    const slow = { intervalMs: 400, horizonMs: 1000 };
    const campaign = storedCampaign({ id: 'spring', concurrency: 20, total: 10 });
    await c.insertCampaign(campaign, entries('spring', 10));
    const first = await claim('spring', T0, 10, { budget: slow });
    expect(first.slots).toEqual([T0, T0 + 400, T0 + 800]);
    const none = await claim('spring', T0, 10, { budget: slow });
    expect(none).toMatchObject({ calls: [], slots: [], taken: 3, nextSlotAt: T0 + 1200 });
    const later = await claim('spring', T0 + 300, 10, { budget: slow });
    expect(positions(later.calls)).toEqual([3]);
    expect(later.slots).toEqual([T0 + 1200]);
    expect(later.nextSlotAt).toBe(T0 + 1600);
    // The next slot set by hand (a late placement took a fresh one) is where claims go on.
    const current = (await c.getCampaign('spring'))!;
    await c.updateCampaign('spring', current.version, { nextSlotAt: T0 + 5000 });
    expect((await claim('spring', T0 + 4000, 10, { budget: slow })).slots).toEqual([T0 + 5000]);
    // Nothing claimed: the next free slot is the campaign's, or `now` once that is past.
    const paused = await c.updateCampaign('spring', current.version + 2, { state: 'paused' });
    expect(paused.nextSlotAt).toBe(T0 + 5400);
    const idle = await claim('spring', T0 + 5399, 10, { budget: slow });
    expect(idle).toMatchObject({ calls: [], slots: [], nextSlotAt: T0 + 5400 });
    const late = await claim('spring', T0 + 10_000, 10, { budget: slow });
    expect(late).toEqual({
      campaign: paused,
      calls: [],
      slots: [],
      taken: 5,
      nextSlotAt: T0 + 10_000,
    });
    expect(await c.getCampaign('spring')).toEqual(paused);
  });
}
