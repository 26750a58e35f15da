import pg, { type PoolClient } from 'pg';
import { campaignFromRow } from '../_columns.js';
import { slotsWithin } from '../../store/_shares.js';
import { capOf } from '../../store/_stored-campaign.js';
import type { CampaignClaim, Store } from '../../store.js';
import type { PostgresShareTurn } from './_budgets.js';
import {
  createClaimBatches,
  noCampaign,
  type CampaignAsk,
  type Locked,
} from './_campaign-batch.js';
import type { PostgresCampaignContext } from './_campaign-context.js';
import { createOneTrip, hashOf } from './_one-trip.js';
import { callFromRow, CLAIM_SETTINGS, PG_READING, preparedClaim, withLiterals } from './_sql.js';

const { escapeLiteral } = pg;

/**
 * The rows a campaign claim statement answered, without the empty row it answers when it claims
 * nothing, how many of them it took fresh (`queued` by this claim, not ended by it), and which
 * of them it marked.
 */
function claimedOf<Row extends Record<string, unknown>>(rows: Row[]) {
  const claimed = rows.filter((row) => row.id !== null);
  const fresh = claimed.filter((row) => row.claim_kind === 1 && row.status === 'queued').length;
  const marked = claimed.map((row) => row.claim_marked === true);
  return { claimed, fresh, marked };
}

/**
 * {@link preparedClaim}: the campaign as locked, the rows claimed and the next wake, in one trip
 * (see {@link createOneTrip}).
 */
async function claimInOneTrip(
  oneTrip: ReturnType<typeof createOneTrip>,
  prepared: ReturnType<typeof preparedClaim>,
  id: string,
  now: number,
  limit: number,
  workerId: string,
  leaseUntil: number,
  holdMs: number,
  mark: boolean,
): Promise<CampaignClaim> {
  const text = withLiterals(
    prepared.execute,
    [id, now, limit, workerId, leaseUntil, Math.floor(now - holdMs), holdMs, mark],
    escapeLiteral,
  );
  const results = await oneTrip(text);
  const [locked, , claim, wake] = results;
  const campaign = locked!.rows[0];
  if (!campaign) return noCampaign();
  const { claimed: rows, fresh, marked } = claimedOf(claim!.rows);
  const next = wake!.rows[0]?.wake;
  return {
    campaign: campaignFromRow(campaign, PG_READING),
    calls: rows.map(callFromRow),
    slots: rows.map(() => null),
    ...(mark ? { marked } : {}),
    taken: Number(claim!.rows[0]!.taken) + fresh,
    nextSlotAt: null,
    nextWake: next == null ? null : Number(next),
  };
}

/**
 * A campaign's claim (`Store.claimCampaign`): without a budget, and unless an earlier try may have
 * claimed rows, one round trip of statements prepared once per connection; otherwise a
 * transaction of its own that locks the campaign's row, under the same plan settings.
 */
export function campaignClaims(ctx: PostgresCampaignContext) {
  const { schema: s, statements: campaignSql, query, run, transaction, pool, budgets } = ctx;
  const prepared = preparedClaim(campaignSql, s, `ringkit_${hashOf(s)}`);
  const oneTrip = createOneTrip(pool, prepared.prepare);
  /**
   * The first half of a claim in a transaction: the campaign's row locked, and what an earlier
   * try whose answer was lost claimed (handed out first, without a slot: the ones it took are
   * lost with its answer). `null` when there is no such campaign.
   */
  async function lockAndHeld(
    client: PoolClient,
    ask: CampaignAsk,
    maybeDone: boolean,
  ): Promise<Locked | null> {
    const [id, now, limit, workerId, leaseUntil] = ask.args;
    const [locked] = await query(campaignSql.lock, [id], client);
    if (!locked) return null;
    const mine =
      maybeDone && limit > 0
        ? (await query(campaignSql.mine, [id, workerId, leaseUntil, now, limit], client)).map(
            callFromRow,
          )
        : [];
    const rest = Math.max(0, limit - mine.length);
    return { ask, campaign: campaignFromRow(locked, PG_READING), mine, rest };
  }

  /**
   * The second half: the rows claimed under the budget (`shared`, the named budget's turn, its
   * row locked by the caller; otherwise the campaign row's own, or none), given their slots.
   */
  async function claimLocked(
    client: PoolClient,
    { ask, campaign: locked, mine, rest }: Locked,
    shared: PostgresShareTurn | undefined,
  ): Promise<CampaignClaim> {
    const [id, now, , workerId, leaseUntil] = ask.args;
    const { holdMs, budget, mark = false } = ask.options;
    let campaign = locked;
    const own = budget && !shared ? budget : undefined;
    const start = shared ? shared.turn.start : own ? Math.max(campaign.nextSlotAt, now) : 0;
    const fit = shared
      ? Math.min(rest, shared.turn.most)
      : own
        ? Math.min(rest, slotsWithin(start, now, own))
        : rest;
    const rows = await query(
      campaignSql.claim,
      [
        id,
        now,
        rest,
        workerId,
        leaseUntil,
        Math.floor(now - holdMs),
        fit,
        campaign.state === 'running' ? capOf(campaign, ask.options.cap) : 0,
        own !== undefined,
        start,
        own?.intervalMs ?? 0,
        mark,
        shared !== undefined,
      ],
      client,
    );
    const { claimed, fresh, marked } = claimedOf(rows);
    const more = shared !== undefined && rows[0]!.claim_more === true;
    const calls = [...mine, ...claimed.map(callFromRow)];
    const slots: (number | null)[] = mine.map(() => null);
    let sent = 0;
    for (const row of claimed) {
      // A row the claim ended (its number suppressed) is not sent, and takes no place.
      const sends =
        budget !== undefined &&
        row.claim_kind === 1 &&
        row.placing_at === null &&
        row.status === 'queued';
      slots.push(sends ? start + sent++ * budget.intervalMs : null);
    }
    if (own && sent > 0) {
      // The claim moved the campaign's next free slot on (its row is locked: as written).
      campaign = {
        ...campaign,
        nextSlotAt: start + sent * own.intervalMs,
        updatedAt: now,
        version: campaign.version + 1,
      };
    }
    const nextSlotAt = shared
      ? await budgets.settle(client, shared, sent, now, sent + (more ? 1 : 0), budget!)
      : own
        ? start + sent * own.intervalMs
        : null;
    return {
      campaign,
      calls,
      slots,
      // The rows an earlier try marked are not among `mine` (see the store contract).
      ...(mark ? { marked: [...mine.map(() => false), ...marked] } : {}),
      taken: Number(rows[0]!.taken) + fresh,
      nextSlotAt,
      ...(shared ? { heldBack: more } : {}),
    };
  }

  /** One claim as a transaction of its own: the campaign's row, then its budget's, locked. */
  async function claimInTransaction(
    client: PoolClient,
    ask: CampaignAsk,
    maybeDone: boolean,
  ): Promise<CampaignClaim> {
    const locked = await lockAndHeld(client, ask, maybeDone);
    if (!locked) return noCampaign();
    const budget = ask.options.budget;
    // A named budget is the store's (shared by weight); otherwise the campaign row keeps its own.
    const shared = budget?.share
      ? await budgets.turn(client, ask.args[1], locked.rest, budget)
      : undefined;
    return claimLocked(client, locked, shared);
  }

  const batches = createClaimBatches({ transaction, lockAndHeld, claimLocked, open: budgets.open });

  return {
    claimCampaign: ((id, now, limit, workerId, leaseUntil, options) => {
      const { holdMs, budget, mark = false } = options;
      return run((maybeDone) =>
        // Without a budget, and unless an earlier try may have claimed rows, one round trip;
        // under a named budget, in one transaction with the claims asked meanwhile
        // (`_campaign-batch.ts`); otherwise a transaction of its own. All under the same plan
        // settings.
        !budget && !maybeDone && options.cap === undefined
          ? claimInOneTrip(oneTrip, prepared, id, now, limit, workerId, leaseUntil, holdMs, mark)
          : budget?.share && !maybeDone
            ? batches.claim({ args: [id, now, limit, workerId, leaseUntil], options })
            : transaction(
                (client) =>
                  claimInTransaction(
                    client,
                    { args: [id, now, limit, workerId, leaseUntil], options },
                    maybeDone,
                  ),
                CLAIM_SETTINGS,
              ),
      );
    }) satisfies NonNullable<Store['claimCampaign']>,
  };
}
