/**
 * `claimDue` of `createPostgresStore` with a `budget`: under a named budget shared by weight (a
 * transaction that locks the budget's row), or under the scheduler's own send budget (one
 * statement that reserves the slots of what it claims).
 */
import type { SendBudget } from '../../store.js';
import { slotsFrom } from '../../store/_shares.js';
import type { StoredCall } from '../../store/_stored-call.js';
import type { PostgresBudgets } from './_budgets.js';
import type { MethodsContext } from './_connection.js';
import { callFromRow } from './_sql.js';
// A claim under a named budget looks at every due row: no floor (`NO_FLOOR`, `NO_ID`).
import { NO_FLOOR, NO_ID } from './_wake.js';

/** A budgeted claim's arguments. */
export interface BudgetedAsk {
  now: number;
  limit: number;
  workerId: string;
  leaseUntil: number;
  provider: string | null;
}

/** The claim under a named budget: its row locked for the transaction, its turn taken by weight. */
export function claimUnderShare(
  { db, sql }: Pick<MethodsContext, 'db' | 'sql'>,
  budgets: PostgresBudgets,
  { now, limit, workerId, leaseUntil, provider }: BudgetedAsk,
  budget: SendBudget,
) {
  const { query, run } = db;
  return run((maybeDone) =>
    db.transaction(async (client) => {
      // An earlier try whose answer was lost may have claimed rows: hand those out first,
      // with fresh slots (the ones it reserved are lost with its answer).
      const held = maybeDone
        ? (await query(sql.held, [workerId, leaseUntil, now, limit], client)).map(callFromRow)
        : [];
      const heldSlots: (number | null)[] = [];
      for (const row of held) {
        const sends = row.status === 'queued' && row.placingAt === null;
        heldSlots.push(sends ? await budgets.reserve(now, budget, 1, client) : null);
      }
      const rest = Math.max(0, limit - held.length);
      const turn = await budgets.turn(client, now, rest, budget);
      const rows =
        turn.turn.most > 0
          ? await query(
              sql.claim,
              [now, turn.turn.most, workerId, leaseUntil, NO_FLOOR, 0, provider, NO_ID],
              client,
            )
          : [];
      const claimed = rows.filter((row) => row.id !== null).map(callFromRow);
      const sends = (c: StoredCall) => c.status === 'queued' && c.placingAt === null;
      const { slots, sent } = slotsFrom(claimed, sends, turn.turn.start, budget.intervalMs);
      // It waits in the others' sums only while a due row is left that it had room for: the
      // claim's next wake (the earliest row it did not take), or, refused, the next due row.
      let more = false;
      if (rest > turn.turn.most) {
        const next =
          rows.length > 0
            ? rows[0]!.next_wake
            : (await query(sql.nextDueAt, [NO_FLOOR, provider, NO_ID], client))[0]?.wake_at;
        more = next != null && Number(next) <= now;
      }
      const want = sent + (more ? 1 : 0);
      const nextSlotAt = await budgets.settle(client, turn, sent, now, want, budget);
      return { calls: [...held, ...claimed], slots: [...heldSlots, ...slots], nextSlotAt };
    }),
  );
}

/** The claim under the scheduler's own send budget: one statement reserves what it claims. */
export function claimUnderOwnBudget(
  { db, sql }: Pick<MethodsContext, 'db' | 'sql'>,
  { now, limit, workerId, leaseUntil, provider }: BudgetedAsk,
  { intervalMs, horizonMs }: SendBudget,
) {
  const { query, run } = db;
  return run(async (maybeDone) => {
    // An earlier try whose answer was lost may have claimed rows: hand those out first, with
    // fresh slots (the ones it reserved are lost with its answer, and stay unused).
    const held = maybeDone
      ? (await query(sql.held, [workerId, leaseUntil, now, limit])).map(callFromRow)
      : [];
    const heldSlots: (number | null)[] = [];
    for (const row of held) {
      heldSlots.push(
        row.status === 'queued' && row.placingAt === null
          ? Number((await query(sql.reserveSlot, [now, intervalMs]))[0]!.slot)
          : null,
      );
    }
    const rest = Math.max(0, limit - held.length);
    const rows = await query(sql.budgetedClaim, [
      now,
      rest,
      workerId,
      leaseUntil,
      intervalMs,
      horizonMs,
      now,
      provider,
    ]);
    const start = Number(rows[0]!.budget_start);
    const claimed = rows.filter((row) => row.id !== null);
    const slots = claimed.map((row) =>
      row.slot_index === null ? null : start + Number(row.slot_index) * intervalMs,
    );
    const sent = slots.filter((slot) => slot !== null).length;
    return {
      calls: [...held, ...claimed.map(callFromRow)],
      slots: [...heldSlots, ...slots],
      nextSlotAt: sent > 0 ? start + sent * intervalMs : start,
    };
  });
}
