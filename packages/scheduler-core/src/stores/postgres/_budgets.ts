import type { PoolClient } from 'pg';
import type { SendBudget } from '../../store/_send-budget.js';
import {
  afterShareTurn,
  nextShareAt,
  shareTurn,
  type SharedBudgetState,
  type ShareTurn,
} from '../../store/_shares.js';
import type { PostgresDb } from './_connection.js';

/** A named budget's state as a claim read it (its row locked), and the turn it may take. */
export interface PostgresShareTurn {
  state: SharedBudgetState;
  turn: ShareTurn;
}

/**
 * The named send budgets of `createPostgresStore` (migration 12), inside a claim's transaction:
 * the budget's row is locked first (created when missing), so the claims of every worker that
 * name it take turns, and its claimants' standings are read after the lock, in a statement of
 * their own (READ COMMITTED: they are as the last claim left them).
 */
export function postgresBudgets(db: PostgresDb) {
  const s = db.quoted;
  const lock = `INSERT INTO ${s}.send_budgets (name, next_at) VALUES ($1, 0)
    ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING next_at`;
  const shares = `SELECT key, weight, virtual_at, waiting_until FROM ${s}.send_shares
    WHERE budget = $1`;
  const settle = `WITH budget AS (
      UPDATE ${s}.send_budgets SET next_at = $2 WHERE name = $1
    )
    INSERT INTO ${s}.send_shares (budget, key, weight, virtual_at, waiting_until)
    VALUES ($1, $3, $4, $5, $6) ON CONFLICT (budget, key) DO UPDATE SET weight = excluded.weight,
      virtual_at = excluded.virtual_at, waiting_until = excluded.waiting_until`;
  /** Fresh slots (`$3` their span), the budget's row created when missing: one statement. */
  const reserve = `INSERT INTO ${s}.send_budgets AS b (name, next_at)
    VALUES ($1, $2::float8 + $3::float8)
    ON CONFLICT (name) DO UPDATE SET next_at = greatest(b.next_at, $2::float8) + $3::float8
    RETURNING next_at - $3::float8 AS slot`;
  const nameOf = (budget: SendBudget) => budget.share!.name;

  /** Locks the budget named `name` (its row created when missing) and reads its state. */
  async function open(client: PoolClient, name: string): Promise<SharedBudgetState> {
    const [row] = await db.query<{ next_at: number }>(lock, [name], client);
    const rows = await db.query<Record<string, string | number>>(shares, [name], client);
    return {
      nextAt: Number(row!.next_at),
      shares: rows.map((r) => ({
        key: String(r.key),
        weight: Number(r.weight),
        virtualAt: Number(r.virtual_at),
        waitingUntil: Number(r.waiting_until),
      })),
    };
  }

  return {
    open,

    /** Locks the budget and reads what a claim of up to `limit` rows may take now. */
    async turn(
      client: PoolClient,
      now: number,
      limit: number,
      budget: SendBudget,
    ): Promise<PostgresShareTurn> {
      const state = await open(client, nameOf(budget));
      return { state, turn: shareTurn(state, now, limit, budget) };
    },

    /**
     * Records that the claim sent `sent` rows of its turn, in the store and in `state` (the next
     * claim of the same transaction takes its turn from it); answers the claimant's next slot.
     */
    async settle(
      client: PoolClient,
      { state, turn }: PostgresShareTurn,
      sent: number,
      now: number,
      limit: number,
      budget: SendBudget,
    ): Promise<number> {
      const after = afterShareTurn(state, turn, sent, now, limit, budget);
      const share = after.share!;
      await db.query(
        settle,
        [
          nameOf(budget),
          after.nextAt,
          share.key,
          share.weight,
          share.virtualAt,
          share.waitingUntil,
        ],
        client,
      );
      state.nextAt = after.nextAt;
      state.shares = [...state.shares.filter((other) => other.key !== share.key), share];
      return nextShareAt(after, turn);
    },

    /** `count` fresh slots of the named budget in a row, the first `max(next free slot, now)`. */
    async reserve(
      now: number,
      budget: SendBudget,
      count = 1,
      client?: PoolClient,
    ): Promise<number> {
      const span = budget.intervalMs * count;
      const [row] = await db.query<{ slot: number }>(reserve, [nameOf(budget), now, span], client);
      return Number(row!.slot);
    },
  };
}

export type PostgresBudgets = ReturnType<typeof postgresBudgets>;
