/**
 * The configured list (`DIALER_NUMBERS`) behind `GET /api/dialer` and `POST /api/dialer/start`:
 * the durable campaign named `default`, worked by the campaign manager like any other, so a
 * restart joins it where it stood and rings no one again.
 */
import { toE164 } from '@ringkit/call-client';
import { isCampaignExistsError, type DialerSnapshot } from '@ringkit/dialer';
import type { Store } from '@ringkit/scheduler-core';
import { DEFAULT_CAMPAIGN, type CampaignManager, type CampaignNumber } from './campaigns.js';
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
  /** Whether the stored default campaign has the configured list (read once: neither changes). */
  let sameList: Promise<boolean> | null = null;
  let starting = false;

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

  function matches(): Promise<boolean> {
    sameList ??= storedList(store, DEFAULT_CAMPAIGN).then(
      (stored) =>
        stored.length === configured.length &&
        stored.every(
          (entry, i) => entry.to === configured[i]!.to && entry.say === configured[i]!.say,
        ),
      (error: unknown) => {
        sameList = null;
        throw error;
      },
    );
    return sameList;
  }

  async function refuse(): Promise<never> {
    if (!(await matches())) {
      throw new ApiError(
        409,
        'campaign_mismatch',
        `The stored campaign "${DEFAULT_CAMPAIGN}" has another list than DIALER_NUMBERS (the ` +
          'configuration changed since it was started): it is shown as stored and not dialed ' +
          'with the new list. Create a campaign with the new list (POST /api/campaigns), or ' +
          'use another DATA_DIR (or DATABASE_URL).',
        { campaign: DEFAULT_CAMPAIGN },
      );
    }
    const { snapshot } = await campaigns.get(DEFAULT_CAMPAIGN);
    throw new ApiError(
      409,
      'conflict',
      snapshot.state === 'done'
        ? 'The configured list has been dialed; create a campaign (POST /api/campaigns) to dial numbers again'
        : 'The dialer has already been started',
      { state: snapshot.state },
    );
  }

  return {
    /** The default campaign as stored, or the configured list, idle, before its start. */
    async snapshot(): Promise<DialerSnapshot> {
      if (!(await campaigns.exists(DEFAULT_CAMPAIGN))) return idle();
      return (await campaigns.get(DEFAULT_CAMPAIGN)).snapshot;
    },

    /**
     * Creates the default campaign and starts dialing it. `409 conflict` once it exists (with
     * its state), `409 campaign_mismatch` when the stored one has another list.
     */
    async start(): Promise<DialerSnapshot> {
      if (starting)
        throw new ApiError(409, 'conflict', 'The dialer has already been started', {
          state: 'running',
        });
      starting = true;
      try {
        if (await campaigns.exists(DEFAULT_CAMPAIGN)) return await refuse();
        try {
          await campaigns.create({ name: DEFAULT_CAMPAIGN, numbers, concurrency });
        } catch (error) {
          // Started meanwhile by another process.
          if (isCampaignExistsError(error)) return await refuse();
          throw error;
        }
        sameList = Promise.resolve(true);
        return (await campaigns.get(DEFAULT_CAMPAIGN)).snapshot;
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
