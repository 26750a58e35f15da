import { sleep } from '@ringkit/internal';
import type { ClaimSource } from '../dispatch/_dispatch.js';
import { sharedReserve } from '../dispatch/_reserve.js';
import { onTimeOf, PACING_TOLERANCE_MS, type Pacing } from '../dispatch/_pacing.js';
import type { SendBudget, StoredCampaign } from '../store.js';
import { CALLEE, deferralOf, inCallingWindow } from '../_window.js';
import type { CampaignContext } from './_context.js';
import type { CampaignSettings } from './settings.js';
import { AGENT_PACE_MS, type AgentLines } from './_agent-lines.js';

/**
 * A campaign its part of a shared budget held back (`CampaignClaim.heldBack`) claims again after
 * this fraction of the budget's horizon: soon enough to take its turn, which the others leave it
 * only until a little after it comes.
 */
export const HELD_BACK_STEPS = 10;

/** What the claims of a campaign need. */
export interface SourceContext extends Pick<CampaignContext, 'store' | 'id' | 'clock' | 'change'> {
  /** The campaign's settings, as stored. */
  settings: CampaignSettings;
  leaseMs: number;
  /** Sees the campaign as each claim found it (its cap, a stop). */
  observe(campaign: StoredCampaign | null): void;
  /** In a campaign with agents: the lines its claims may add. */
  lines?: Pick<AgentLines, 'bound'> | undefined;
}

/**
 * What the dispatcher of a campaign claims from: the store's `claimCampaign` (the campaign's
 * cap and list order, across workers), inside its calling window and under its send budget
 * (`callsPerSecond`, one for the whole campaign, or the named `budget` it shares by weight), and
 * the campaign's own wake times.
 */
export function campaignSource(ctx: SourceContext): ClaimSource {
  const { store, id, clock, settings } = ctx;
  /** The next wake the last claim read in its own transaction, until it is used. */
  const claimed: { wake: number | null | undefined } = { wake: undefined };
  return {
    pacing: campaignPacing(ctx, claimed),
    async nextWake() {
      const known = claimed.wake;
      claimed.wake = undefined;
      if (known !== undefined) return known;
      return store.nextCampaignWake(id, clock.now(), settings.callTimeoutMs);
    },
  };
}

/**
 * The campaign's claims and turns: outside its window (in one named zone) nothing is claimed;
 * with a budget, each claim reserves the send slots of what it takes, and a placement that
 * missed its slot takes a fresh one from the campaign row.
 */
function campaignPacing(ctx: SourceContext, claimed: { wake: number | null | undefined }): Pacing {
  const { store, id, clock, settings, change } = ctx;
  const perSecond = settings.callsPerSecond;
  const budget: SendBudget | undefined =
    perSecond === null
      ? undefined
      : {
          intervalMs: (1000 + PACING_TOLERANCE_MS) / perSecond,
          horizonMs: Math.min(1000, ctx.leaseMs / 3),
          // A named budget is the store's, shared by weight; otherwise the campaign's own.
          ...(settings.budget ? { share: { ...settings.budget, key: `campaign:${id}` } } : {}),
        };
  const untilSlot = (slot: number) => sleep(Math.max(0, slot - clock.now()), { clock });
  /** A fresh slot of the campaign's budget, for a placement that missed its own. */
  const reserve = async () => {
    if (budget!.share && store.reserveSendSlot) return sharedReserve(store, clock)(budget!);
    let slot = 0;
    await change((c) => {
      slot = Math.max(c.nextSlotAt, clock.now());
      return { nextSlotAt: slot + budget!.intervalMs };
    });
    return slot;
  };
  return {
    paced: budget !== undefined,
    async claim(now, limit, worker, leaseUntil) {
      claimed.wake = undefined;
      const window = settings.window;
      if (window && window.timezone !== CALLEE && !inCallingWindow(window, now)) {
        // Outside the window nothing is claimed (not even to be deferred): back at the opening.
        // A window in the callees' zones is each entry's own: its `dueAt` is its next opening.
        return { calls: [], slots: [], retryAt: deferralOf(window, now) };
      }
      // With agents, the lines follow them: the roster is looked at again soon, whatever the
      // claim takes, and the store bounds the places taken, across workers.
      const lines = ctx.lines ? await ctx.lines.bound(now) : null;
      const paceAt = lines ? now + AGENT_PACE_MS : null;
      if (lines && lines.most <= 0) return { calls: [], slots: [], retryAt: paceAt };
      // Without a budget, what is claimed is sent at once: the claim marks it too (one durable
      // commit where a claim and then each mark took two round trips in a row).
      const claim = await store.claimCampaign(
        id,
        now,
        lines ? Math.min(limit, lines.most) : limit,
        worker,
        leaseUntil,
        {
          holdMs: settings.callTimeoutMs,
          ...(budget ? { budget } : { mark: true }),
          ...(lines ? { cap: lines.cap } : {}),
        },
      );
      ctx.observe(claim.campaign);
      claimed.wake = claim.nextWake;
      const full =
        budget !== undefined &&
        claim.nextSlotAt !== null &&
        claim.nextSlotAt > now + budget.horizonMs;
      let retryAt = full ? claim.nextSlotAt! - budget.horizonMs : null;
      // Held back by its part of a shared budget with entries due: the others leave it the
      // next slots while it waits, so it claims again soon (its wake times leave out entries
      // already due, and would bring it back only at its re-check).
      if (retryAt === null && claim.heldBack && budget) {
        retryAt = now + budget.horizonMs / HELD_BACK_STEPS;
      }
      return {
        calls: claim.calls,
        slots: claim.slots,
        ...(claim.marked ? { marked: claim.marked } : {}),
        retryAt: retryAt ?? paceAt,
      };
    },
    async turn(slot) {
      const at = slot ?? (budget ? await reserve() : clock.now());
      await untilSlot(at);
      return at;
    },
    async onTime(at) {
      if (!budget) return at;
      return onTimeOf(clock, at, async () => {
        const turn = await reserve();
        await untilSlot(turn);
        return turn;
      });
    },
  };
}
