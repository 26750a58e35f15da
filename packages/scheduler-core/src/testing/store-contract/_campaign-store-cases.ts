/**
 * The cases of `testStore()` for a campaign as stored: inserted with its entries at once, kept
 * out of the scheduler's own rows, updated at a version, listed, and its finished rows deleted.
 * Run inside the campaigns' `describe`.
 */
import { expect, it } from 'vitest';
import { isCallNotFoundError, isConflictError } from '../../errors.js';
import { LIVE_STATUSES, type Store, type StoredCampaign, type StorePage } from '../../store.js';
import { SCHEDULED_CALL_STATUSES } from '../../types.js';
import { campaignMethods, offered } from './_capabilities.js';
import { claimWith, entries, entry, LEASE, positions, reasonOf } from './_campaign-fixtures.js';
import {
  expectRejects,
  positive,
  storedCall,
  storedCampaign,
  T0,
  claimedRows,
} from './_fixtures.js';

/** Registers the cases; `store()` is the store of the running test. */
export function campaignStoreCases(store: () => Store): void {
  it('stores a campaign with its entries at once, and nothing of one it refuses', async (context) => {
    const c = campaignMethods(store(), context);
    if (!c) return;
    const campaign = storedCampaign({
      id: 'spring',
      total: 3,
      settings: {
        callsPerSecond: 2,
        window: { start: '09:00', end: '17:00', timezone: 'Europe/Paris' },
        retry: {
          busy: { afterMs: 120_000, maxAttempts: 3 },
          machine: { afterMs: 7_200_000, maxAttempts: 2 },
        },
        note: 'x',
      },
    });
    const rows = [
      entry('spring', 0, {
        idempotencyKey: 'k-spring',
        call: { say: 'Hello', machineDetection: 'detect' },
        options: {
          maxAttempts: 4,
          retryBackoff: null,
          retry: {
            busy: { afterMs: 120_000, maxAttempts: 3 },
            machine: { afterMs: 7_200_000, maxAttempts: 2 },
          },
          recurrence: null,
          window: null,
          metadata: null,
          seriesId: null,
          occurrenceAt: null,
        },
      }),
      entry('spring', 1),
      entry('spring', 2, { to: '+14155550002' }),
    ];
    await c.insertCampaign(campaign, rows);
    expect(await c.getCampaign('spring')).toEqual(campaign);
    // A campaign naming its provider reads back with it; one without reads back without.
    const named = storedCampaign({ id: 'named', total: 0, provider: 'num-dialer' });
    await c.insertCampaign(named, []);
    expect(await c.getCampaign('named')).toEqual(named);
    expect('provider' in (await c.getCampaign('spring'))!).toBe(false);
    const archived = await c.updateCampaign('named', 1, { archivedAt: T0 });
    expect(archived.provider).toBe('num-dialer');
    expect(await c.getCampaign('missing')).toBeNull();
    for (const row of rows) expect(await store().get(row.id)).toEqual(row);
    expect((await store().findByIdempotencyKey('k-spring'))?.id).toBe(rows[0]!.id);

    // The same campaign id again: refused, none of its entries stored.
    const again = storedCampaign({ id: 'spring', total: 1, fingerprint: 'other' });
    const error = await expectRejects(
      c.insertCampaign(again, [entry('spring', 0, { id: 'again' })]),
      isConflictError,
    );
    expect(reasonOf(error)).toBe('duplicate');
    expect(await store().get('again')).toBeNull();
    expect(await c.getCampaign('spring')).toEqual(campaign);

    // An entry whose id or idempotency key is taken: the whole campaign is refused.
    await store().insert(storedCall({ id: 'own', idempotencyKey: 'k-own' }));
    const clashes = [
      entry('summer', 1, { id: 'own' }),
      entry('summer', 1, { id: rows[1]!.id }),
      entry('summer', 1, { idempotencyKey: 'k-own' }),
      entry('summer', 1, { idempotencyKey: 'k-spring' }),
    ];
    for (const clash of clashes) {
      const refused = await expectRejects(
        c.insertCampaign(storedCampaign({ id: 'summer', total: 2 }), [entry('summer', 0), clash]),
        isConflictError,
      );
      expect(reasonOf(refused)).toBe('duplicate');
      expect(await c.getCampaign('summer')).toBeNull();
      expect(await store().get(entry('summer', 0).id)).toBeNull();
    }
    expect(await store().get('own')).toEqual(storedCall({ id: 'own', idempotencyKey: 'k-own' }));
    expect(positive(await c.countCampaign('spring'))).toEqual({ scheduled: 3 });

    // One space of ids and keys: the scheduler's own rows cannot take a campaign row's.
    await expectRejects(store().insert(storedCall({ id: rows[0]!.id })), isConflictError);
    await expectRejects(
      store().insert(storedCall({ id: 'other', idempotencyKey: 'k-spring' })),
      isConflictError,
    );
    expect(await store().get(rows[0]!.id)).toEqual(rows[0]);
  });

  it("keeps campaign rows out of the scheduler's own claims, wake time and list", async (context) => {
    const c = campaignMethods(store(), context);
    if (!c) return;
    const rows = [
      entry('spring', 0, { dueAt: T0 - 5000 }),
      entry('spring', 1, { status: 'queued', leaseOwner: 'gone', leaseUntil: T0 - 1000 }),
      entry('spring', 2, {
        status: 'ringing',
        leaseOwner: 'gone',
        leaseUntil: T0 - 1000,
        placingAt: T0 - 9000,
        providerCallId: 'p-spring',
      }),
      entry('spring', 3, { status: 'completed' }),
    ];
    await c.insertCampaign(storedCampaign({ id: 'spring', concurrency: 10, total: 4 }), rows);
    const later = T0 + 60_000;
    expect(await store().nextDueAt()).toBeNull();
    expect(
      (await store().claimDue({ now: later, limit: 10, workerId: 'w1', leaseUntil: later + LEASE }))
        .calls,
    ).toEqual([]);
    expect(await store().list({ limit: 10 })).toEqual({ items: [], nextCursor: null });
    expect((await store().list({ status: [...SCHEDULED_CALL_STATUSES], limit: 10 })).items).toEqual(
      [],
    );

    await store().insert(storedCall({ id: 'own-a', dueAt: T0 + 1000 }));
    await store().insert(storedCall({ id: 'own-b', dueAt: T0 + 2000 }));
    expect(await store().nextDueAt()).toBe(T0 + 1000);
    const first = await claimedRows(store(), later, 1, 'w1', later + LEASE);
    expect(first.map((r) => r.id)).toEqual(['own-a']);
    const second = store().reserveSendSlot
      ? (
          await store().claimDue({
            now: later,
            limit: 10,
            workerId: 'w1',
            leaseUntil: later + LEASE,
            budget: {
              intervalMs: 100,
              horizonMs: 1000,
            },
          })
        ).calls
      : await claimedRows(store(), later, 10, 'w1', later + LEASE);
    expect(second.map((r) => r.id)).toEqual(['own-b']);
    expect(
      (await store().claimDue({ now: later, limit: 10, workerId: 'w2', leaseUntil: later + LEASE }))
        .calls,
    ).toEqual([]);
    expect(await store().nextDueAt()).toBe(later + LEASE);
    expect((await store().list({ limit: 10 })).items.map((r) => r.id)).toEqual(['own-a', 'own-b']);
    expect((await store().list({ campaign: null, limit: 10 })).items.map((r) => r.id)).toEqual([
      'own-a',
      'own-b',
    ]);

    // Read and written as any row, and still out of the scheduler's claims once written.
    expect((await store().findByProviderCallId('mock', 'p-spring'))?.id).toBe(rows[2]!.id);
    // A call of the scheduler's own with the same id at another provider is found by its own.
    await store().insert(
      storedCall({ id: 'own-c', provider: 'twilio', status: 'initiated', providerCallId: 'p-x' }),
    );
    const named = entry('summer', 0, { provider: 'num-dialer', providerCallId: 'p-x' });
    await c.insertCampaign(storedCampaign({ id: 'summer', total: 1 }), [
      { ...named, status: 'initiated' },
    ]);
    expect((await store().findByProviderCallId('twilio', 'p-x'))?.id).toBe('own-c');
    expect((await store().findByProviderCallId('num-dialer', 'p-x'))?.id).toBe(named.id);
    expect((await store().findByProviderCallId('num-dialer', 'p-x'))?.provider).toBe('num-dialer');
    expect(await store().findByProviderCallId('telnyx', 'p-x')).toBeNull();
    await store().update('own-c', 1, { status: 'completed' });
    await store().update(named.id, 1, { status: 'completed' });
    const moved = await store().update(rows[0]!.id, 1, { dueAt: T0 - 9000, reason: 'moved' });
    expect(moved).toEqual({ ...rows[0], dueAt: T0 - 9000, reason: 'moved', version: 2 });
    if (store().updateMany) {
      const applied = await store().updateMany!([
        { id: rows[3]!.id, expectedVersion: 1, patch: { reason: 'batched' } },
      ]);
      expect(applied).toEqual([true]);
      expect(await store().get(rows[3]!.id)).toEqual({
        ...rows[3],
        reason: 'batched',
        version: 2,
      });
    }
    expect(await claimedRows(store(), later + LEASE, 10, 'w2', later + 2 * LEASE)).toMatchObject([
      { id: 'own-a' },
      { id: 'own-b' },
    ]);
    expect(await store().nextDueAt()).toBe(later + 2 * LEASE);
    // `countByStatus` counts every row, the campaigns' too.
    if (store().countByStatus) {
      expect(positive(await store().countByStatus!(LIVE_STATUSES))).toEqual({
        scheduled: 1,
        queued: 3,
        ringing: 1,
      });
    }
  });

  it('finds no campaign, and does not fail, by a name that holds the NUL character', async (context) => {
    const c = campaignMethods(store(), context);
    if (!c) return;
    await c.insertCampaign(storedCampaign({ id: 'spring', total: 1 }), entries('spring', 1));
    expect(await c.getCampaign('spring\u0000')).toBeNull();
    expect(await c.getCampaign('\u0000')).toBeNull();
  });

  it('updates a campaign at the expected version, and refuses a stale or unknown one', async (context) => {
    const c = campaignMethods(store(), context);
    if (!c) return;
    const campaign = storedCampaign({ id: 'spring', total: 1 });
    await c.insertCampaign(campaign, entries('spring', 1));
    const paused = await c.updateCampaign('spring', 1, { state: 'paused', updatedAt: T0 + 5 });
    expect(paused).toEqual({ ...campaign, state: 'paused', updatedAt: T0 + 5, version: 2 });
    expect(await c.getCampaign('spring')).toEqual(paused);
    const settings = { callsPerSecond: null, note: 'changed', list: [1, 2] };
    const changed = await c.updateCampaign('spring', 2, {
      state: 'running',
      concurrency: 9,
      settings,
      nextSlotAt: T0 + 700,
    });
    expect(changed).toEqual({
      ...paused,
      state: 'running',
      concurrency: 9,
      settings,
      nextSlotAt: T0 + 700,
      version: 3,
    });
    const stale = await expectRejects(
      c.updateCampaign('spring', 2, { state: 'stopped' }),
      isConflictError,
    );
    expect(reasonOf(stale)).toBe('version_conflict');
    expect(await c.getCampaign('spring')).toEqual(changed);
    await expectRejects(c.updateCampaign('missing', 1, { state: 'stopped' }), isCallNotFoundError);
  });

  it('lists campaigns newest first, page by page', async (context) => {
    const c = campaignMethods(store(), context);
    if (!c) return;
    expect(await c.listCampaigns({ limit: 5 })).toEqual({ items: [], nextCursor: null });
    const campaigns = (
      [
        ['b', T0],
        ['d', T0 + 1000],
        ['a', T0],
        ['e', T0 - 1000],
        ['c', T0],
      ] as const
    ).map(([id, createdAt]) => storedCampaign({ id, createdAt, updatedAt: createdAt }));
    for (const campaign of campaigns) await c.insertCampaign(campaign, []);
    const byId = Object.fromEntries(campaigns.map((campaign) => [campaign.id, campaign]));
    const seen: StoredCampaign[][] = [];
    let cursor: string | null = null;
    do {
      const page: StorePage<StoredCampaign> = await c.listCampaigns({ cursor, limit: 2 });
      seen.push(page.items);
      cursor = page.nextCursor;
    } while (cursor && seen.length < 10);
    expect(seen).toEqual([[byId.d, byId.c], [byId.b, byId.a], [byId.e]]);
    expect((await c.listCampaigns({ limit: 5 })).nextCursor).toBeNull();
  });

  it('deletes finished campaign rows with the others, when it offers deleteFinished', async (context) => {
    const c = campaignMethods(store(), context);
    const deleteFinished = c && offered(store(), 'deleteFinished', context);
    if (!c || !deleteFinished) return;
    await store().insert(storedCall({ id: 'own-old', status: 'completed', updatedAt: T0 - 3000 }));
    await store().insert(storedCall({ id: 'own-new', status: 'canceled', updatedAt: T0 - 1000 }));
    const live = entry('spring', 3, {
      status: 'queued',
      leaseOwner: 'w0',
      leaseUntil: T0 + 60_000,
      updatedAt: T0 - 9000,
    });
    await c.insertCampaign(storedCampaign({ id: 'spring', total: 4 }), [
      entry('spring', 0, {
        status: 'completed',
        updatedAt: T0 - 2000,
        idempotencyKey: 'k-spring',
        providerCallId: 'p-spring',
      }),
      entry('spring', 1, { status: 'busy', updatedAt: T0 - 4000 }),
      entry('spring', 2, { status: 'completed', updatedAt: T0 + 1000 }),
      live,
    ]);
    // Oldest first, across the scheduler's rows and the campaigns'.
    expect(await deleteFinished(T0, 2)).toBe(2);
    expect(await store().get(entry('spring', 1).id)).toBeNull();
    expect(await store().get('own-old')).toBeNull();
    expect(await store().get(entry('spring', 0).id)).not.toBeNull();
    expect(await deleteFinished(T0, 10)).toBe(2);
    expect(await deleteFinished(T0, 10)).toBe(0);
    expect(await store().get('own-new')).toBeNull();
    expect(await store().findByIdempotencyKey('k-spring')).toBeNull();
    expect(await store().findByProviderCallId('mock', 'p-spring')).toBeNull();
    expect(positions(await c.listCampaignCalls('spring', { limit: 10 }))).toEqual([2, 3]);
    expect(positive(await c.countCampaign('spring'))).toEqual({ completed: 1, queued: 1 });
    expect(await store().get(live.id)).toEqual(live);
    expect(await claimWith(c)('spring', T0 + 60_000, 10)).toMatchObject({
      calls: [{ id: live.id, leaseOwner: 'w1' }],
      taken: 1,
    });
  });
}
