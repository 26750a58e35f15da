import {
  TERMINAL_STATUSES,
  type AnsweredBy,
  type CallOptions,
  type CallStatus,
} from '@ringkit/call-client';
import type { CallingWindow, Recurrence, RetryBackoff, ScheduledCallStatus } from './types.js';

/** A timeline step as stored (times in epoch milliseconds). */
export interface StoredEvent {
  status: ScheduledCallStatus;
  at: number;
  attempt: number;
  providerStatus?: string;
  reason?: string;
  /** Who answered, on the step whose provider status or answer first said so. */
  answeredBy?: AnsweredBy;
}

/** The settings of a call that rarely differ from the defaults; `null` on a row when none do. */
export interface StoredCallOptions {
  maxAttempts: number;
  retryBackoff: Required<RetryBackoff> | null;
  recurrence: Required<Recurrence> | null;
  window: CallingWindow | null;
  metadata: Record<string, unknown> | null;
  /** The first call of a recurring series. */
  seriesId: string | null;
  /** The cron slot this occurrence stands for (epoch ms), before any window deferral. */
  occurrenceAt: number | null;
}

/**
 * A scheduled call as a store keeps it. Times are epoch milliseconds; every field is always
 * present (`null` when unset) so rows stay compact and adapters map them column by column.
 */
export interface StoredCall {
  id: string;
  to: string;
  status: ScheduledCallStatus;
  dueAt: number;
  createdAt: number;
  updatedAt: number;
  /** Bumped by the store on every write; `update` expects the version it read. */
  version: number;
  attempt: number;
  /**
   * The worker holding the lease: the claim of a `queued` call, or the follow lease of a call in
   * flight (`initiated`, `ringing`, `answered`) that a worker follows by polling.
   */
  leaseOwner: string | null;
  leaseUntil: number | null;
  /**
   * Set just before the request goes to the provider. A `queued` row with `placingAt` set and an
   * expired lease may or may not have been placed: the scheduler fails it as `outcome_unknown`.
   */
  placingAt: number | null;
  providerCallId: string | null;
  reason: string | null;
  idempotencyKey: string | null;
  events: StoredEvent[] | null;
  options: StoredCallOptions | null;
  /**
   * What the call is for: the `CallOptions` every attempt is placed with (`from`, `say`…), as
   * `schedule()` checked them. `null` when none were given (and in rows stored before the field).
   */
  call: CallOptions | null;
  /**
   * The campaign the row is an entry of (see {@link StoredCampaign}); `null` (or absent, in
   * stores and rows from before campaigns) for a call of the scheduler's own. A store's
   * scheduler-wide methods (`claimDue`, `claimDueBudgeted`, `nextDueAt`, and `list` without a
   * `campaign`) never see campaign rows: their claims go through `claimCampaign`, under the
   * campaign's cap and in its list order.
   */
  campaign?: string | null;
  /** The entry's place in its campaign's list, from 0 (unique per campaign); `null` outside one. */
  position?: number | null;
}

/** The fields `update` may change. */
export type StoredCallPatch = Partial<Omit<StoredCall, 'id' | 'version' | 'createdAt'>>;

/** One compare-and-set of {@link Store.updateMany}. */
export interface StoredCallUpdate {
  id: string;
  /** The version the caller read; the update applies only while the row is still at it. */
  expectedVersion: number;
  patch: StoredCallPatch;
  /**
   * A call record to save (as `saveCallRecord` does) in the same transaction, only when this
   * update applies.
   */
  record?: StoredCallRecord | null;
}

/** A call record as stored (times in epoch milliseconds). */
export interface StoredCallRecord {
  id: string;
  from: string;
  to: string;
  direction: 'outbound' | 'inbound';
  status: CallStatus;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  durationS: number | null;
  /**
   * The placement's outcome is unknown: the request left, no clear answer came back, and the call
   * may or may not have rung (status `failed`, never placed again). Stores without the field
   * read it as `false`.
   */
  outcomeUnknown?: boolean;
  /**
   * Who answered, where the provider detected it (`machineDetection`). Stores without the field
   * read it as `null`.
   */
  answeredBy?: AnsweredBy | null;
}

/** What `Store.list` takes. */
export interface StoreListQuery {
  /**
   * Only the rows of this campaign. Without it (or `null`) only rows outside every campaign:
   * the scheduler's own calls.
   */
  campaign?: string | null;
  /** One status or several. */
  status?: ScheduledCallStatus | ScheduledCallStatus[];
  /** Only calls to this number (E.164). */
  to?: string;
  /** From a previous page's `nextCursor`. */
  cursor?: string | null;
  limit: number;
}

/** One page of a store's `list`: its items, and the cursor of the next page. */
export interface StorePage<T> {
  items: T[];
  nextCursor: string | null;
}

/** A send budget shared by every process using a store: see {@link Store.claimDueBudgeted}. */
export interface SendBudget {
  /** Milliseconds between two send slots (more than `1000 / callsPerSecond`: see the README). */
  intervalMs: number;
  /** A claim takes no more calls than have a slot at most this many ms from `now`. */
  horizonMs: number;
}

/** What {@link Store.claimDueBudgeted} resolves to. */
export interface BudgetedClaim {
  /** The rows claimed, as `claimDue` returns them. */
  calls: StoredCall[];
  /**
   * Per row of `calls`, in order: the moment (epoch ms) it may be sent, or `null` for a row that
   * is not sent (a call in flight, or a `queued` row with `placingAt` set).
   */
  slots: (number | null)[];
  /** The first free slot after this claim: no claim gets a slot before it. */
  nextSlotAt: number;
}

/** Where a campaign is: dialing, held (no new claims), or ended for good. */
export type CampaignState = 'running' | 'paused' | 'stopped';

/**
 * A durable list being dialed (see `createCampaignRunner`): its entries are ordinary rows of the
 * store (`StoredCall.campaign`, `StoredCall.position`), placed, followed, retried and recorded
 * by the scheduler's engine; the campaign row holds what every worker must agree on.
 */
export interface StoredCampaign {
  /** The campaign's name, chosen by the user; unique in a store. */
  id: string;
  state: CampaignState;
  /**
   * Calls of the campaign live at once, across every process: a row counts from its claim to
   * its terminal status, and a row whose placement's outcome is unknown counts until its hold
   * passes (see {@link CampaignClaimOptions.holdMs}).
   */
  concurrency: number;
  /** Entries in the list. */
  total: number;
  /** A digest of the list (numbers, order, per-entry options): joining with another is refused. */
  fingerprint: string;
  /** The settings the campaign was created with, as JSON (the runner's own, read back as is). */
  settings: Record<string, unknown>;
  /** The next free send slot of the campaign's `callsPerSecond` budget (epoch ms); 0 when none was taken. */
  nextSlotAt: number;
  createdAt: number;
  updatedAt: number;
  /** Bumped by the store on every write; `updateCampaign` expects the version it read. */
  version: number;
}

/** The fields `updateCampaign` may change. */
export type StoredCampaignPatch = Partial<
  Pick<StoredCampaign, 'state' | 'concurrency' | 'settings' | 'nextSlotAt' | 'updatedAt'>
>;

/** What {@link Store.claimCampaign} takes beyond the claim's own arguments. */
export interface CampaignClaimOptions {
  /**
   * How long a row whose placement's outcome is unknown (`failed`, reason `'outcome_unknown'`,
   * `placingAt` set) still takes a place under the cap, from its `placingAt`: its call may still
   * be ringing (the runner passes its `callTimeoutMs`).
   */
  holdMs: number;
  /** The campaign's send budget (its `callsPerSecond`), kept in `StoredCampaign.nextSlotAt`. */
  budget?: SendBudget;
}

/** What {@link Store.claimCampaign} resolves to. */
export interface CampaignClaim {
  /** The campaign as read in the claim's transaction (`null`: no such campaign, nothing claimed). */
  campaign: StoredCampaign | null;
  /** Rows adopted (a lease that ran out: queued or in flight, their status kept as `claimDue` does) first, then fresh entries in list order. */
  calls: StoredCall[];
  /** Per row of `calls`: its send slot under `budget`, or `null` (adopted rows, or no budget). */
  slots: (number | null)[];
  /** Places under the cap taken after this claim (live rows and held ones, the claimed included). */
  taken: number;
  /** With a budget: the first free slot after this claim. */
  nextSlotAt: number | null;
}

/** What {@link Store.listCampaignCalls} takes. */
export interface CampaignCallsQuery {
  /** Only rows in these statuses. */
  status?: ScheduledCallStatus[];
  /** Rows after this position (exclusive); from the start when `null` or absent. */
  afterPosition?: number | null;
  limit: number;
}

/** What a store can do beyond the required interface. */
export interface StoreCapabilities {
  /** Several processes may share the store safely (claims are atomic across processes). */
  shared: boolean;
  /** Data outlives the process. */
  durable: boolean;
}

/**
 * The storage contract of the scheduler. Every method may be async. An adapter must pass
 * `testStore()` from `@ringkit/scheduler-core/testing`.
 *
 * The "wake time" of a row is `dueAt` when it is `scheduled`, `leaseUntil` when it is `queued` or
 * in flight (`initiated`, `ringing`, `answered`: the follow lease of the worker that polls it), and
 * none otherwise: `claimDue` takes rows whose wake time has come, `nextDueAt` is the earliest.
 */
export interface Store {
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  /**
   * Stores a new row (its `version` as given, normally 1). Throws a `ConflictError` with reason
   * `'duplicate'` when the id or a non-null `idempotencyKey` is already stored.
   */
  insert(row: StoredCall): Promise<StoredCall>;
  /** Inserts many rows at once (one transaction where the store has them). Same rules as `insert`. */
  insertMany?(rows: StoredCall[]): Promise<void>;
  get(id: string): Promise<StoredCall | null>;
  findByIdempotencyKey(key: string): Promise<StoredCall | null>;
  /** The row whose current attempt has this provider id. */
  findByProviderCallId(providerCallId: string): Promise<StoredCall | null>;
  /**
   * Applies `patch` when the stored version is `expectedVersion`, bumps the version and returns the
   * new row. Throws `CallNotFoundError` for an unknown id and `ConflictError` (`'version_conflict'`)
   * when the version differs.
   */
  update(id: string, expectedVersion: number, patch: StoredCallPatch): Promise<StoredCall>;
  /**
   * Optional: applies several compare-and-set updates at once, in one transaction (one commit)
   * where the store has them, each as `update` would, in order. Resolves, in the same order, to
   * `true` for each update that applied, `false` for one whose row is missing or at another
   * version: a stale update never fails the others. An update's `record` is saved with it, only
   * when it applies. Any other error (such as a duplicate idempotency key) rejects the whole batch,
   * and none of it applies. Without this method the scheduler calls `update` (and
   * `saveCallRecord`) once per row, so a store works either way; with it, the dispatcher writes
   * the calls it claimed or placed together.
   */
  updateMany?(updates: StoredCallUpdate[]): Promise<boolean[]>;
  /**
   * Atomically claims up to `limit` rows whose wake time is `<= now`, earliest first (ties by id):
   * sets `leaseOwner: workerId`, `leaseUntil`, `updatedAt: now`, bumps the version, and returns
   * them. A `scheduled` or `queued` row becomes `queued`; a row in flight keeps its status (its
   * follower is gone: the claimant adopts it). A row is never handed to two claimants while its
   * lease holds.
   */
  claimDue(now: number, limit: number, workerId: string, leaseUntil: number): Promise<StoredCall[]>;
  /**
   * Optional, with {@link Store.reserveSendSlot}: one send budget for every process sharing the
   * store (the scheduler's `callsPerSecond`). Claims as `claimDue` does and, in the same
   * transaction, gives each claimed row that is to be sent the next free slot: the first is
   * `max(next free slot, now)`, each further one `intervalMs` later, and the next free slot
   * moves past the last. It claims no more rows than have a slot within `now + horizonMs` (none
   * when the next free slot is later). Without these methods the scheduler paces in its own
   * process.
   */
  claimDueBudgeted?(
    now: number,
    limit: number,
    workerId: string,
    leaseUntil: number,
    budget: SendBudget,
  ): Promise<BudgetedClaim>;
  /** Optional, with `claimDueBudgeted`: takes one fresh slot, `max(next free slot, now)`. */
  reserveSendSlot?(now: number, budget: SendBudget): Promise<number>;
  /** The earliest wake time of any row, or `null`. */
  nextDueAt(): Promise<number | null>;
  /**
   * Optional: how many rows are in each of `statuses` (statuses with none may be left out), in
   * one query whose cost follows the rows counted, not the rows stored (an index on `status`).
   * The scheduler asks for the live statuses only ({@link LIVE_STATUSES}). Without it,
   * `scheduler.counts()` pages through `list`.
   */
  countByStatus?(statuses: readonly ScheduledCallStatus[]): Promise<Record<string, number>>;
  /**
   * Rows in a stable order (`createdAt`, then `id`), filtered, one page at a time. A page costs
   * the rows it returns, not the rows stored: `status` filters go through an index per status.
   */
  list(query: StoreListQuery): Promise<StorePage<StoredCall>>;
  /** Inserts or replaces a call record by id. */
  saveCallRecord(record: StoredCallRecord): Promise<void>;
  /** Records where `phone` is `from` or `to`, newest `startedAt` first (ties by id, descending). */
  listHistory(
    phone: string,
    query: { cursor?: string | null; limit: number },
  ): Promise<StorePage<StoredCallRecord>>;
  /**
   * Optional, for stores shared by several processes: calls `listener` whenever another process
   * may have changed the earliest wake time (e.g. scheduled or rescheduled a call), with that wake
   * time when known, so every worker re-arms its timer at once instead of waiting for the slow
   * safety poll. Resolves with a function that stops the subscription.
   */
  subscribe?(listener: (wakeAt: number | null) => void): Promise<() => Promise<void>>;
  /**
   * Optional, with `deleteCallRecords` and `acquireLease` (the scheduler's `retention`): deletes
   * up to `limit` rows in a finished status ({@link FINISHED_STATUSES}) whose `updatedAt` is
   * before `before`, oldest first, in one short transaction that waits for no lock (rows locked
   * by another transaction are skipped). Resolves to how many it deleted. Never touches a live
   * row.
   */
  deleteFinished?(before: number, limit: number): Promise<number>;
  /**
   * Optional (see `deleteFinished`): deletes up to `limit` call records whose `startedAt` is
   * before `before`, oldest first. Resolves to how many it deleted.
   */
  deleteCallRecords?(before: number, limit: number): Promise<number>;
  /**
   * Optional (see `deleteFinished`): takes or renews the named lease for `workerId` until
   * `until` when it is free, expired (its `until` is at or before `now`) or already held by
   * `workerId`. Resolves to `true` when `workerId` holds it now. Several processes sharing the
   * store see one lease per name.
   */
  acquireLease?(name: string, workerId: string, now: number, until: number): Promise<boolean>;
  /**
   * Optional, with the other campaign methods (`createCampaignRunner` needs them all; the three
   * built-in stores have them): stores a campaign and its entries in one transaction. Throws a
   * `ConflictError` (`'duplicate'`) when a campaign with this id exists, and stores nothing.
   * Every row has `campaign` set to the campaign's id and its `position`.
   */
  insertCampaign?(campaign: StoredCampaign, rows: StoredCall[]): Promise<void>;
  getCampaign?(id: string): Promise<StoredCampaign | null>;
  /** Campaigns newest first (`createdAt` descending, then `id` descending), one page at a time. */
  listCampaigns?(query: {
    cursor?: string | null;
    limit: number;
  }): Promise<StorePage<StoredCampaign>>;
  /**
   * Applies `patch` when the stored version is `expectedVersion`, bumps the version, returns the
   * new campaign. `CallNotFoundError` for an unknown id, `ConflictError` (`'version_conflict'`) when
   * the version differs.
   */
  updateCampaign?(
    id: string,
    expectedVersion: number,
    patch: StoredCampaignPatch,
  ): Promise<StoredCampaign>;
  /**
   * Atomically, serialised with every other claim of the same campaign (across processes):
   * 1. adopts up to `limit` rows of the campaign whose lease ran out (`queued` or in flight,
   *    `leaseUntil <= now`), as `claimDue` does, whatever the campaign's state;
   * 2. when the campaign is `running`, counts the places taken (rows `queued` or in flight, and
   *    rows `failed` with reason `'outcome_unknown'` whose `placingAt` is after
   *    `now - holdMs`) and claims, up to the rest of `limit`, `concurrency - taken` `scheduled`
   *    rows with `dueAt <= now`, lowest `position` first (set `queued`, leased, version bumped);
   *    with a `budget`, no more than have a send slot within `now + horizonMs`, each given the
   *    next slot as `claimDueBudgeted` does, and the campaign's `nextSlotAt` moved on.
   */
  claimCampaign?(
    id: string,
    now: number,
    limit: number,
    workerId: string,
    leaseUntil: number,
    options: CampaignClaimOptions,
  ): Promise<CampaignClaim>;
  /**
   * The earliest moment after `now` the campaign may need a worker without any write telling
   * it: a lease of one of its `queued` or in-flight rows running out, a `scheduled` row coming
   * due (a retry's backoff, a window's opening), or a held row's hold passing
   * (`placingAt + holdMs`). `null` for none.
   */
  nextCampaignWake?(id: string, now: number, holdMs: number): Promise<number | null>;
  /** A campaign's rows in list order (`position`), filtered by status, one page at a time. */
  listCampaignCalls?(id: string, query: CampaignCallsQuery): Promise<StoredCall[]>;
  /** How many rows of the campaign are in each status (statuses with none may be left out). */
  countCampaign?(id: string): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/**
 * The statuses of a call that has not ended: waiting (`scheduled`), claimed (`queued`) or in
 * flight. Their number is bounded by the work in hand; `scheduler.counts()` counts these.
 */
export const LIVE_STATUSES = ['scheduled', 'queued', 'initiated', 'ringing', 'answered'] as const;

/** A status of {@link LIVE_STATUSES}. */
export type LiveStatus = (typeof LIVE_STATUSES)[number];

/**
 * The statuses a call ends in. Finished rows pile up as the store runs; `retention` deletes
 * them, and their number is counted as they happen (the scheduler's events), not by the store.
 */
export const FINISHED_STATUSES: readonly ScheduledCallStatus[] = TERMINAL_STATUSES;

/** The statuses of a call in flight: placed, not ended. */
export const IN_FLIGHT_STATUSES: readonly ScheduledCallStatus[] = [
  'initiated',
  'ringing',
  'answered',
];

/** The wake time of a row (see {@link Store}). */
export function wakeTime(
  row: Pick<StoredCall, 'status' | 'dueAt' | 'leaseUntil' | 'campaign'>,
): number | null {
  if (row.campaign != null) return null; // claimed through `claimCampaign`
  if (row.status === 'scheduled') return row.dueAt;
  if (row.status === 'queued' || IN_FLIGHT_STATUSES.includes(row.status)) return row.leaseUntil;
  return null;
}

/** The status a row takes when claimed: `queued`, unless it is in flight (then it keeps it). */
export const claimedStatus = (status: ScheduledCallStatus): ScheduledCallStatus =>
  IN_FLIGHT_STATUSES.includes(status) ? status : 'queued';

/** Encodes a `[time, id]` position as an opaque cursor; for adapter authors. */
export function encodeCursor(time: number, id: string): string {
  return Buffer.from(JSON.stringify([time, id])).toString('base64url');
}

/** Decodes {@link encodeCursor}'s output; `null` for anything else. */
export function decodeCursor(cursor: string | null | undefined): [number, string] | null {
  if (!cursor) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'number' &&
      typeof value[1] === 'string'
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // fall through
  }
  return null;
}
