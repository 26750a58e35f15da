import type {
  CampaignClaim,
  CampaignClaimOptions,
  StoredCall,
  StoredCampaign,
} from '../../store.js';
import { slotsWithin } from '../../store/_shares.js';
import { capOf } from '../../store/_stored-campaign.js';
import type { SqliteCampaignContext } from './_campaign-create.js';
import { CAMPAIGN_SQL, type Row } from './_sql.js';

/**
 * A campaign's claim in one `BEGIN IMMEDIATE` transaction: rows whose lease ran out, adopted;
 * then, while the campaign runs, its next entries in list order under its cap and its send
 * budget (its own, or the named one it shares), listed numbers met on the way ended
 * `suppressed`; marked at once with `options.mark`. See `Store.claimCampaign`.
 */
export function claimCampaign(
  ctx: SqliteCampaignContext,
  reads: {
    getCampaign(id: string): StoredCampaign | null;
    campaignFromRow(row: Row): StoredCampaign;
  },
  [id, now, limit, workerId, leaseUntil, options]: [
    string,
    number,
    number,
    string,
    number,
    CampaignClaimOptions,
  ],
): CampaignClaim {
  const { prepare, transaction, claimIds, budgets, markFresh } = ctx;
  const { getCampaign, campaignFromRow } = reads;
  return transaction(() => {
    let campaign = getCampaign(id);
    if (!campaign) return { campaign: null, calls: [], slots: [], taken: 0, nextSlotAt: null };
    const expired = (
      prepare(CAMPAIGN_SQL.expired).all(id, now, Math.max(0, limit)) as { id: string }[]
    ).map((r) => r.id);
    const adopted = claimIds(expired, now, workerId, leaseUntil);
    const countTaken = () =>
      Number((prepare(CAMPAIGN_SQL.taken).get(id, id, now - options.holdMs) as { n: number }).n);
    let fresh: StoredCall[] = [];
    let markedFresh: boolean[] = [];
    const slots: (number | null)[] = adopted.map(() => null);
    const budget = options.budget;
    const rest = limit - adopted.length;
    // A named budget is the store's (shared by weight); otherwise the campaign row keeps its own.
    const turn = budget?.share ? budgets.turn(now, rest, budget) : undefined;
    const start = turn ? turn.start : budget ? Math.max(campaign.nextSlotAt, now) : 0;
    let sent = 0;
    let more = false;
    if (campaign.state === 'running') {
      const capRoom = Math.min(rest, capOf(campaign, options.cap) - countTaken());
      let room = capRoom;
      if (turn) room = Math.min(room, turn.most);
      else if (budget) room = Math.min(room, slotsWithin(start, now, budget));
      // Under a shared turn, the entries past it too: whether its part held the claim back.
      const past = turn !== undefined && capRoom > Math.max(0, room);
      if (room > 0 || past) {
        // Suppressed entries met on the way end (without a place), within the rest of `limit`.
        const found = prepare(CAMPAIGN_SQL.fresh).all(now, id, now, rest) as {
          id: string;
          suppressed: number;
        }[];
        const ids: string[] = [];
        let leased = 0;
        for (const [i, row] of found.entries()) {
          if (leased >= room) {
            more = past && found.slice(i).some((r) => !r.suppressed);
            break;
          }
          ids.push(row.id);
          if (!row.suppressed) leased += 1;
        }
        fresh = claimIds(ids, now, workerId, leaseUntil);
        if (options.mark) {
          ({ calls: fresh, marked: markedFresh } = markFresh(fresh, now, fresh.length));
        }
        // A row the claim ended (its number suppressed) is not sent: no slot.
        for (const row of fresh) {
          const sends = budget !== undefined && row.status === 'queued';
          slots.push(sends ? start + sent++ * budget.intervalMs : null);
        }
        if (budget && !turn && sent > 0) {
          const row = prepare(
            'UPDATE campaigns SET next_slot_at = ?, updated_at = ?, version = version + 1 WHERE id = ? RETURNING *',
          ).get(start + sent * budget.intervalMs, now, id) as Row;
          campaign = campaignFromRow(row);
        }
      }
    }
    // Nothing sent: the next free slot is the campaign's, or `now` once that is past.
    const nextSlotAt = turn
      ? budgets.settle(turn, sent, now, sent + (more ? 1 : 0), budget!)
      : budget
        ? start + sent * budget.intervalMs
        : null;
    return {
      campaign,
      calls: [...adopted, ...fresh],
      slots,
      ...(options.mark
        ? {
            marked: [...adopted.map(() => false), ...fresh.map((_, i) => markedFresh[i] === true)],
          }
        : {}),
      taken: countTaken(),
      nextSlotAt,
      ...(turn ? { heldBack: more } : {}),
    };
  });
}
