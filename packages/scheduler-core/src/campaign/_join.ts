import { sleep } from '@ringkit/internal';
import { CallNotFoundError, ConflictError, isConflictError } from '../errors.js';
import type { StoredCall, StoredCampaign } from '../store.js';
import type { CampaignContext } from './_context.js';
import type { CampaignList } from './_list.js';
import type { CampaignSettings } from './settings.js';

/**
 * How often a worker that found its campaign still being created by another looks again (real
 * time: the other worker writes on the machine's clock, whatever clock this one is given).
 */
const CREATING_POLL_MS = 50;

/** What `start()` creates the campaign with, when this worker does. */
export interface JoinOptions {
  /** The rows of the list given to this worker and their digest, or `null` when it only joins. */
  list: CampaignList | null;
  /** Create it or fail: never join one of that name (see `CampaignRunnerOptions.exclusive`). */
  exclusive: boolean;
  settings: CampaignSettings;
  concurrency: number;
}

/** The campaign as {@link createOrJoin} found or made it. */
export interface Joined {
  campaign: StoredCampaign;
  /** The rows this worker wrote, when it created the campaign; `null` when it joined one. */
  created: readonly StoredCall[] | null;
}

/**
 * The campaign as stored, created by this worker when it is not yet and the worker has a list;
 * of concurrent creations, in one process or many, the store lets exactly one through.
 * @throws ConflictError `campaign_exists` (an exclusive start that found one),
 *   `campaign_mismatch` (stored with another list); CallNotFoundError (none, and no list)
 */
export async function createOrJoin(
  ctx: Pick<CampaignContext, 'store' | 'id' | 'clock' | 'provider'>,
  options: JoinOptions,
): Promise<Joined> {
  const { store, id, clock } = ctx;
  const { list, exclusive } = options;
  const rows = list?.rows ?? null;
  const taken = (stored: StoredCampaign | null) =>
    new ConflictError({
      reason: 'campaign_exists',
      id,
      message: `A campaign named ${JSON.stringify(id)} exists`,
      status: stored?.state,
    });
  let campaign = await store.getCampaign(id);
  let created: readonly StoredCall[] | null = null;
  if (campaign && rows && exclusive) throw taken(campaign);
  while (!campaign) {
    if (!rows) throw new CallNotFoundError(id, 'campaign');
    const now = clock.now();
    const fresh: StoredCampaign = {
      id,
      state: 'running',
      concurrency: options.concurrency,
      total: rows.length,
      fingerprint: list!.fingerprint,
      settings: { ...options.settings },
      nextSlotAt: 0,
      createdAt: now,
      updatedAt: now,
      archivedAt: null,
      version: 1,
      provider: ctx.provider.name,
    };
    try {
      await store.insertCampaign(fresh, rows);
      campaign = fresh;
      created = rows;
    } catch (error) {
      if (!(isConflictError(error) && error.reason === 'duplicate')) throw error;
      // Created by another worker meanwhile, or still being written by it (a store that writes
      // a long list in several transactions shows the campaign once it is whole): wait for it.
      campaign = await store.getCampaign(id);
      if (exclusive) throw taken(campaign);
      if (!campaign) await sleep(CREATING_POLL_MS);
    }
  }
  if (list && campaign.fingerprint !== list.fingerprint) {
    throw new ConflictError({
      reason: 'campaign_mismatch',
      id,
      message: `Campaign ${JSON.stringify(id)} exists with another list (${campaign.total} entries)`,
      status: campaign.state,
    });
  }
  return { campaign, created };
}

/**
 * The refusal of a runner whose provider is not the campaign's (`null` when it is, or when the
 * campaign names none): its entries are placed only through the provider they were made for.
 */
export function foreignProvider(
  ctx: Pick<CampaignContext, 'id' | 'provider'>,
  campaign: StoredCampaign,
): ConflictError | null {
  const named = campaign.provider ?? null;
  if (named === null || named === ctx.provider.name) return null;
  return new ConflictError({
    reason: 'provider_mismatch',
    id: ctx.id,
    message: `Campaign ${JSON.stringify(ctx.id)} is placed through the provider ${JSON.stringify(named)}, not ${JSON.stringify(ctx.provider.name)}: this worker reads it and places none of its calls`,
    status: campaign.state,
  });
}
