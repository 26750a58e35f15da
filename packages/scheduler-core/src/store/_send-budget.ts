/** The send budget a store may share between every process that uses it. */
import type { StoredCall } from './_stored-call.js';

/** A send budget shared by every process using a store: see `Store.claimDue`'s `budget`. */
export interface SendBudget {
  /** Milliseconds between two send slots (more than `1000 / callsPerSecond`: see "Fair shares" in `docs/guide/campaigns.md`). */
  intervalMs: number;
  /** A claim takes no more calls than have a slot at most this many ms from `now`. */
  horizonMs: number;
  /**
   * A named budget shared by weight (`createScheduler({ budget })`, a campaign's `budget`): the
   * slots are the named budget's, kept by the store beside its other budgets, and a claim takes
   * its part while others wait (see "Fair shares" in `docs/guide/campaigns.md`). Without it, the budget is the
   * store's own (`claimDue`'s) or the campaign's (`claimCampaign`).
   */
  share?: BudgetShare;
}

/** A claimant of a named budget: see {@link SendBudget.share}. */
export interface BudgetShare {
  /** The budget's name: every claimant naming it shares its slots. */
  name: string;
  /** Who claims: `'scheduler'`, or `'campaign:<id>'`. */
  key: string;
  /** Its weight: while others wait too, its part of the slots is `weight / Σ weights`. */
  weight: number;
}

/** What `Store.claimDue` is asked. */
export interface DueClaimQuery {
  /** The claim's instant (epoch ms): rows whose wake time is at or before it are due. */
  now: number;
  /** At most this many rows. */
  limit: number;
  /** The claimant: the lease's owner. */
  workerId: string;
  /** The lease's end (epoch ms). */
  leaseUntil: number;
  /** Only rows of this provider, and of none. */
  provider?: string | undefined;
  /** Mark the rows leased afresh among the first `mark` (a store with `capabilities.marks`). */
  mark?: number | undefined;
  /** Give the rows to send their slots of this budget (a store that keeps budgets). */
  budget?: SendBudget | undefined;
}

/** What `Store.claimDue` resolves to: the rows, and what its `mark` and `budget` gave them. */
export interface DueClaim {
  /** The rows claimed, earliest wake time first. */
  calls: StoredCall[];
  /** Per row of `calls`: whether this claim marked it. Left out: none was. */
  marked?: boolean[];
  /** With a `budget`: per row of `calls`, its send slot, `null` for a row not sent. */
  slots?: (number | null)[];
  /** With a `budget`: the first free slot after this claim. */
  nextSlotAt?: number;
}

/** A claim under a budget, as the built-in stores make it. */
export interface BudgetedClaim {
  /** The rows claimed. */
  calls: StoredCall[];
  /**
   * Per row of `calls`, in order: the moment (epoch ms) it may be sent, or `null` for a row that
   * is not sent (a call in flight, or a `queued` row with `placingAt` set).
   */
  slots: (number | null)[];
  /** The first free slot after this claim: no claim gets a slot before it. */
  nextSlotAt: number;
}

/** A claim that marks, as the built-in stores make it. */
export interface MarkedClaim {
  /** The rows claimed (those it marked with their mark). */
  calls: StoredCall[];
  /** Per row of `calls`, in order: whether this claim marked it. */
  marked: boolean[];
}
