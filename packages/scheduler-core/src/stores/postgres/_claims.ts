import type { MarkedClaim, Store } from '../../store.js';
import type { MethodsContext } from './_connection.js';
import pg from 'pg';
import { createOneTrip, hashOf } from './_one-trip.js';
import { setLocalStatement } from './_retry.js';
import { callFromRow, CLAIM_SETTINGS, withLiterals } from './_sql.js';
import { NO_ID } from './_wake.js';
import { postgresBudgets } from './_budgets.js';
import { claimUnderOwnBudget, claimUnderShare } from './_budgeted-claim.js';

const { escapeLiteral } = pg;

type Claims = Required<Pick<Store, 'claimDue' | 'reserveSendSlot' | 'nextDueAt'>>;

/**
 * The claims of `createPostgresStore`: one `UPDATE` over `SELECT … FOR UPDATE SKIP LOCKED`, so
 * workers never wait on each other or take the same call, from the floor of the wake times the
 * store knows of; with a send budget, the claim reserves the send slots of what it takes. An
 * earlier try whose answer was lost hands out the rows it claimed first.
 */
export function postgresClaims(ctx: MethodsContext): Claims {
  const { db, sql, knowledge } = ctx;
  const { query, run } = db;
  const budgets = postgresBudgets(db);
  /**
   * The claim runs with its generic plan, prepared once per connection, under the settings of a
   * campaign's claim (`CLAIM_SETTINGS`): PostgreSQL kept planning it anew on every call (a
   * custom plan, whose guess of rows under `LIMIT $2` beat the generic one's), and planning it
   * took as long as running it. The generic plan guesses a tenth of the due rows under that
   * limit, and for so many it would rather read the whole table than look each row up by its
   * key; the settings leave it the plan of a few rows, the wake index from the floor and the
   * rows by their key, which the plans test checks.
   */
  const name = `ringkit_${hashOf(db.quoted)}_due`;
  const oneTrip = createOneTrip(db.pool, `PREPARE ${name} AS ${sql.claim}`);
  const execute = `${setLocalStatement(CLAIM_SETTINGS)};
EXECUTE ${name}($1, $2, $3, $4, $5, $6, $7, $8)`;

  /** `claimDue` with no budget, marking the rows leased afresh among the first `mark`. */
  async function claim(
    now: number,
    limit: number,
    workerId: string,
    leaseUntil: number,
    mark: number,
    provider: string | undefined,
  ): Promise<MarkedClaim> {
    if (limit <= 0) return { calls: [], marked: [] };
    const known = knowledge.of(provider);
    const watch = known.watch();
    try {
      return await run(async (maybeDone) => {
        // An earlier try whose answer was lost may have claimed rows: hand those out first.
        // Those it marked are not among them (see `Store.claimDue`'s `mark`).
        const held = maybeDone
          ? (await query(sql.held, [workerId, leaseUntil, now, limit])).map(callFromRow)
          : [];
        const heldMarks = held.map(() => false);
        if (held.length >= limit) return { calls: held, marked: heldMarks };
        const values = [
          now,
          limit - held.length,
          workerId,
          leaseUntil,
          watch.floor,
          Math.max(0, mark - held.length),
          provider ?? null,
          watch.floorId,
        ];
        const results = await oneTrip(withLiterals(execute, values, escapeLiteral));
        const rows = results[1]!.rows as Record<string, unknown>[];
        const next = rows[0]!.next_wake === null ? null : Number(rows[0]!.next_wake);
        const nextId = (rows[0]!.next_id as string | null) ?? NO_ID;
        const found = rows.filter((row) => row.id !== null);
        const short = found.length < limit - held.length;
        if (!maybeDone) known.read(watch, next, nextId, now, true, short);
        const claimed = found.map(callFromRow);
        const marked = found.map((row) => row.claim_marked === true);
        return held.length > 0
          ? { calls: [...held, ...claimed], marked: [...heldMarks, ...marked] }
          : { calls: claimed, marked };
      });
    } finally {
      known.unwatch(watch);
    }
  }

  return {
    async claimDue({ now, limit, workerId, leaseUntil, provider, mark = 0, budget }) {
      if (!budget) return claim(now, limit, workerId, leaseUntil, mark, provider);
      const ask = { now, limit, workerId, leaseUntil, provider: provider ?? null };
      return budget.share
        ? claimUnderShare(ctx, budgets, ask, budget)
        : claimUnderOwnBudget(ctx, ask, budget);
    },

    async reserveSendSlot(now, budget, count = 1) {
      if (budget.share) return run(() => budgets.reserve(now, budget, count));
      return run(async () => {
        const span = budget.intervalMs * count;
        const [row] = await query<{ slot: number }>(sql.reserveSlot, [now, span]);
        return Number(row!.slot);
      });
    },

    async nextDueAt(provider) {
      const known = knowledge.of(provider);
      const answered = known.next();
      if (answered !== undefined && !db.isClosed()) return answered;
      const watch = known.watch();
      try {
        return await run(async () => {
          const [row] = await query<{ wake_at: string; id: string }>(sql.nextDueAt, [
            watch.floor,
            provider ?? null,
            watch.floorId,
          ]);
          const next = row ? Number(row.wake_at) : null;
          known.read(watch, next, row?.id ?? NO_ID, Date.now(), false);
          return next;
        });
      } finally {
        known.unwatch(watch);
      }
    },
  };
}
