/**
 * The configured list (`DIALER_NUMBERS`) behind `GET /api/dialer` and `POST /api/dialer/start`:
 * each run of it a durable campaign (`default`, then `default-2`, `default-3`… once the one before
 * is done), worked by the campaign manager like any other, so a restart joins the latest run
 * where it stood and rings no one again, and every earlier run stays as it ended.
 */
import { toE164 } from '@ringkit/call-client';
import { isCampaignExistsError, type DialerSnapshot } from '@ringkit/dialer';
import type { Store } from '@ringkit/scheduler-core';
import { dialerRunName, type CampaignManager, type CampaignNumber } from './campaigns.js';
import { ApiError } from './http-errors.js';

export interface DialerServiceOptions {
  campaigns: CampaignManager;
  /** The campaigns' store: the default campaign's stored list is read from it. */
  store: Store;
  /** The list, each number alone or with what its call says (`{ phone, call: { say } }`). */
  numbers: readonly CampaignNumber[];
  concurrency: number;
}

const phoneOf = (number: CampaignNumber) => (typeof number === 'string' ? number : number.phone);
const sayOf = (number: CampaignNumber) =>
  typeof number === 'string' ? undefined : number.call?.say;

export function createDialerService(options: DialerServiceOptions) {
  const { campaigns, store, numbers, concurrency } = options;
  const configured = numbers.map((number) => ({ to: toE164(phoneOf(number)), say: sayOf(number) }));
  /** Whether a stored run has the configured list, by name (read once: neither changes). */
  const sameList = new Map<string, Promise<boolean>>();
  /** The number of the latest run (0: none yet), found once from the store, then kept. */
  let latest: Promise<number> | null = null;
  let starting = false;

  function latestRun(): Promise<number> {
    latest ??= (async () => {
      let run = 0;
      while (await campaigns.exists(dialerRunName(run + 1))) run += 1;
      return run;
    })().catch((error: unknown) => {
      latest = null;
      throw error;
    });
    return latest;
  }

  /** The configured list, not dialed yet. */
  const idle = (): DialerSnapshot => ({
    state: 'idle',
    concurrency,
    stopped: false,
    entries: configured.map(({ to }, index) => ({
      index,
      phone: to,
      status: 'idle',
      callId: null,
      attempts: 0,
      startedAt: null,
      endedAt: null,
      answeredAt: null,
      answeredBy: null,
      inDoubt: false,
    })),
  });

  function matches(name: string): Promise<boolean> {
    let same = sameList.get(name);
    if (!same) {
      same = storedList(store, name).then(
        (stored) =>
          stored.length === configured.length &&
          stored.every(
            (entry, i) => entry.to === configured[i]!.to && entry.say === configured[i]!.say,
          ),
        (error: unknown) => {
          sameList.delete(name);
          throw error;
        },
      );
      sameList.set(name, same);
    }
    return same;
  }

  /** `409` for a run that is not done: another list, or already started. */
  async function refuse(name: string, snapshot: DialerSnapshot): Promise<never> {
    if (!(await matches(name))) {
      throw new ApiError(
        409,
        'campaign_mismatch',
        `The stored campaign "${name}" has another list than DIALER_NUMBERS (the ` +
          'configuration changed since it was started): it is shown as stored and not dialed ' +
          'with the new list. Create a campaign with the new list (POST /api/campaigns), or ' +
          'use another DATA_DIR (or DATABASE_URL).',
        { campaign: name },
      );
    }
    throw new ApiError(409, 'conflict', 'The dialer has already been started', {
      state: snapshot.state,
      campaign: name,
    });
  }

  return {
    /** The latest run as stored (`campaign` its name), or the configured list, idle, before the first. */
    async snapshot(): Promise<DialerSnapshot & { campaign: string | null }> {
      const run = await latestRun();
      if (run === 0) return { ...idle(), campaign: null };
      const name = dialerRunName(run);
      return { ...(await campaigns.get(name)).snapshot, campaign: name };
    },

    /**
     * Starts a run of the configured list: the first, or a new one (`default-2`…) once the
     * latest is done, which stays as it ended. `409 conflict` while the latest is not done (with
     * its state), `409 campaign_mismatch` when that one has another list.
     */
    async start(): Promise<DialerSnapshot & { campaign: string | null }> {
      if (starting)
        throw new ApiError(409, 'conflict', 'The dialer has already been started', {
          state: 'running',
        });
      starting = true;
      try {
        const run = await latestRun();
        if (run > 0) {
          const { snapshot } = await campaigns.get(dialerRunName(run));
          if (snapshot.state !== 'done') return await refuse(dialerRunName(run), snapshot);
        }
        const name = dialerRunName(run + 1);
        try {
          await campaigns.create({ name, numbers, concurrency });
        } catch (error) {
          // Started meanwhile by another process: its run is the latest.
          if (!isCampaignExistsError(error)) throw error;
          latest = null;
          const { snapshot } = await campaigns.get(name);
          return await refuse(name, snapshot);
        }
        latest = Promise.resolve(run + 1);
        sameList.set(name, Promise.resolve(true));
        return { ...(await campaigns.get(name)).snapshot, campaign: name };
      } finally {
        starting = false;
      }
    },
  };
}

/** The stored list of a campaign, in order: each number and what its call says. */
async function storedList(store: Store, id: string) {
  const entries: { to: string; say: string | undefined }[] = [];
  let after: number | null = null;
  for (;;) {
    const page = await store.listCampaignCalls!(id, { afterPosition: after, limit: 1000 });
    for (const row of page) entries.push({ to: row.to, say: row.call?.say });
    if (page.length < 1000) return entries;
    after = page[page.length - 1]!.position ?? null;
  }
}

export type DialerService = ReturnType<typeof createDialerService>;
