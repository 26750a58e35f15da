/**
 * The storage contract of the scheduler: the {@link Store} interface, around one idea (the wake
 * time). The shapes it stores and reads are in `store/`, one concern a file, and exported here.
 */
import type { CallStatus } from '@ringkit/call-client';
import type { ScheduledCallStatus } from './types.js';
import type { CallRecordMerge, StoredCallRecord } from './store/_stored-record.js';
import type { StoredCall, StoredCallPatch, StoredCallUpdate } from './store/_stored-call.js';
import type { StoreListQuery, StorePage } from './store/_pages.js';
import type { DueClaim, DueClaimQuery, SendBudget } from './store/_send-budget.js';
import type {
  CampaignCallsQuery,
  CampaignClaim,
  CampaignClaimOptions,
  StoredCampaign,
  StoredCampaignPatch,
} from './store/_stored-campaign.js';
import { IN_FLIGHT_STATUSES } from './store/_statuses.js';
import type { StoredSuppression, SuppressionsQuery } from './store/_suppression.js';
import type { AgentsQuery, StoredAgent } from './store/_agent.js';

export { decodeCursor, encodeCursor } from './store/_pages.js';
export type { StoreListQuery, StorePage } from './store/_pages.js';
export type {
  BudgetShare,
  BudgetedClaim,
  DueClaim,
  DueClaimQuery,
  MarkedClaim,
  SendBudget,
} from './store/_send-budget.js';
export type { StoredShare } from './store/_shares.js';
export {
  claimedStatus,
  FINISHED_STATUSES,
  IN_FLIGHT_STATUSES,
  LIVE_STATUSES,
} from './store/_statuses.js';
export type { LiveStatus } from './store/_statuses.js';
export type {
  StoredCall,
  StoredCallOptions,
  StoredCallPatch,
  StoredCallUpdate,
  StoredEvent,
} from './store/_stored-call.js';
export type {
  CampaignCallsQuery,
  CampaignClaim,
  CampaignClaimOptions,
  CampaignState,
  StoredCampaign,
  StoredCampaignPatch,
} from './store/_stored-campaign.js';
export { fullRecord } from './store/_stored-record.js';
export { SUPPRESSED, suppressedPatch, suppresses, suppressible } from './store/_suppression.js';
export { placingMark } from './store/_mark.js';
export type { StoredSuppression, SuppressionsQuery } from './store/_suppression.js';
export { agentReadyAt, copyAgent } from './store/_agent.js';
export type { AgentState, AgentTotals, AgentsQuery, StoredAgent } from './store/_agent.js';
export type { CallRecordMerge, StoredCallRecord } from './store/_stored-record.js';

/** What `listCallLog` filters by; a filter left out keeps every record. */
export interface CallLogQuery {
  cursor?: string | null;
  limit: number;
  direction?: 'inbound' | 'outbound';
  /** The record's status is one of these. */
  statuses?: readonly CallStatus[];
  /** `startedAt >= since` (epoch ms). */
  since?: number;
  /** `startedAt < until` (epoch ms). */
  until?: number;
  /** `phone` is the record's `from` or its `to` (E.164). */
  phone?: string;
  /** The record is of this campaign's entries (`StoredCallRecord.campaign`). */
  campaign?: string;
}

/** What a store can do beyond the required interface. */
export interface StoreCapabilities {
  /** Several processes may share the store safely (claims are atomic across processes). */
  shared: boolean;
  /** Data outlives the process. */
  durable: boolean;
  /** `claimDue` marks the rows it is asked to (its `mark`): see {@link Store.claimDue}. */
  marks?: boolean;
}

/**
 * The storage contract of the scheduler. Every method may be async. An adapter must pass
 * `testStore()` from `@ringkit/scheduler-core/testing`.
 *
 * The "wake time" of a row is `dueAt` when it is `scheduled`, `leaseUntil` when it is `queued` or
 * in flight (`initiated`, `ringing`, `answered`: the follow lease of the worker that polls it), and
 * none otherwise: `claimDue` takes rows whose wake time has come, `nextDueAt` is the earliest.
 *
 * **Providers.** A row names the provider it is placed through (`StoredCall.provider`). The
 * scheduler-wide claims and `nextDueAt` take the name of the claimant's provider (`provider`):
 * they see only that provider's rows, and rows of none (stored before rows named one); without
 * it, every row. So a call waits for a worker of its own provider, however many others claim.
 *
 * **The do-not-call list.** A store with the suppression methods (`suppress`…) checks every
 * claim against it, in the claim's own transaction: a row not sent yet (`suppressible`) whose
 * number is suppressed at the claim's `now` (`suppresses`) is not leased but ends `suppressed`
 * (`suppressedPatch`, version bumped) and is handed out with the claimed rows, for the claimant
 * to announce. So no worker places a number suppressed before its claim, whatever it read before.
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
  /**
   * The row whose current attempt has the call id `providerCallId` at the provider named
   * `provider` (its `provider`): equal ids of two providers never meet. A row of no provider
   * (stored before the field) matches any provider, after a row of this one.
   */
  findByProviderCallId(provider: string, providerCallId: string): Promise<StoredCall | null>;
  /**
   * Applies `patch` when the stored version is `expectedVersion`, moves the version on by `steps`
   * (default 1) and returns the new row. Throws `CallNotFoundError` for an unknown id and
   * `ConflictError` (`'version_conflict'`) when the version differs.
   *
   * `steps` is the number of changes one write carries (a call's `ringing`, `answered` and
   * `completed` arriving together and written at once): the scheduler tells each of them with a
   * version of its own, `expectedVersion + 1` to `expectedVersion + steps`, the last the row's.
   */
  update(
    id: string,
    expectedVersion: number,
    patch: StoredCallPatch,
    steps?: number,
  ): Promise<StoredCall>;
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
   * them (`calls`). A `scheduled` or `queued` row becomes `queued`; a row in flight keeps its
   * status (its follower is gone: the claimant adopts it). A row is never handed to two
   * claimants while its lease holds. With `provider`, only rows of that provider or of none (see
   * {@link Store}). The scheduler's one claim; a campaign's entries are claimed by
   * `claimCampaign`.
   *
   * **`mark`** (a store whose `capabilities.marks` is set; others leave `marked` out): in the
   * same write, marks the rows among the first `mark` it returns that it leases afresh (`queued`
   * after the claim, `placingAt` unset before it, not ended `suppressed`) as being placed:
   * `placingAt: now` and the step of `placingMark`, the version bumped once for the claim and its
   * mark. A claim that marked a row commits durably, as a mark must: its requests may leave as
   * soon as it answers. `marked[i]` tells whether it marked `calls[i]`. For a caller that sends
   * the first `mark` rows it claims at once (the scheduler, unpaced, for its free places). A
   * claim whose answer was lost, tried again, hands out none of the rows the lost try marked: no
   * one sends them, and they end `outcome_unknown` once their lease runs out, as those of a
   * worker that died. Without it the scheduler marks each row itself, in a write of its own.
   *
   * **`budget`** (a store with {@link Store.reserveSendSlot}): one send budget for every process
   * sharing the store (the scheduler's `callsPerSecond`). In the same transaction, gives each
   * claimed row that is to be sent the next free slot (`slots[i]`; `null` for a row not sent):
   * the first is `max(next free slot, now)`, each further one `intervalMs` later, and the next
   * free slot moves past the last (`nextSlotAt`). It claims no more rows than have a slot within
   * `now + horizonMs` (none when the next free slot is later), and marks none. Without a store
   * that keeps budgets the scheduler paces in its own process.
   */
  claimDue(query: DueClaimQuery): Promise<DueClaim>;
  /**
   * Optional: the store keeps send budgets (`claimDue`'s `budget`). Takes `count` fresh slots
   * in a row (1 when left out), `intervalMs` apart, the first at `max(next free slot, now)`;
   * resolves to the first. The placements of one process that missed their turns together take
   * theirs in one write.
   */
  reserveSendSlot?(now: number, budget: SendBudget, count?: number): Promise<number>;
  /**
   * The earliest wake time of any row, or `null`; with `provider`, of the rows of that provider
   * or of none (the rows its claims see).
   */
  nextDueAt(provider?: string): Promise<number | null>;
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
  /**
   * Inserts or replaces a call record by id: the dispatcher writes each attempt's record whole,
   * from the row's timeline.
   */
  saveCallRecord(record: StoredCallRecord): Promise<void>;
  /**
   * Optional (the three built-in stores have it): writes a call record told in several steps
   * (`recordCall`, an inbound call's webhooks) atomically across every process sharing the
   * store. When no record has `record.id`, stores `record`; otherwise stores
   * `merge(stored, record)` in place of the stored one, with no other write of that id between
   * the read of `stored` and the write (a transaction that locks it: SQLite's
   * `BEGIN IMMEDIATE`, PostgreSQL's `SELECT … FOR UPDATE`). `merge` may be called again when a
   * transaction is retried, always with the record stored then. Resolves to the record stored
   * now, as `listCallLog` reads it. Without this method `recordCall` finds the stored record
   * through `listCallLog` (of the call's party other than the caller id) and saves the merge
   * with `saveCallRecord`, one write of an id at a time in its own process only: a store shared
   * by several processes should have it.
   */
  mergeCallRecord?(record: StoredCallRecord, merge: CallRecordMerge): Promise<StoredCallRecord>;
  /**
   * Every record, whatever its numbers, newest `startedAt` first (ties by id, descending), those
   * that match each filter given (see {@link CallLogQuery}): a number's history (`phone` alone,
   * through its indexes as either party) and the call log of `callLog()` alike. A page of the
   * whole log reads its records in that order through the store's `startedAt` index and keeps
   * the ones that match.
   */
  listCallLog(query: CallLogQuery): Promise<StorePage<StoredCallRecord>>;
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
   * built-in stores have them): stores a campaign and its entries all or nothing. No read, list,
   * claim or change sees the campaign until every entry is stored (one transaction, or, as the
   * SQLite store does for a long list, several with the campaign hidden until the last). Throws a
   * `ConflictError` (`'duplicate'`) when a campaign with this id exists or is being stored, and
   * stores nothing. Every row has `campaign` set to the campaign's id and its `position`.
   */
  insertCampaign?(campaign: StoredCampaign, rows: StoredCall[]): Promise<void>;
  getCampaign?(id: string): Promise<StoredCampaign | null>;
  /**
   * Campaigns newest first (`createdAt` descending, then `id` descending), one page at a time;
   * with `archived`, only the archived ones (`true`) or only the others (`false`).
   */
  listCampaigns?(query: {
    cursor?: string | null;
    limit: number;
    archived?: boolean;
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
   *    next slot as `claimDue` does under a budget, and the campaign's `nextSlotAt` moved on.
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
  /**
   * Optional, with the other suppression methods (the three built-in stores have them): puts
   * numbers on the do-not-call list, or replaces their entries, all in one transaction.
   */
  suppress?(entries: StoredSuppression[]): Promise<void>;
  /** Takes a number off the list; `true` when it was on it. */
  unsuppress?(phone: string): Promise<boolean>;
  /** The number's entry (whether or not its `until` has passed), or `null`. */
  getSuppression?(phone: string): Promise<StoredSuppression | null>;
  /** Entries in code-point order of `phone`, after `afterPhone`, one page at a time. */
  listSuppressions?(query: SuppressionsQuery): Promise<StoredSuppression[]>;
  /** Deletes up to `limit` entries whose `until` is at or before `before`; resolves to how many. */
  pruneSuppressions?(before: number, limit: number): Promise<number>;
  /**
   * Optional, with the other agent methods (the three built-in stores have them): stores a new
   * agent. `false`, and nothing written, when an agent has its id.
   */
  insertAgent?(agent: StoredAgent): Promise<boolean>;
  getAgent?(id: string): Promise<StoredAgent | null>;
  /** Agents in code-point order of their ids, after `afterId`, one page at a time. */
  listAgents?(query: AgentsQuery): Promise<StoredAgent[]>;
  /**
   * Up to `limit` agents serving `campaign` who can take a call at `now` (`agentReadyAt` at or
   * before it), the one ready longest first (then by id).
   */
  readyAgents?(campaign: string, now: number, limit: number): Promise<StoredAgent[]>;
  /**
   * Replaces the agent `next.id` with `next` when its stored version is `expectedVersion`, in
   * one atomic step across every process sharing the store: `true` when written, `false` (and
   * nothing written) when the version differs or the agent is gone. An agent is only ever given
   * a call through this write, so two workers never give one agent two calls.
   */
  updateAgent?(next: StoredAgent, expectedVersion: number): Promise<boolean>;
  /** Deletes the agent when its stored version is `expectedVersion`; `true` when deleted. */
  deleteAgent?(id: string, expectedVersion: number): Promise<boolean>;
  close(): Promise<void>;
}

/** The wake time of a row (see {@link Store}). */
export function wakeTime(
  row: Pick<StoredCall, 'status' | 'dueAt' | 'leaseUntil' | 'campaign'>,
): number | null {
  if (row.campaign != null) return null; // claimed through `claimCampaign`
  if (row.status === 'scheduled') return row.dueAt;
  if (row.status === 'queued' || IN_FLIGHT_STATUSES.includes(row.status)) return row.leaseUntil;
  return null;
}
