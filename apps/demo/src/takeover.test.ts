/**
 * The one store takes over a campaigns' store of earlier versions: every campaign with its
 * entries, their call records and the do-not-call list move, once, and each row names the
 * provider it was placed through.
 */
import { createSuppressionList, isConflictError, type Store } from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { storedCall, storedCampaign } from '@ringkit/scheduler-core/testing';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { takeOver } from './takeover.js';

const logger = pino({ level: 'silent' });
const CALLER = '+14155550100';
const phones = (count: number, from: number) =>
  Array.from({ length: count }, (_, i) => `+1415555${String(from + i)}`);
const PROVIDERS = { scheduler: 'mock-call-api', campaigns: 'num-dialer' };

/** A campaigns' store as earlier versions left it: rows that name no provider. */
async function oldCampaignStore(): Promise<Store> {
  const old = createMemoryStore();
  const entry = (campaign: string, position: number, extra: object = {}) =>
    storedCall({
      id: `${campaign}:${position}`,
      to: `+1415555${2000 + position}`,
      campaign,
      position,
      ...extra,
    });
  await old.insertCampaign!(storedCampaign({ id: 'spring', total: 3, fingerprint: 'f-spring' }), [
    entry('spring', 0, { status: 'completed', providerCallId: '1', attempt: 1 }),
    entry('spring', 1, {
      status: 'initiated',
      providerCallId: '2',
      leaseUntil: 5,
      leaseOwner: 'gone',
    }),
    entry('spring', 2),
  ]);
  await old.insertCampaign!(
    storedCampaign({ id: 'summer', total: 1, fingerprint: 'f-summer', state: 'paused' }),
    [entry('summer', 0)],
  );
  await old.saveCallRecord({
    id: 'spring:0:1',
    from: CALLER,
    to: '+14155552000',
    direction: 'outbound',
    status: 'completed',
    startedAt: 1000,
    answeredAt: 2000,
    endedAt: 9000,
    durationS: 7,
  });
  return old;
}

describe('takeOver', () => {
  it('moves every campaign with its entries and their records, each row naming its provider', async () => {
    const store = createMemoryStore();
    // The one store's own rows, placed before rows named a provider.
    await store.insert(storedCall({ id: 'own', status: 'initiated', providerCallId: '1' }));
    const old = await oldCampaignStore();
    const counts = await takeOver(store, old, PROVIDERS, logger);
    expect(counts).toMatchObject({ campaigns: 2, entries: 4, records: 1, named: 1 });

    expect(await store.getCampaign!('spring')).toEqual({
      ...(await old.getCampaign!('spring')),
      provider: 'num-dialer',
    });
    expect((await store.getCampaign!('summer'))?.state).toBe('paused');
    const moved = await store.listCampaignCalls!('spring', { limit: 10 });
    const before = await old.listCampaignCalls!('spring', { limit: 10 });
    expect(moved).toEqual(before.map((row) => ({ ...row, provider: 'num-dialer' })));
    expect((await store.get('own'))?.provider).toBe('mock-call-api');
    // The two rows whose practice-API ids are equal are found each by its own provider.
    expect((await store.findByProviderCallId('num-dialer', '1'))?.id).toBe('spring:0');
    expect((await store.findByProviderCallId('mock-call-api', '1'))?.id).toBe('own');
    expect(
      (await store.listCallLog({ phone: '+14155552000', limit: 10 })).items.map((r) => r.id),
    ).toEqual(['spring:0:1']);
  });

  it('moves nothing twice when it runs again after a start that stopped midway', async () => {
    const store = createMemoryStore();
    const old = await oldCampaignStore();
    await takeOver(store, old, PROVIDERS, logger);
    const again = await takeOver(store, old, PROVIDERS, logger);
    expect(again).toMatchObject({ campaigns: 0, entries: 0, named: 0 });
    expect((await store.listCampaigns!({ limit: 10 })).items.map((c) => c.id).sort()).toEqual([
      'spring',
      'summer',
    ]);
    expect(await store.countCampaign!('spring')).toMatchObject({
      completed: 1,
      initiated: 1,
      scheduled: 1,
    });
  });

  it('refuses a campaign whose name the store holds with another list, leaving the old store whole', async () => {
    const store = createMemoryStore();
    await store.insertCampaign!(
      storedCampaign({ id: 'spring', total: 0, fingerprint: 'another list' }),
      [],
    );
    const old = await oldCampaignStore();
    const error = await takeOver(store, old, PROVIDERS, logger).catch((e: unknown) => e);
    expect((error as Error).message).toContain('"spring"');
    expect(isConflictError(error)).toBe(false);
    expect((await store.getCampaign!('spring'))?.fingerprint).toBe('another list');
    // Nothing is taken from the old store: the operator settles the name, and the next start
    // moves the rest.
    expect((await old.listCampaigns!({ limit: 10 })).items).toHaveLength(2);
    expect(await old.countCampaign!('spring')).toMatchObject({ completed: 1 });
  });

  it('keeps every number either list holds listed, the one store’s entry first', async () => {
    const store = createMemoryStore();
    const old = createMemoryStore();
    const main = createSuppressionList({ store });
    const theirs = createSuppressionList({ store: old });
    // Listed in both (as every write used to be), and only in the campaigns' store (a remove
    // that reached one store and not the other): 1,200 in all, more than a page.
    for (const phone of phones(700, 1000)) {
      await main.suppress(phone, { reason: 'both' });
      await theirs.suppress(phone, { reason: 'both, theirs' });
    }
    for (const phone of phones(500, 3000))
      await theirs.suppress(phone, { reason: 'campaigns only' });
    await main.suppress('+14155559999', { reason: 'scheduler only' });

    const counts = await takeOver(store, old, PROVIDERS, logger);
    expect(counts.suppressions).toBe(1200);
    for (const phone of [...phones(700, 1000), ...phones(500, 3000), '+14155559999']) {
      expect(await main.isSuppressed(phone), phone).toBe(true);
    }
    expect((await main.get('+14155553000'))?.reason).toBe('campaigns only');
    expect((await main.get('+14155551000'))?.reason).toBe('both');
  });
});
