import type { MarkedClaim, Store, StoredCall } from '../../store.js';
import { placingMark } from '../../store/_mark.js';
import { slotsFrom } from '../../store/_shares.js';
import { sqliteBudgets } from './_budgets.js';
import type { SqliteCore } from './_core.js';
import { CLAIMED_STATUS, fromRow, SELECTED, type Row } from './_sql.js';
import { endSuppressed } from './_suppressions.js';

/** A scheduler-wide claim's rows: those of its provider (the statement's parameter) or of none. */
const PROVIDER_FILTER = '(provider IS NULL OR provider = ?)';

/**
 * The scheduler-wide claim (`claimDue`, marking or under a budget), the send budgets and
 * the next wake time, with the parts the campaigns' claims share (`claimIds`, `markFresh`,
 * `budgets`).
 */
export function sqliteClaims(core: SqliteCore) {
  const { prepare, transaction, updateOf, suppressionContext } = core;
  /**
   * Claims `ids` (a claim of `claimDue`'s kind), inside the caller's transaction, and hands them
   * back in the order given: those not sent yet whose number is suppressed end `suppressed`
   * instead (see `Store`), the rest are leased.
   */
  const claimIds = (ids: string[], now: number, workerId: string, leaseUntil: number) => {
    if (ids.length === 0) return [];
    const byId = endSuppressed(suppressionContext, ids, now);
    const leased = byId.size === 0 ? ids : ids.filter((id) => !byId.has(id));
    const rows = (
      prepare(
        `UPDATE scheduled_calls SET status = ${CLAIMED_STATUS}, lease_owner = ?, lease_until = ?, updated_at = ?, version = version + 1 WHERE id IN (SELECT value FROM json_each(?)) RETURNING ${SELECTED}`,
      ).all(workerId, leaseUntil, now, JSON.stringify(leased)) as Row[]
    ).map(fromRow);
    for (const row of rows) byId.set(row.id, row);
    return ids.map((id) => byId.get(id)!);
  };
  /**
   * Marks the rows among the first `count` of `rows`, just claimed in this transaction, that were
   * leased afresh (`queued` now, never marked before; a row ended `suppressed` is neither):
   * `placingMark` at `now`, with the claim's version. The rows as they are now, and which it marked.
   */
  const markFresh = (rows: StoredCall[], now: number, count: number): MarkedClaim => {
    const marked: boolean[] = [];
    const calls = rows.map((row, i) => {
      const marks = i < count && row.status === 'queued' && row.placingAt === null;
      marked.push(marks);
      if (!marks) return row;
      const patch = placingMark(row, now);
      const { sql, values } = updateOf(row.id, row.version, patch, 0);
      prepare(sql).run(...values);
      return { ...row, ...patch };
    });
    return { calls, marked };
  };
  /** The ids of up to `limit` due rows (of `provider` or none, when given), earliest first. */
  const dueIds = (now: number, limit: number, provider: string | undefined) =>
    (provider === undefined
      ? (prepare(
          'SELECT id FROM scheduled_calls WHERE wake_at <= ? ORDER BY wake_at, id LIMIT ?',
        ).all(now, limit) as { id: string }[])
      : (prepare(
          `SELECT id FROM scheduled_calls WHERE wake_at <= ? AND ${PROVIDER_FILTER}
            ORDER BY wake_at, id LIMIT ?`,
        ).all(now, provider, limit) as { id: string }[])
    ).map((r) => r.id);
  const budgets = sqliteBudgets(prepare);

  const methods = {
    async claimDue({ now, limit, workerId, leaseUntil, provider, mark = 0, budget }) {
      if (!budget) {
        if (limit <= 0) return { calls: [], marked: [] };
        // RETURNING has no order: the rows are handed out in the order they were due.
        return transaction(() =>
          markFresh(claimIds(dueIds(now, limit, provider), now, workerId, leaseUntil), now, mark),
        );
      }
      return transaction(() => {
        const turn = budgets.turn(now, limit, budget);
        // One due row past its turn too, when it had room for it: whether it still waits.
        const ids = dueIds(now, Math.min(limit, turn.most + 1), provider);
        const more = ids.length > turn.most;
        const calls =
          turn.most > 0 ? claimIds(ids.slice(0, turn.most), now, workerId, leaseUntil) : [];
        const sends = (c: StoredCall) => c.status === 'queued' && c.placingAt === null;
        const { slots, sent } = slotsFrom(calls, sends, turn.start, budget.intervalMs);
        const want = sent + (more ? 1 : 0);
        return { calls, slots, nextSlotAt: budgets.settle(turn, sent, now, want, budget) };
      });
    },

    async reserveSendSlot(now, budget, count = 1) {
      return transaction(() => budgets.reserve(now, budget, count));
    },

    async nextDueAt(provider) {
      const row = (
        provider === undefined
          ? prepare(
              'SELECT MIN(wake_at) AS next FROM scheduled_calls WHERE wake_at IS NOT NULL',
            ).get()
          : prepare(
              `SELECT wake_at AS next FROM scheduled_calls WHERE wake_at IS NOT NULL
                AND ${PROVIDER_FILTER} ORDER BY wake_at LIMIT 1`,
            ).get(provider)
      ) as { next: number | null } | undefined;
      return row?.next ?? null;
    },
  } satisfies Pick<Required<Store>, 'claimDue' | 'reserveSendSlot' | 'nextDueAt'>;

  return { claimIds, markFresh, budgets, methods };
}
