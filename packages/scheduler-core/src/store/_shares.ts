/**
 * Fair shares of one named send budget: the rule every store applies, in the transaction of the
 * claim, to the budget's state it keeps (the next free slot, and each claimant's standing).
 *
 * Every claimant of a budget takes its slots from one sequence `intervalMs` apart (so the total
 * is never exceeded). While no other claimant is waiting, a claim takes what it wants up to the
 * horizon, as an unshared budget does. While others wait (they wanted more than they got, and
 * their turn has not gone by), a claim takes at most its weight's part of one horizon's slots, and
 * its virtual clock moves on by `intervalMs × (Σ weights waiting) / weight` per slot: it may not
 * start again before that clock. So over time each waiting claimant gets `weight / Σ weights` of
 * the slots, and one that stops wanting drops out of the sum at once. A claim ahead on its clock
 * of another claimant still waiting takes nothing: the nearest slots go to the one furthest
 * behind, whatever order claims of the same moment arrive in.
 *
 * A claimant waits until a little after its next turn, and counts in the others' sums for
 * {@link STALL_HORIZONS} horizons more: a process held back that long (a busy machine, a pause of
 * its garbage collector) claims late, and the others still take only their parts meanwhile,
 * where they would otherwise share its turns between them. Past its turn they no longer leave
 * it the nearest slots, so one that stopped claiming without a word (a paused campaign, a process
 * that died) costs the others at most its own part for those horizons, never the whole budget.
 */
import type { SendBudget } from './_send-budget.js';

/** A claimant's standing in a shared budget, as a store keeps it (one row per budget and key). */
export interface StoredShare {
  /** The claimant: `'scheduler'` or `'campaign:<id>'`. */
  key: string;
  weight: number;
  /** Its virtual clock: while others wait, it starts no claim's slots before this (epoch ms). */
  virtualAt: number;
  /**
   * Until when it counts as waiting for slots (epoch ms); 0 when its last claim got all it wanted.
   * Its turn is held for it until {@link STALL_HORIZONS} horizons before that.
   */
  waitingUntil: number;
}

/** A shared budget's state, as a claim reads it (locked). */
export interface SharedBudgetState {
  /** The next free slot of the budget (epoch ms, with a fraction). */
  nextAt: number;
  /** Every claimant's standing (the claimant's own among them, if it claimed before). */
  shares: readonly StoredShare[];
}

/** What a claim may take: slots from `start`, `intervalMs` apart, at most `most` of them. */
export interface ShareTurn {
  start: number;
  most: number;
  /** The weights of the claimants waiting, the claimant's own included. */
  weights: number;
}

/**
 * How many horizons past its turn a waiting claimant still counts in the others' sums (see the
 * file's comment).
 */
export const STALL_HORIZONS = 3;

/** Until when a claimant whose turn is `turnAt` waits (stored as `waitingUntil`). */
function waitingAfter(turnAt: number, budget: SendBudget): number {
  return turnAt + (1 + STALL_HORIZONS) * budget.horizonMs + budget.intervalMs;
}

/** Until when the others leave a waiting claimant the nearest slots: a little after its turn. */
function turnHeldUntil(share: StoredShare, budget: SendBudget): number {
  return share.waitingUntil - STALL_HORIZONS * budget.horizonMs;
}

/** How many slots `intervalMs` apart fit between `start` and `now + horizonMs`. */
export function slotsWithin(start: number, now: number, budget: SendBudget): number {
  const horizon = now + budget.horizonMs;
  return start > horizon ? 0 : Math.floor((horizon - start) / budget.intervalMs) + 1;
}

/** The slots a claim of up to `limit` rows may take from the budget `state`, at `now`. */
export function shareTurn(
  state: SharedBudgetState,
  now: number,
  limit: number,
  budget: SendBudget,
): ShareTurn {
  const free = Math.max(state.nextAt, now);
  if (!budget.share) {
    return { start: free, most: Math.min(limit, slotsWithin(free, now, budget)), weights: 0 };
  }
  const { key, weight } = budget.share;
  const mine = state.shares.find((s) => s.key === key);
  let weights = weight;
  for (const other of state.shares) {
    if (other.key !== key && other.waitingUntil > now) weights += other.weight;
  }
  if (weights === weight) {
    return { start: free, most: Math.min(limit, slotsWithin(free, now, budget)), weights };
  }
  const start = Math.max(free, mine?.virtualAt ?? free);
  // Ahead of a claimant still waiting, it leaves that one the next turn and looks again a slot
  // later: the nearest slots go to whoever is furthest behind, whatever order the claims of one
  // moment arrive in (one process's engines woken together ask one after the other).
  if (mine && mine.virtualAt > behindOf(state, key, now, budget)) {
    return { start: free + budget.intervalMs, most: 0, weights };
  }
  const perHorizon = Math.floor(budget.horizonMs / budget.intervalMs) + 1;
  const part = Math.max(1, Math.ceil((perHorizon * weight) / weights));
  return { start, most: Math.min(limit, slotsWithin(start, now, budget), part), weights };
}

/** The lowest virtual clock of the claimants other than `key` whose turn is held at `now`. */
function behindOf(state: SharedBudgetState, key: string, now: number, budget: SendBudget): number {
  let behind = Number.POSITIVE_INFINITY;
  for (const other of state.shares) {
    if (other.key !== key && turnHeldUntil(other, budget) > now) {
      behind = Math.min(behind, other.virtualAt);
    }
  }
  return behind;
}

/**
 * The budget's next free slot, and the claimant's standing (`null` for an unshared budget), once
 * it sent `sent` of the slots of `turn`: waiting while it wanted more than it got, not waiting
 * once it had slots it did not use.
 */
export function afterShareTurn(
  state: SharedBudgetState,
  turn: ShareTurn,
  sent: number,
  now: number,
  limit: number,
  budget: SendBudget,
): { nextAt: number; share: StoredShare | null } {
  if (!budget.share) {
    return { nextAt: sent > 0 ? turn.start + sent * budget.intervalMs : state.nextAt, share: null };
  }
  const { key, weight } = budget.share;
  const mine = state.shares.find((s) => s.key === key);
  if (sent === 0) {
    const share = mine ? { ...mine, weight } : { key, weight, virtualAt: now, waitingUntil: 0 };
    // Given slots and nothing to send: it wants none, and drops out of the others' sums at once.
    // Asked for rows and given no slot: it waits, until a little after its turn (a claim then
    // that finds nothing to send ends the wait).
    if (turn.most > 0 || limit === 0) share.waitingUntil = 0;
    else share.waitingUntil = waitingAfter(turn.start, budget);
    return { nextAt: state.nextAt, share };
  }
  const nextAt = turn.start + sent * budget.intervalMs;
  const contended = turn.weights > weight;
  // Uncontended, the clock keeps up with the budget: no credit is saved up for later.
  const virtualAt = contended
    ? Math.max(mine?.virtualAt ?? now, now - budget.horizonMs) +
      (sent * budget.intervalMs * turn.weights) / weight
    : nextAt;
  // It took all it was given and wanted more: it waits, until a little after its next turn.
  const waiting = sent === turn.most && turn.most < limit;
  const waitingUntil = waiting ? waitingAfter(Math.max(nextAt, virtualAt), budget) : 0;
  return { nextAt, share: { key, weight, virtualAt, waitingUntil } };
}

/**
 * When the claimant may next get a slot (the `nextSlotAt` a claim answers): the budget's next
 * free slot (at `now` at the earliest), or its own virtual clock while others wait.
 */
export function nextShareAt(
  after: { nextAt: number; share: StoredShare | null },
  turn: ShareTurn,
): number {
  const { nextAt, share } = after;
  // Nothing sent: the turn's start (the next free slot, or `now` once that is past).
  const next = Math.max(nextAt, turn.start);
  return share && turn.weights > share.weight ? Math.max(next, share.virtualAt) : next;
}

/** Each row's slot: consecutive ones from `start` for the rows sent, `null` for the others. */
export function slotsFrom<R>(
  rows: readonly R[],
  sends: (row: R) => boolean,
  start: number,
  intervalMs: number,
): { slots: (number | null)[]; sent: number } {
  let sent = 0;
  const slots = rows.map((row) => (sends(row) ? start + sent++ * intervalMs : null));
  return { slots, sent };
}
