/** A campaign as a store keeps it, and what claiming its entries takes and gives. */
import type { ScheduledCallStatus } from '../types.js';
import type { SendBudget } from './_send-budget.js';
import type { StoredCall } from './_stored-call.js';

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
  /**
   * When the campaign was archived (epoch ms), `null` when it is not: an archived campaign is
   * left out of `listCampaigns({ archived: false })`. The store keeps it; what may be archived
   * (e.g. only a campaign that is done) is the caller's rule.
   */
  archivedAt: number | null;
  /** Bumped by the store on every write; `updateCampaign` expects the version it read. */
  version: number;
  /**
   * The name of the provider its entries are placed through (`CallProvider.name`), given when
   * it is created; absent in campaigns stored before the field.
   */
  provider?: string | null;
}

/** The fields `updateCampaign` may change. */
export type StoredCampaignPatch = Partial<
  Pick<
    StoredCampaign,
    'state' | 'concurrency' | 'settings' | 'nextSlotAt' | 'updatedAt' | 'archivedAt'
  >
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
  /**
   * Also marks the fresh entries it leases as being placed, in the claim itself: `placingAt:
   * now` and the step of `placingMark` (the version bumped once, for the claim and its
   * mark). The claim then commits durably, as a mark must: its requests may leave as soon as it
   * answers. Adopted rows, rows it ends `suppressed` and rows whose `placingAt` was set already
   * are never marked; {@link CampaignClaim.marked} tells which were. For a caller that sends
   * what it claims at once (the runner asks for it without a budget). A claim whose answer was
   * lost, tried again, hands out none of the rows the lost try marked: no one sends them, and
   * they end `outcome_unknown` once their lease runs out, as those of a worker that died.
   */
  mark?: boolean;
  /**
   * A bound on the places taken after this claim below the campaign's `concurrency`: a
   * campaign whose lines follow its agents (`createLinePacer`) passes the places it saw taken
   * plus the lines it may add, so that workers deciding at once add those lines once between
   * them. Absent: `concurrency` alone.
   */
  cap?: number;
}

/** What {@link Store.claimCampaign} resolves to. */
export interface CampaignClaim {
  /** The campaign as read in the claim's transaction (`null`: no such campaign, nothing claimed). */
  campaign: StoredCampaign | null;
  /** Rows adopted (a lease that ran out: queued or in flight, their status kept as `claimDue` does) first, then fresh entries in list order. */
  calls: StoredCall[];
  /** Per row of `calls`: its send slot under `budget`, or `null` (adopted rows, or no budget). */
  slots: (number | null)[];
  /**
   * With {@link CampaignClaimOptions.mark}: per row of `calls`, whether this claim marked it
   * (a lost answer's retry counts the rows the lost try marked as its own). Absent otherwise.
   */
  marked?: boolean[];
  /** Places under the cap taken after this claim (live rows and held ones, the claimed included). */
  taken: number;
  /** With a budget: the first free slot after this claim. */
  nextSlotAt: number | null;
  /**
   * Under a named budget shared by weight: the claim took every slot its part gave and left due
   * entries it had room for under the cap (it counts as waiting in the others' sums). Its
   * claimant comes back soon, not at its next wake: those leave out entries already due. A
   * store may leave it out (`false`).
   */
  heldBack?: boolean;
  /**
   * The campaign's next wake after `now`, read in the claim's own transaction once its rows
   * are claimed: what {@link Store.nextCampaignWake} would answer then. A store may leave it out
   * (the runner then asks `nextCampaignWake`).
   */
  nextWake?: number | null;
}

/** What {@link Store.listCampaignCalls} takes. */
export interface CampaignCallsQuery {
  /** Only rows in these statuses. */
  status?: ScheduledCallStatus[];
  /** Rows after this position (exclusive); from the start when `null` or absent. */
  afterPosition?: number | null;
  limit: number;
}

/** The most places a claim of `campaign` may leave taken: its cap, or a claim's lower `cap`. */
export const capOf = (campaign: Pick<StoredCampaign, 'concurrency'>, cap?: number): number =>
  cap === undefined ? campaign.concurrency : Math.max(0, Math.min(campaign.concurrency, cap));
