import type { CallStatusEvent } from '@ringkit/call-client';
import type { Emitter } from 'mitt';
import type { AttemptCounts, ScheduledCallStatus, StoredCampaign } from '@ringkit/scheduler-core';
import type {
  CampaignDialerOptions,
  DialerEntry,
  DialerErrorEvent,
  DialerEvents,
  DialerPlacementEvent,
  DialerProgressEvent,
  DialerSnapshot,
  DialerStatusEvent,
  LeaseWait,
  StopOptions,
} from '../types.js';

/** Options of {@link createCampaigns}: what every campaign of this process shares. */
export interface CampaignsOptions extends Omit<
  CampaignDialerOptions,
  | 'campaign'
  | 'numbers'
  | 'exclusive'
  | 'concurrency'
  | 'callsPerSecond'
  | 'budget'
  | 'window'
  | 'retryBackoff'
  | 'retry'
  | 'maxAttempts'
  | 'mode'
  | 'agents'
> {
  /**
   * Milliseconds between two `changed` events of one campaign, at most: a view costs a pass over
   * the campaign's entries.
   * @default 100
   */
  changeIntervalMs?: number;
  /**
   * Entries of campaigns that are done kept in memory (their snapshots, the latest read first),
   * across every such campaign: a memory bound by size, not by count. Their views (state,
   * progress) are always kept; an entry not kept is read from the store when asked.
   * @default 50000
   */
  finishedEntriesKept?: number;
}

/** What a campaign is created with (stored with it; every worker uses the stored ones). */
export type CreateCampaignOptions = Pick<
  CampaignDialerOptions,
  | 'concurrency'
  | 'callsPerSecond'
  | 'budget'
  | 'window'
  | 'retryBackoff'
  | 'retry'
  | 'maxAttempts'
  | 'mode'
  | 'agents'
>;

/**
 * What `Campaigns.dialAgain` takes: which entries (`outcomes`), and options of the new campaign
 * that differ from those of the campaign it dials again.
 */
export interface DialAgainOptions extends CreateCampaignOptions {
  /**
   * The entries whose numbers it dials: those that ended `missed` (busy, no answer, failed), and
   * those whose outcome is `unknown` (their call may have rung).
   * @default ['missed', 'unknown']
   */
  outcomes?: ('missed' | 'unknown')[];
}

/** A campaign's state, as a person reads it. */
export type CampaignStateName = 'running' | 'paused' | 'stopped' | 'done';

/** A campaign's entries by what became of them. */
export interface CampaignProgress {
  /** Entries dialed at least once. */
  dialed: number;
  /** Calls from their request to their end, now. */
  live: number;
  /** Entries that ended answered. */
  completed: number;
  /** Entries that ended unanswered: busy, no answer, or failed (surely not connected). */
  missed: number;
  /** Entries whose placement's outcome is unknown: their call may have rung. */
  unknown: number;
  /** Entries that a stop ended before they were answered (never dialed, or hung up). */
  canceled: number;
  /** Entries never dialed because their number was on the do-not-call list when it came up. */
  suppressed: number;
}

/** One campaign: its stored row, its state and its progress. */
export interface CampaignView {
  /** The campaign as stored (name `campaign.id`, total, settings, times, version). */
  campaign: StoredCampaign;
  state: CampaignStateName;
  concurrency: number;
  progress: CampaignProgress;
  /**
   * Its attempts by how each ended, across every entry: `{ busy: 2, 'no-answer': 1, machine: 1 }`
   * (outcomes with none left out; an attempt answered by a machine is `machine`).
   */
  attempts: AttemptCounts;
  /**
   * Its entries in flight held by another worker's lease not run out yet, and when the latest
   * runs out (see `DialerSnapshot.leaseWait`); `null` when none waits.
   */
  leaseWait: LeaseWait | null;
}

/** A page of {@link Campaigns.list}. */
export interface CampaignPage {
  items: CampaignView[];
  /** Give it back as `cursor` for the next page; `null` after the last. */
  nextCursor: string | null;
}

/** A page of {@link Campaigns.entries}. */
export interface CampaignEntriesPage {
  items: DialerEntry[];
  /** Give it back as `after` for the next page (a position in the list); `null` after the last. */
  nextCursor: number | null;
}

/** The events of {@link Campaigns}, by name; each names its campaign. */
export type CampaignsEvents = {
  /** This process created the campaign (`create`). */
  created: { campaign: string; view: CampaignView };
  /** This process began working a campaign another one created (at `start()`, or for a webhook). */
  joined: { campaign: string; view: CampaignView };
  /** The campaign's view changed: at most once per `changeIntervalMs`, and at once on an action. */
  changed: { campaign: string; view: CampaignView };
  /** An entry's status moved. */
  status: DialerStatusEvent & { campaign: string };
  /** A placement request was answered or failed. */
  placement: DialerPlacementEvent & { campaign: string };
  /** Counts moved. */
  progress: DialerProgressEvent & { campaign: string };
  /** A campaign with agents: a person who answered reached an agent. */
  connected: DialerEvents['connected'] & { campaign: string };
  /** A campaign with agents: a person who answered heard the safe-harbour message. */
  abandoned: DialerEvents['abandoned'] & { campaign: string };
  /** Every entry of the campaign has ended; this process stops working it. */
  done: { campaign: string; view: CampaignView };
  /**
   * Something failed that no call answers for: a dialer's own `error`, or (`source`) a campaign
   * this process could not `join` at `start()` or `close` once done.
   */
  /** Statuses held for a call no row carried, given up after the last look (see `handleStatus`). */
  unmatched: { events: CallStatusEvent[] };
  error: Omit<DialerErrorEvent, 'event' | 'source'> & {
    campaign: string;
    /** `status`: a held status could not be looked for or given to its campaign. */
    source: DialerErrorEvent['source'] | 'join' | 'close' | 'status';
    event?: string;
  };
};

/** Many durable campaigns on one store, worked by this process beside any other. */
export interface Campaigns {
  /**
   * Joins every stored campaign that is not done: this process works it beside the others (a
   * restart loses nothing and rings no one again). Resolves once every such campaign is joined.
   */
  start(): Promise<void>;
  /**
   * Creates the campaign and starts dialing it. Atomic per name across processes: of concurrent
   * creations of one name exactly one succeeds; the others, and any later one, reject with a
   * `CampaignExistsError`, whether their list is the stored one or not.
   */
  create(
    name: string,
    numbers: CampaignDialerOptions['numbers'] & object,
    options?: CreateCampaignOptions,
  ): Promise<CampaignView>;
  /** The campaign's view; `CallNotFoundError` of scheduler-core when there is none. */
  get(name: string): Promise<CampaignView>;
  /** Every entry, as one snapshot (see {@link Campaigns.results} to read a large one). */
  snapshot(name: string): Promise<DialerSnapshot>;
  /**
   * Campaigns newest first, `limit` at a time; with `archived`, only the archived ones (`true`)
   * or only the others (`false`).
   */
  list(query?: {
    cursor?: string | null;
    limit?: number;
    archived?: boolean;
  }): Promise<CampaignPage>;
  /**
   * One page of the campaign's entries in list order, read from the store; with `status`, only
   * the entries whose row is in one of these statuses (`scheduled`: not dialed yet, or waiting
   * for its next attempt; `queued` to `answered`: live).
   *
   * @example
   * const { items, nextCursor } = await campaigns.entries('spring-promo', { status: ['busy', 'no-answer'] });
   */
  entries(
    name: string,
    query?: {
      status?: readonly ScheduledCallStatus[];
      /** The `nextCursor` of the page before; from the start when left out. */
      after?: number | null;
      /**
       * Entries at most (1 to 1,000).
       * @default 100
       */
      limit?: number;
    },
  ): Promise<CampaignEntriesPage>;
  /**
   * Archives a campaign whose every entry has ended (`archived: false` takes it back): kept in
   * the store as it is, and left out of `list({ archived: false })`. `ConflictError`
   * `campaign_not_done` while an entry may still be dialed.
   */
  archive(name: string, options?: { archived?: boolean }): Promise<CampaignView>;
  /**
   * Creates campaign `again` of the numbers of campaign `name` whose entries ended missed (busy,
   * no answer, failed) or with their outcome unknown (they may have rung; an operator decides to
   * ring them again), in list order, each with its own call options, and starts dialing it. It
   * has the options `name` was created with (concurrency, pacing, budget, window, retries),
   * but for those given. Only entries that have ended count: one with a retry still to come, or
   * in doubt and still holding its place, is left out. `name` itself does not change: what was
   * reported of it stays true. Rejects with `NothingToDialAgainError` when no entry qualifies,
   * `CampaignExistsError` when `again` is taken, `CallNotFoundError` when `name` is unknown.
   */
  dialAgain(name: string, again: string, options?: DialAgainOptions): Promise<CampaignView>;
  /**
   * Every entry in list order, read from the store a page at a time: never all in memory at
   * once. Each is what {@link Campaigns.snapshot} shows of it once the campaign is at rest (a
   * live campaign's entries are as stored at the moment each page is read). A missing campaign
   * rejects the first `next()` with `CallNotFoundError` of scheduler-core; a bad `pageSize`
   * throws an `InvalidOptionsError` at once.
   *
   * @example
   * for await (const entry of campaigns.results('spring-promo')) console.log(entry.phone, entry.status);
   */
  results(
    name: string,
    options?: {
      /**
       * Entries read from the store at once (1 to 10,000).
       * @default 500
       */
      pageSize?: number;
    },
  ): AsyncIterable<DialerEntry>;
  /** No new calls in any process. `ConflictError` `campaign_stopped` or `campaign_done`. */
  pause(name: string): Promise<CampaignView>;
  /** Dials again. `ConflictError` `campaign_stopped` or `campaign_done`. */
  resume(name: string): Promise<CampaignView>;
  /**
   * No new calls, for good: entries not dialed end `canceled`. `ConflictError` `campaign_done`
   * once every entry has ended (it stays `done`).
   */
  stop(name: string, options?: StopOptions): Promise<CampaignView>;
  /**
   * A status event of a call (of this provider; an event naming another resolves `false`): to
   * the campaign whose entry's call it is, found by one look-up of the provider's id in the
   * store and joined when no worker here has it; resolves `true` once given to it. A status no
   * row carries yet (its placement not answered, or not written: a webhook may outrun it) is
   * held, once for the process, and looked for again (50 ms, then further apart, about 36 s in
   * all): it goes to its campaign when found, else is given up as `unmatched`; it resolves
   * `false`, and so does the status of a scheduled call. Statuses of one call are handled in
   * the order they came. Rejects with an `InvalidOptionsError` for an event that is no
   * `CallStatusEvent`, and with `CampaignsClosedError` after `close()`.
   */
  handleStatus(event: CallStatusEvent): Promise<boolean>;
  /** Calls of every campaign worked here, from their request to their end. */
  inFlight(): number;
  /** This process stops working the campaigns; they go on in the store for the next one. */
  close(): Promise<void>;
  on: Emitter<CampaignsEvents>['on'];
  off: Emitter<CampaignsEvents>['off'];
}
