/**
 * The campaigns this server works: the call center's (`createCallCenter` of `@ringkit/dialer`),
 * its events sent on to the live event hub, the observer (metrics, the operator's page)
 * and the logs. The routes speak to it through this module, in the API's words.
 */
import { isTerminal } from '@ringkit/call-client';
import type { Campaigns, CampaignView, DialerNumber } from '@ringkit/dialer';
import {
  CallNotFoundError,
  campaignSettings,
  listAnswered,
  readAbandons,
  type CallingWindow,
  type CampaignAgentOptions,
  type CampaignMode,
  type RetryByOutcome,
  type SharedBudget,
  type Store,
} from '@ringkit/scheduler-core';
import type { Logger } from 'pino';
import type { EventHub } from './event-hub.js';
import { ApiError } from './http-errors.js';
import { logCampaignPlacement } from './logger.js';
import type { ObserverHub } from './observe.js';
import { serializeCampaign, serializeDialer, serializeDialerStatus } from './serialize.js';

/** The campaign of the configured list (`DIALER_NUMBERS`), run by `POST /api/dialer/start`. */
export const DEFAULT_CAMPAIGN = 'default';

/** The name of the configured list's `run`-th run: `default`, then `default-2`, `default-3`… */
export const dialerRunName = (run: number) =>
  run <= 1 ? DEFAULT_CAMPAIGN : `${DEFAULT_CAMPAIGN}-${run}`;

/** A name of a run of the configured list: kept for `POST /api/dialer/start`. */
export const isDialerRun = (name: string) => /^default(-[0-9]+)?$/.test(name);

/** Refuses, `409 campaign_exists`, a name kept for the runs of the configured list. */
export function refuseDialerRunName(name: string): void {
  if (!isDialerRun(name)) return;
  throw new ApiError(
    409,
    'campaign_exists',
    `The name "${name}" is kept for the runs of the configured list (POST /api/dialer/start)`,
  );
}

/** One number of a campaign's list: alone, or with what its call says. */
export type CampaignNumber = DialerNumber;

export interface CreateCampaignInput {
  name: string;
  numbers: readonly CampaignNumber[];
  concurrency?: number | undefined;
  callsPerSecond?: number | undefined;
  /** A share of a named budget, by weight (with `callsPerSecond`, the budget's total). */
  budget?: SharedBudget | undefined;
  maxAttempts?: number | undefined;
  /** Hours in which its calls may be placed (`timezone: 'callee'`: each number's own). */
  window?: CallingWindow | undefined;
  retry?: RetryByOutcome | undefined;
  /** How its lines are paced: `power` (the default), or an agent mode with `agents`. */
  mode?: CampaignMode | undefined;
  /** The agent modes' settings, checked by the package when the campaign is created. */
  agents?: CampaignAgentOptions | undefined;
}

export interface CampaignManagerOptions {
  /** The one store: the campaigns and their entries beside the scheduled calls. */
  store: Store;
  /** The call center's campaigns; `null` on a store without campaign methods. */
  campaigns: Campaigns | null;
  /** The app's own number: `from` of the call records. */
  callerId: string;
  hub: EventHub;
  logger: Logger;
  observer: Pick<ObserverHub, 'placement' | 'ended' | 'answer'>;
}

const defined = <T extends object>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/**
 * The calls in flight of each campaign with agents, from the views its events carry: a campaign
 * is left out once it is done or stopped (or when it has no agents).
 */
function createAgentLines() {
  const lines = new Map<string, number>();
  return {
    lines: lines as ReadonlyMap<string, number>,
    saw(view: CampaignView) {
      const { id } = view.campaign;
      const open = view.state === 'running' || view.state === 'paused';
      if (open && campaignSettings(view.campaign).mode !== 'power') {
        lines.set(id, view.progress.live);
      } else lines.delete(id);
    },
  };
}

/** The package's campaigns, wired to the server; every method `501` on a store without them. */
export function createCampaignManager(options: CampaignManagerOptions) {
  const { store, campaigns, hub, logger, observer, callerId } = options;
  const agentLines = createAgentLines();
  const need = (): Campaigns => {
    if (campaigns) return campaigns;
    throw new ApiError(
      501,
      'campaigns_unsupported',
      `The store "${store.name}" has no campaign methods (claimCampaign…): campaigns need one that has them`,
    );
  };

  /** Campaign `id` as stored; the package's `CallNotFoundError` (a `404`) when there is none. */
  async function stored(id: string) {
    need();
    const campaign = await store.getCampaign!(id);
    if (!campaign) throw new CallNotFoundError(id, 'campaign');
    return campaign;
  }

  campaigns?.on('placement', (event) => {
    observer.placement({
      source: 'dialer',
      provider: event.provider,
      outcome: event.outcome,
      durationMs: event.durationMs,
      lagMs: null,
      at: Date.now(),
    });
    logCampaignPlacement(logger, event);
  });
  campaigns?.on('status', (event) => {
    if (isDialerRun(event.campaign))
      hub.publish('dialer-entry', { ...serializeDialerStatus(event), campaign: event.campaign });
    let ended = false;
    if (event.status !== 'dialing' && event.status !== 'idle' && isTerminal(event.status)) {
      ended = true;
      observer.ended({ source: 'dialer', status: event.status, at: event.at.getTime() });
    }
    // Its call record was written with the status: the history pages of both numbers move.
    if (ended || event.status === 'initiated' || event.status === 'answered') {
      hub.publish('history', { phones: [callerId, event.phone] });
    }
  });
  const dialerChanged = (campaign: string) => {
    if (!isDialerRun(campaign)) return;
    void need()
      .snapshot(campaign)
      .then(
        (snapshot) => hub.publish('dialer', { ...serializeDialer(snapshot, false), campaign }),
        () => {},
      );
  };
  campaigns?.on('progress', ({ campaign }) => dialerChanged(campaign));
  campaigns?.on('changed', ({ view }) => {
    hub.publish('campaign', serializeCampaign(view));
    agentLines.saw(view);
  });
  campaigns?.on('done', ({ campaign, view }) => {
    hub.publish('campaign', serializeCampaign(view));
    agentLines.saw(view);
    dialerChanged(campaign);
  });
  campaigns?.on('connected', ({ campaign, waitMs }) =>
    observer.answer({ campaign, outcome: 'connected', waitMs, at: Date.now() }),
  );
  campaigns?.on('abandoned', ({ campaign, waitMs }) =>
    observer.answer({ campaign, outcome: 'abandoned', waitMs, at: Date.now() }),
  );
  campaigns?.on('error', ({ error, source, index, campaign }) => {
    logger.warn({ err: error, source, index, campaign }, 'campaign error');
  });

  return {
    /** Creates a campaign and starts dialing it; `409 campaign_exists` when the name is taken. */
    async create({ name, numbers, ...settings }: CreateCampaignInput) {
      const view = await need().create(name, numbers, defined(settings));
      agentLines.saw(view);
      return view;
    },
    /** Campaigns newest first; archived ones only with `archived: true`. */
    list: ({ archived, ...query }: { cursor: string | null; limit: number; archived: boolean }) =>
      need().list(archived ? query : { ...query, archived: false }),
    /** One page of a campaign's entries, filtered by their rows' statuses. */
    entries: (id: string, query: Parameters<Campaigns['entries']>[1]) => need().entries(id, query),
    /**
     * A new campaign of the numbers of `id` whose entries ended missed or with their outcome
     * unknown (`outcomes` picks), under `id`'s options; `409 nothing_to_dial` when none did,
     * `409 campaign_exists` when `again` is taken.
     */
    dialAgain: (id: string, again: string, outcomes?: ('missed' | 'unknown')[]) =>
      need().dialAgain(id, again, outcomes ? { outcomes } : undefined),
    /** Archives a campaign that is done; `409 campaign_not_done` otherwise. */
    archive: (id: string) => need().archive(id),
    /** One campaign's view and every entry. */
    async get(id: string) {
      const [view, snapshot] = [await need().get(id), await need().snapshot(id)];
      return { view, snapshot };
    },
    results: (id: string) => need().results(id),
    /**
     * Its standing under the abandon rule over the 30 days up to now (scheduler-core's
     * `readAbandons`: every worker's calls, read from the store), with the settings of its mode.
     */
    async abandons(id: string) {
      const { mode, agents } = campaignSettings(await stored(id));
      return { mode, agents, standing: await readAbandons(store, id) };
    },
    /** Every person who answered a call of it, in list order, read from the store a page at a time. */
    async answered(id: string) {
      await stored(id);
      return listAnswered(store, id);
    },
    exists: async (id: string) => campaigns !== null && (await store.getCampaign!(id)) !== null,
    pause: (id: string) => need().pause(id),
    resume: (id: string) => need().resume(id),
    stop: (id: string) => need().stop(id),
    inFlight: () => campaigns?.inFlight() ?? 0,
    /**
     * The calls in flight of each campaign with agents this process works and that may still
     * dial, as its latest view said (`/metrics` divides them by its agents logged in).
     */
    agentLines: () => agentLines.lines,
  };
}

export type CampaignManager = ReturnType<typeof createCampaignManager>;
