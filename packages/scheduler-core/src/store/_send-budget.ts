/** The send budget a store may share between every process that uses it. */
import type { StoredCall } from './_stored-call.js';

/** A send budget shared by every process using a store: see {@link Store.claimDueBudgeted}. */
export interface SendBudget {
  /** Milliseconds between two send slots (more than `1000 / callsPerSecond`: see "Fair shares" in `docs/guide/campaigns.md`). */
  intervalMs: number;
  /** A claim takes no more calls than have a slot at most this many ms from `now`. */
  horizonMs: number;
  /**
   * A named budget shared by weight (`createScheduler({ budget })`, a campaign's `budget`): the
   * slots are the named budget's, kept by the store beside its other budgets, and a claim takes
   * its part while others wait (see "Fair shares" in `docs/guide/campaigns.md`). Without it, the budget is the
   * store's own (`claimDueBudgeted`) or the campaign's (`claimCampaign`).
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

/** What {@link Store.claimDueMarked} resolves to. */
export interface MarkedClaim {
  /** The rows claimed, as `claimDue` returns them (those it marked with their mark). */
  calls: StoredCall[];
  /** Per row of `calls`, in order: whether this claim marked it. */
  marked: boolean[];
}
