/**
 * The campaigns this server works: one durable `CampaignDialer` of `@ringkit/dialer` per
 * campaign that is not done, on the campaigns' own store. At start it joins every such campaign
 * (a restart loses nothing and rings no one again); their events go to the live event hub, to
 * the observer (metrics, the operator's page) and to the logs; a campaign that is done is read
 * from the store when asked, by a dialer opened for that read only.
 */
import { isTerminal, type CallProvider, type CallStatusEvent } from '@ringkit/call-client';
import {
  createDialer,
  type CampaignDialer,
  type DialerEntry,
  type DialerSnapshot,
} from '@ringkit/dialer';
import {
  LIVE_STATUSES,
  supportsCampaigns,
  type Store,
  type StoredCampaign,
} from '@ringkit/scheduler-core';
import type { Logger } from 'pino';
import type { EventHub } from './event-hub.js';
import { ApiError } from './http-errors.js';
import { logPlacement } from './logger.js';
import type { ObserverHub } from './observe.js';
import {
  serializeCampaign,
  serializeDialer,
  serializeDialerStatus,
  type CampaignProgress,
  type CampaignStateName,
  type CampaignView,
} from './serialize.js';

/** The campaign of the configured list (`DIALER_NUMBERS`), run by `POST /api/dialer/start`. */
export const DEFAULT_CAMPAIGN = 'default';

/** One number of a campaign's list: alone, or with what its call says. */
export type CampaignNumber = string | { phone: string; call?: { say?: string } };

export interface CreateCampaignInput {
  name: string;
  numbers: readonly CampaignNumber[];
  /** @default 3 */
  concurrency?: number | undefined;
  callsPerSecond?: number | undefined;
  maxAttempts?: number | undefined;
}

export interface CampaignManagerOptions {
  /** The campaigns' own store (not the scheduler's: see the README). */
  store: Store;
  /** Places every campaign's calls. */
  provider: CallProvider;
  /** The app's own number: `from` of the call records. */
  callerId: string;
  /** Every campaign's `callTimeoutMs` (`DIALER_CALL_TIMEOUT_MS`). */
  callTimeoutMs: number;
  /** @default 1000 */
  watchIntervalMs?: number;
  /** How often a dialer reads what other processes did. @default 1000 */
  refreshIntervalMs?: number;
  /** Milliseconds between two `campaign` events of one campaign, at most. @default 100 */
  publishIntervalMs?: number;
  hub: EventHub;
  logger: Logger;
  observer: Pick<ObserverHub, 'placement' | 'ended'>;
}

const LIVE_ENTRY = new Set(['dialing', 'initiated', 'ringing', 'answered']);

/** Done campaigns whose every entry is kept in memory, the latest read. */
const SNAPSHOTS_KEPT = 20;

/** What became of a campaign's entries, from its dialer's snapshot. */
export function progressOf(entries: readonly DialerEntry[]): CampaignProgress {
  const progress = { dialed: 0, live: 0, completed: 0, missed: 0, unknown: 0, canceled: 0 };
  for (const entry of entries) {
    // An entry the stop canceled before its first (or next) attempt shows that attempt.
    const neverPlaced = entry.status === 'canceled' && entry.callId === null;
    if (entry.attempts > (neverPlaced ? 1 : 0)) progress.dialed += 1;
    if (LIVE_ENTRY.has(entry.status)) progress.live += 1;
    // A retry still to come is neither live nor ended.
    if (entry.endedAt === null) continue;
    if (entry.status === 'completed') progress.completed += 1;
    else if (entry.status === 'canceled') progress.canceled += 1;
    else if (entry.error?.reason === 'outcome_unknown') progress.unknown += 1;
    else progress.missed += 1;
  }
  return progress;
}

function stateOf(campaign: StoredCampaign, snapshot: DialerSnapshot): CampaignStateName {
  if (campaign.state === 'stopped' || snapshot.stopped) return 'stopped';
  if (snapshot.state === 'done') return 'done';
  return snapshot.state === 'paused' ? 'paused' : 'running';
}

/** Whether some entry of the campaign has not ended: it needs a worker. */
async function hasLiveRows(store: Store, id: string): Promise<boolean> {
  const counts = await store.countCampaign!(id);
  return LIVE_STATUSES.some((status) => (counts[status] ?? 0) > 0);
}

/**
 * Creates the manager; `start()` joins the stored campaigns once the server listens (their
 * calls' webhook URLs name it).
 */
export function createCampaignManager(options: CampaignManagerOptions) {
  const { store, hub, logger, observer, callerId } = options;
  const publishIntervalMs = options.publishIntervalMs ?? 100;
  /** The dialers of the campaigns this process works, by name. */
  const worked = new Map<string, CampaignDialer>();
  /** Joins under way, so that two requests never open two dialers of one campaign. */
  const joining = new Map<string, Promise<CampaignDialer>>();
  /** Each worked campaign's row as last read (its times, its state). */
  const rows = new Map<string, StoredCampaign>();
  /** Calls in flight, by campaign. */
  const inFlight = new Map<string, number>();
  /** Campaigns whose `campaign` event is due. */
  const pending = new Map<string, ReturnType<typeof setTimeout>>();
  /**
   * The views of campaigns that are done and worked by no one here (they no longer change), by
   * the version of the campaign row they were read at; the latest few keep their snapshot.
   */
  const finished = new Map<
    string,
    { version: number; view: CampaignView; snapshot?: DialerSnapshot | undefined }
  >();

  /** Keeps a done campaign's view, and its snapshot among the latest {@link SNAPSHOTS_KEPT}. */
  function keepDone(id: string, version: number, view: CampaignView, snapshot: DialerSnapshot) {
    finished.delete(id);
    finished.set(id, { version, view, snapshot });
    const withSnapshot = [...finished.entries()].filter(([, done]) => done.snapshot);
    for (const [, done] of withSnapshot.slice(0, -SNAPSHOTS_KEPT)) done.snapshot = undefined;
  }
  let started: Promise<void> | null = null;
  let closed = false;
  const supported = supportsCampaigns(store);

  /** `501` for a store without the campaign methods (a store of your own, say). */
  function needCampaigns() {
    if (!supported) {
      throw new ApiError(
        501,
        'campaigns_unsupported',
        `The store "${store.name}" has no campaign methods (claimCampaign…): campaigns need one that has them`,
      );
    }
  }

  const settings = () => ({
    provider: options.provider,
    store,
    callerId,
    callTimeoutMs: options.callTimeoutMs,
    ...(options.watchIntervalMs === undefined ? {} : { watchIntervalMs: options.watchIntervalMs }),
    ...(options.refreshIntervalMs === undefined
      ? {}
      : { refreshIntervalMs: options.refreshIntervalMs }),
  });

  function viewOf(campaign: StoredCampaign, snapshot: DialerSnapshot): CampaignView {
    return {
      campaign,
      state: stateOf(campaign, snapshot),
      concurrency: snapshot.concurrency,
      progress: progressOf(snapshot.entries),
    };
  }

  function publish(id: string) {
    const timer = pending.get(id);
    if (timer !== undefined) clearTimeout(timer);
    pending.delete(id);
    const dialer = worked.get(id);
    const row = rows.get(id);
    if (dialer && row) hub.publish('campaign', serializeCampaign(viewOf(row, dialer.snapshot())));
  }

  /** At most one `campaign` event per campaign and `publishIntervalMs`: a view costs the list. */
  function publishSoon(id: string) {
    if (pending.has(id)) return;
    const timer = setTimeout(() => publish(id), publishIntervalMs);
    timer.unref();
    pending.set(id, timer);
  }

  function wire(id: string, dialer: CampaignDialer) {
    const isDefault = id === DEFAULT_CAMPAIGN;
    dialer.on('placement', (event) => {
      observer.placement({
        source: 'dialer',
        provider: event.provider,
        outcome: event.outcome,
        durationMs: event.durationMs,
        lagMs: null,
        at: Date.now(),
      });
      logPlacement(logger, {
        source: 'dialer',
        call_id: `${id}#${event.index}`,
        attempt: event.attempt,
        to: event.phone,
        provider: event.provider,
        outcome: event.outcome,
        provider_call_id: event.callId,
        provider_status: event.providerStatus ?? null,
        duration_ms: event.durationMs,
        trace: event.trace,
        ...(event.error === undefined ? {} : { err: event.error }),
      });
    });
    dialer.on('status', (event) => {
      if (isDefault) hub.publish('dialer-entry', serializeDialerStatus(event));
      let ended = false;
      if (event.status !== 'dialing' && event.status !== 'idle' && isTerminal(event.status)) {
        ended = true;
        observer.ended({ source: 'dialer', status: event.status, at: event.at.getTime() });
      }
      // Its call record was written with the status: the history pages of both numbers move.
      if (ended || event.status === 'initiated' || event.status === 'answered') {
        hub.publish('history', { phones: [callerId, event.phone] });
      }
      publishSoon(id);
    });
    dialer.on('progress', (progress) => {
      inFlight.set(id, progress.inFlight);
      if (isDefault) hub.publish('dialer', serializeDialer(dialer.snapshot(), false));
      publishSoon(id);
    });
    dialer.on('drained', () => {
      if (isDefault) hub.publish('dialer', serializeDialer(dialer.snapshot(), false));
      publish(id);
      // Done: this process stops working it (a late webhook of one of its calls joins it again).
      setTimeout(() => void retire(id, dialer), 0).unref();
    });
    dialer.on('error', ({ error, source, index }) => {
      logger.warn({ err: error, source, index, campaign: id }, 'campaign error');
    });
  }

  /**
   * Closes the dialer of a campaign that is done, keeping its last view: unless an entry is in
   * doubt (its call may still report its real end).
   */
  async function retire(id: string, dialer: CampaignDialer) {
    const snapshot = dialer.snapshot();
    const row = rows.get(id);
    if (worked.get(id) !== dialer || snapshot.state !== 'done' || !row) return;
    if (snapshot.entries.some((entry) => entry.inDoubt)) return;
    worked.delete(id);
    rows.delete(id);
    inFlight.delete(id);
    keepDone(id, row.version, viewOf(row, snapshot), snapshot);
    await dialer.close().catch((error: unknown) => {
      logger.warn({ err: error, campaign: id }, 'could not close a campaign that is done');
    });
  }

  /** Opens the campaign's dialer and starts it: creates the campaign when `create` is given. */
  async function open(id: string, create?: CreateCampaignInput): Promise<CampaignDialer> {
    const dialer = createDialer({
      ...settings(),
      campaign: id,
      ...(create
        ? {
            numbers: create.numbers,
            ...(create.concurrency === undefined ? {} : { concurrency: create.concurrency }),
            ...(create.callsPerSecond === undefined
              ? {}
              : { callsPerSecond: create.callsPerSecond }),
            ...(create.maxAttempts === undefined ? {} : { maxAttempts: create.maxAttempts }),
          }
        : {}),
    });
    wire(id, dialer);
    try {
      await dialer.start();
      const row = await store.getCampaign!(id);
      if (!row) throw new ApiError(404, 'not_found', `No campaign ${JSON.stringify(id)}`);
      rows.set(id, row);
    } catch (error) {
      await dialer.close().catch(() => {});
      throw error;
    }
    worked.set(id, dialer);
    finished.delete(id);
    publish(id);
    return dialer;
  }

  /** The dialer of a campaign this process works, joining it first when it does not yet. */
  function join(id: string, create?: CreateCampaignInput): Promise<CampaignDialer> {
    const known = worked.get(id);
    if (known) return Promise.resolve(known);
    // Shutting down: no campaign is taken up (its calls would outlive the process's care).
    if (closed) return Promise.reject(new ApiError(503, 'shutting_down', 'Shutting down'));
    let promise = joining.get(id);
    if (!promise) {
      promise = open(id, create).finally(() => joining.delete(id));
      joining.set(id, promise);
    }
    return promise;
  }

  /** A done campaign's snapshot, through a dialer opened for it alone and closed at once. */
  async function readDone(id: string): Promise<DialerSnapshot> {
    const dialer = createDialer({ ...settings(), campaign: id });
    try {
      await dialer.start();
      return dialer.snapshot();
    } finally {
      await dialer.close();
    }
  }

  async function stored(id: string): Promise<StoredCampaign> {
    needCampaigns();
    const row = await store.getCampaign!(id);
    if (!row) throw new ApiError(404, 'not_found', `No campaign ${JSON.stringify(id)}`);
    return row;
  }

  /**
   * The campaign's view and snapshot: from its dialer when this process works it (or joins it:
   * another process created it and it is not done), else read once from the store.
   */
  async function read(
    row: StoredCampaign,
  ): Promise<{ view: CampaignView; snapshot: DialerSnapshot }> {
    let dialer = worked.get(row.id);
    const done = finished.get(row.id);
    if (!dialer && done?.snapshot && done.version === row.version) {
      return { view: done.view, snapshot: done.snapshot };
    }
    if (!dialer && (await hasLiveRows(store, row.id))) dialer = await join(row.id);
    if (dialer) {
      const snapshot = dialer.snapshot();
      const latest = rows.get(row.id) ?? row;
      return { view: viewOf(row.version >= latest.version ? row : latest, snapshot), snapshot };
    }
    const snapshot = await readDone(row.id);
    const view = viewOf(row, snapshot);
    keepDone(row.id, row.version, view, snapshot);
    return { view, snapshot };
  }

  async function summary(row: StoredCampaign): Promise<CampaignView> {
    const done = finished.get(row.id);
    if (done && done.version === row.version && !worked.has(row.id)) return done.view;
    return (await read(row)).view;
  }

  /** Runs `act` on the campaign's dialer: its own, or one opened for it alone when it is done. */
  async function change(id: string, act: (dialer: CampaignDialer) => Promise<unknown>) {
    await stored(id);
    let dialer = worked.get(id);
    if (!dialer && (await hasLiveRows(store, id))) dialer = await join(id);
    if (dialer) {
      await act(dialer);
      const row = await stored(id);
      rows.set(id, row);
      publish(id);
      return viewOf(row, dialer.snapshot());
    }
    const once = createDialer({ ...settings(), campaign: id });
    try {
      await once.start();
      await act(once);
      const row = await stored(id);
      const view = viewOf(row, once.snapshot());
      keepDone(id, row.version, view, once.snapshot());
      hub.publish('campaign', serializeCampaign(view));
      return view;
    } finally {
      await once.close();
    }
  }

  return {
    /** Joins every stored campaign that is not done. Called once the server listens. */
    start(): Promise<void> {
      started ??= (async () => {
        if (!supported) {
          logger.warn({ store: store.name }, 'the store has no campaign methods: no campaigns');
          return;
        }
        let cursor: string | null = null;
        do {
          const page: Awaited<ReturnType<NonNullable<Store['listCampaigns']>>> =
            await store.listCampaigns!({ cursor, limit: 100 });
          for (const row of page.items) {
            if (closed) return;
            try {
              if (await hasLiveRows(store, row.id)) await join(row.id);
            } catch (error) {
              logger.error({ err: error, campaign: row.id }, 'could not join a campaign');
            }
          }
          cursor = page.nextCursor;
        } while (cursor);
        if (worked.size > 0) logger.info({ campaigns: [...worked.keys()] }, 'joined campaigns');
      })();
      return started;
    },

    /** Creates a campaign and starts dialing it; `409 campaign_exists` when the name is taken. */
    async create(input: CreateCampaignInput): Promise<CampaignView> {
      needCampaigns();
      if (closed) throw new ApiError(503, 'shutting_down', 'Shutting down');
      const exists = () =>
        new ApiError(
          409,
          'campaign_exists',
          `A campaign named ${JSON.stringify(input.name)} exists`,
        );
      if (worked.has(input.name) || joining.has(input.name)) throw exists();
      if (await store.getCampaign!(input.name)) throw exists();
      const dialer = await join(input.name, input);
      return viewOf(rows.get(input.name)!, dialer.snapshot());
    },

    /** Campaigns newest first, a page at a time. */
    async list(query: { cursor: string | null; limit: number }) {
      needCampaigns();
      const page = await store.listCampaigns!(query);
      const items: CampaignView[] = [];
      for (const row of page.items) items.push(await summary(row));
      return { items, nextCursor: page.nextCursor };
    },

    /** One campaign, with every entry; `404` when there is none of that name. */
    async get(id: string) {
      return read(await stored(id));
    },

    /** Whether the store holds a campaign of that name. */
    async exists(id: string): Promise<boolean> {
      if (!supported) return false;
      return (await store.getCampaign!(id)) !== null;
    },

    /** The stored list of a campaign, in order: each number and what its call says. */
    async storedList(id: string) {
      const entries: { to: string; say: string | undefined }[] = [];
      let after: number | null = null;
      for (;;) {
        const page = await store.listCampaignCalls!(id, { afterPosition: after, limit: 1000 });
        for (const row of page) entries.push({ to: row.to, say: row.call?.say });
        if (page.length < 1000) return entries;
        after = page[page.length - 1]!.position ?? null;
      }
    },

    pause: (id: string) => change(id, (dialer) => dialer.pause()),
    resume: (id: string) => change(id, (dialer) => dialer.resume()),
    stop: (id: string) => change(id, (dialer) => dialer.stop()),

    /**
     * A status event of a campaign's call: to the dialer of the campaign whose call it is.
     * Resolves to `false` when no campaign has the call (yet: see `bufferUnknown`).
     */
    async handleStatus(event: CallStatusEvent): Promise<boolean> {
      if (!supported) return false;
      await started?.catch(() => {});
      // Shutting down: refused (the webhook is answered 500), so the provider sends it again,
      // to the next process.
      if (closed) throw new ApiError(503, 'shutting_down', 'Shutting down');
      const row = await store.findByProviderCallId(String(event.callId));
      if (!row?.campaign) return false;
      const dialer = worked.get(row.campaign) ?? (await join(row.campaign));
      if (closed) throw new ApiError(503, 'shutting_down', 'Shutting down');
      dialer.handleStatus(event);
      return true;
    },

    /**
     * An event of a call no campaign has yet: its placement may not have been answered. Every
     * running campaign keeps it until one of its placements answers with that id.
     */
    bufferUnknown(event: CallStatusEvent) {
      for (const dialer of worked.values()) {
        if (dialer.snapshot().state !== 'done') dialer.handleStatus(event);
      }
    },

    /** Calls of every campaign from their request to their end, now. */
    inFlight: () => [...inFlight.values()].reduce((sum, n) => sum + n, 0),

    /** This process stops working the campaigns; they go on in the store for the next one. */
    async close() {
      closed = true;
      await started?.catch(() => {});
      await Promise.allSettled([...joining.values()]);
      for (const timer of pending.values()) clearTimeout(timer);
      pending.clear();
      await Promise.allSettled([...worked.values()].map((dialer) => dialer.close()));
      worked.clear();
    },
  };
}

export type CampaignManager = ReturnType<typeof createCampaignManager>;
