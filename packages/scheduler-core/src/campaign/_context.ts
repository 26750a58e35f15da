import type { CallProvider, Clock } from '@ringkit/call-client';
import { CallNotFoundError, isConflictError } from '../errors.js';
import type { SchedulerEmitter } from '../events.js';
import type { createDispatcher } from '../dispatch/_dispatch.js';
import type { Mutate } from '../dispatch/_writes.js';
import type { StoredCampaign, StoredCampaignPatch } from '../store.js';
import type { CampaignStore } from './options.js';

/** The scheduler's engine working one campaign's rows in this worker. */
export type Engine = ReturnType<typeof createDispatcher>;

/** What the parts of a campaign runner share. */
export interface CampaignContext {
  store: CampaignStore;
  /** The campaign's name. */
  id: string;
  provider: CallProvider;
  clock: Clock;
  emitter: SchedulerEmitter;
  /** The compare-and-set of one call row. */
  mutate: Mutate;
  /** This worker's engine while it works the campaign (from `start()` to `close()`), else `null`. */
  engine(): Engine | null;
  /**
   * The campaign's cap as last seen here, read on every claim; and the last pause or stop this
   * process asked for, and when (`halt`, cleared by its resume): claims taken before it are not
   * sent (see `LastCheckContext.halted`).
   */
  live: { concurrency: number; halt?: { state: 'paused' | 'stopped'; at: number } | undefined };
  /** The campaign as stored now. @throws CallNotFoundError */
  read(): Promise<StoredCampaign>;
  /**
   * A compare-and-set of the campaign row, again on a version conflict: `decide` sees the row as
   * stored and returns its patch (`updatedAt` is added), or `null` to leave it as it is.
   */
  change(decide: (c: StoredCampaign) => StoredCampaignPatch | null): Promise<StoredCampaign>;
}

/** `read` and `change` of the campaign row named `id`. */
export function campaignRow(
  store: CampaignStore,
  id: string,
  clock: Clock,
): Pick<CampaignContext, 'read' | 'change'> {
  async function read(): Promise<StoredCampaign> {
    const campaign = await store.getCampaign(id);
    if (!campaign) throw new CallNotFoundError(id, 'campaign');
    return campaign;
  }

  async function change(
    decide: (c: StoredCampaign) => StoredCampaignPatch | null,
  ): Promise<StoredCampaign> {
    for (;;) {
      const campaign = await read();
      const patch = decide(campaign);
      if (!patch) return campaign;
      try {
        return await store.updateCampaign(id, campaign.version, {
          ...patch,
          updatedAt: clock.now(),
        });
      } catch (error) {
        if (!(isConflictError(error) && error.reason === 'version_conflict')) throw error;
      }
    }
  }

  return { read, change };
}
