/** A scheduled call as a store keeps it, and the writes a store applies to it. */
import type { AnsweredBy, CallOptions } from '@ringkit/call-client';
import type {
  CallingWindow,
  Recurrence,
  RetryBackoff,
  RetryByOutcome,
  ScheduledCallStatus,
} from '../types.js';
import type { StoredCallRecord } from './_stored-record.js';

/** A timeline step as stored (times in epoch milliseconds). */
export interface StoredEvent {
  status: ScheduledCallStatus;
  at: number;
  attempt: number;
  providerStatus?: string;
  reason?: string;
  /** Who answered, on the step whose provider status or answer first said so. */
  answeredBy?: AnsweredBy;
  /**
   * The provider's id of the attempt's call, on the step where the provider gave it
   * (`initiated`): each placed attempt keeps its call id after a retry or a stop.
   */
  providerCallId?: string;
  /** What the step's reason leaves out: a suppression's own reason, on a `suppressed` step. */
  note?: string; /**
   * In a campaign with agents, on the `answered` step that tells what became of the person who
   * answered (reason `'agent'` or `'abandoned'`): the agent who took the call.
   */
  agent?: string;
  /** On that step: ms from the answer to the agent's line, or to the abandon. */
  waitMs?: number;
}

/** The settings of a call that rarely differ from the defaults; `null` on a row when none do. */
export interface StoredCallOptions {
  maxAttempts: number;
  retryBackoff: Required<RetryBackoff> | null;
  /**
   * Retries by outcome (`schedule()`'s `retry`); absent or `null` when `maxAttempts` and
   * `retryBackoff` decide (and in rows stored before the field).
   */
  retry?: RetryByOutcome | null;
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
   * scheduler-wide methods (`claimDue`, `nextDueAt`, and `list` without a
   * `campaign`) never see campaign rows: their claims go through `claimCampaign`, under the
   * campaign's cap and in its list order.
   */
  campaign?: string | null;
  /** The entry's place in its campaign's list, from 0 (unique per campaign); `null` outside one. */
  position?: number | null;
  /**
   * The name of the provider the call is placed through (`CallProvider.name`), given when it is
   * scheduled and never changed: its `providerCallId` is that provider's, and no other provider
   * places it. `null` (or absent) in rows stored before the field, which any provider may place.
   */
  provider?: string | null;
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
   * The changes the update carries: the version moves on by this many (see `Store.update`).
   * @default 1
   */
  steps?: number;
  /**
   * A call record to save (as `saveCallRecord` does) in the same transaction, only when this
   * update applies.
   */
  record?: StoredCallRecord | null;
}
