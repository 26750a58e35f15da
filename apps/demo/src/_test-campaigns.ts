/**
 * Campaigns as a process killed with `kill -9` leaves them in the store, for the route and
 * browser tests: entries claimed by a worker that is gone, held by its lease until it runs out.
 * Placed through the demo's webhook practice API (`num-dialer`), as the demo's own campaigns.
 */
import {
  campaignSettings,
  createCampaignRunner,
  type Store,
  type StoredCall,
} from '@ringkit/scheduler-core';
import { createFakeProvider } from '@ringkit/simulator';

/** The worker id of the process that is gone. */
export const GONE_WORKER = 'killed-worker';

/**
 * Creates the campaign `name` in `store` with `numbers`, its first `held` entries claimed by
 * {@link GONE_WORKER} with a lease until `leaseUntil` (epoch ms) that nobody renews; its
 * concurrency is `held`, so nothing else is claimed until that lease runs out.
 */
export async function seedHeldCampaign(
  store: Store,
  options: { name: string; numbers: string[]; held: number; leaseUntil: number },
): Promise<StoredCall[]> {
  const { name, numbers, held, leaseUntil } = options;
  let claimed: StoredCall[] = [];
  const runner = createCampaignRunner({
    store,
    provider: createFakeProvider({ name: 'num-dialer' }),
    campaign: name,
    callerId: '+14155550100',
    concurrency: held,
    entries: numbers.map((to) => ({ to })),
    workerId: 'campaign-creator',
  });
  // The gone worker claims before the creator's first claim: the cap is then full.
  await runner.start({
    beforeClaims: async (campaign) => {
      const claim = await store.claimCampaign!(name, Date.now(), held, GONE_WORKER, leaseUntil, {
        holdMs: campaignSettings(campaign).callTimeoutMs,
      });
      claimed = claim.calls;
    },
  });
  await runner.close();
  return claimed;
}

/** The gone worker's leases on the campaign's entries run out now. */
export async function endLeases(store: Store, name: string): Promise<void> {
  const rows = await store.listCampaignCalls!(name, { status: ['queued'], limit: 1000 });
  for (const row of rows) {
    if (row.leaseOwner !== GONE_WORKER) continue;
    await store.update(row.id, row.version, { leaseUntil: Date.now() - 1 });
  }
}
