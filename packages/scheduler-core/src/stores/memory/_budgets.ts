import type { SendBudget } from '../../store/_send-budget.js';
import {
  afterShareTurn,
  nextShareAt,
  shareTurn,
  type ShareTurn,
  type StoredShare,
} from '../../store/_shares.js';

/** One budget: its next free slot and, when named, its claimants' standings by key. */
interface Budget {
  nextAt: number;
  shares: Map<string, StoredShare>;
}

/**
 * The send budgets of a memory store: its own (the scheduler's `callsPerSecond`) and the named
 * ones that claimants share by weight. A claim reads and writes them synchronously, so its turn
 * and its rows are one step.
 */
export class MemoryBudgets {
  private readonly own: Budget = { nextAt: 0, shares: new Map() };
  private readonly named = new Map<string, Budget>();

  private of(budget: SendBudget): Budget {
    const name = budget.share?.name;
    if (name === undefined) return this.own;
    let found = this.named.get(name);
    if (!found) this.named.set(name, (found = { nextAt: 0, shares: new Map() }));
    return found;
  }

  /** What a claim of up to `limit` rows may take now. */
  turn(now: number, limit: number, budget: SendBudget): ShareTurn {
    const b = this.of(budget);
    return shareTurn({ nextAt: b.nextAt, shares: [...b.shares.values()] }, now, limit, budget);
  }

  /** Records that the claim sent `sent` rows of `turn`; answers the claimant's next slot. */
  settle(turn: ShareTurn, sent: number, now: number, limit: number, budget: SendBudget): number {
    const b = this.of(budget);
    const state = { nextAt: b.nextAt, shares: [...b.shares.values()] };
    const after = afterShareTurn(state, turn, sent, now, limit, budget);
    b.nextAt = after.nextAt;
    if (after.share) b.shares.set(after.share.key, after.share);
    return nextShareAt(after, turn);
  }

  /** `count` fresh slots in a row, the first `max(next free slot, now)`. */
  reserve(now: number, budget: SendBudget, count = 1): number {
    const b = this.of(budget);
    const slot = Math.max(b.nextAt, now);
    b.nextAt = slot + budget.intervalMs * count;
    return slot;
  }
}
