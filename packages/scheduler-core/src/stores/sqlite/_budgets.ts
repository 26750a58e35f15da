import type { StatementSync } from 'node:sqlite';
import type { SendBudget } from '../../store/_send-budget.js';
import {
  afterShareTurn,
  nextShareAt,
  shareTurn,
  type SharedBudgetState,
  type ShareTurn,
  type StoredShare,
} from '../../store/_shares.js';

/**
 * Migration 12: the send budgets (callsPerSecond) every process using the file shares: the
 * store's own (name '') and the named ones, each with its next free slot (epoch ms, with a
 * fraction), and the standing of each claimant of a named budget (fair shares by weight).
 */
export const BUDGETS_MIGRATION = `
  CREATE TABLE send_budgets (name TEXT PRIMARY KEY, next_at REAL NOT NULL) WITHOUT ROWID;
  CREATE TABLE send_shares (
    budget TEXT NOT NULL,
    key TEXT NOT NULL,
    weight REAL NOT NULL,
    virtual_at REAL NOT NULL,
    waiting_until REAL NOT NULL,
    PRIMARY KEY (budget, key)
  ) WITHOUT ROWID;`;

/** A budget's state as a claim read it, and the turn it may take. */
export interface SqliteTurn extends ShareTurn {
  state: SharedBudgetState;
}

/** The send budgets of `createSqliteStore` (migration 12), read and written inside a claim's transaction. */
export interface SqliteBudgets {
  /** What a claim of up to `limit` rows may take now. */
  turn(now: number, limit: number, budget: SendBudget): SqliteTurn;
  /** Records that the claim sent `sent` rows of `turn`; answers the claimant's next slot. */
  settle(turn: SqliteTurn, sent: number, now: number, limit: number, budget: SendBudget): number;
  /** One fresh slot: `max(next free slot, now)`. */
  reserve(now: number, budget: SendBudget, count?: number): number;
}

/** The budgets' statements; every call runs in the caller's `BEGIN IMMEDIATE` transaction. */
export function sqliteBudgets(prepare: (sql: string) => StatementSync): SqliteBudgets {
  const nameOf = (budget: SendBudget) => budget.share?.name ?? '';
  const read = (budget: SendBudget): SharedBudgetState => {
    const name = nameOf(budget);
    const row = prepare('SELECT next_at FROM send_budgets WHERE name = ?').get(name) as
      { next_at: number } | undefined;
    const shares = budget.share
      ? (
          prepare(
            'SELECT key, weight, virtual_at, waiting_until FROM send_shares WHERE budget = ?',
          ).all(name) as Record<string, number | string>[]
        ).map((r): StoredShare => ({
          key: r.key as string,
          weight: Number(r.weight),
          virtualAt: Number(r.virtual_at),
          waitingUntil: Number(r.waiting_until),
        }))
      : [];
    return { nextAt: row ? Number(row.next_at) : 0, shares };
  };
  const writeNext = (budget: SendBudget, nextAt: number) =>
    prepare(
      `INSERT INTO send_budgets (name, next_at) VALUES (?, ?)
        ON CONFLICT (name) DO UPDATE SET next_at = excluded.next_at`,
    ).run(nameOf(budget), nextAt);
  return {
    turn(now, limit, budget) {
      const state = read(budget);
      return { ...shareTurn(state, now, limit, budget), state };
    },
    settle(turn, sent, now, limit, budget) {
      // The state as the turn read it: the claim's transaction holds the file meanwhile.
      const after = afterShareTurn(turn.state, turn, sent, now, limit, budget);
      if (sent > 0) writeNext(budget, after.nextAt);
      const share = after.share;
      if (share) {
        prepare(
          `INSERT INTO send_shares (budget, key, weight, virtual_at, waiting_until)
            VALUES (?, ?, ?, ?, ?) ON CONFLICT (budget, key) DO UPDATE SET weight = excluded.weight,
              virtual_at = excluded.virtual_at, waiting_until = excluded.waiting_until`,
        ).run(nameOf(budget), share.key, share.weight, share.virtualAt, share.waitingUntil);
      }
      return nextShareAt(after, turn);
    },
    reserve(now, budget, count = 1) {
      const slot = Math.max(read(budget).nextAt, now);
      writeNext(budget, slot + budget.intervalMs * count);
      return slot;
    },
  };
}
