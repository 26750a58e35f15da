/**
 * The claims of campaigns that share a named budget, in one transaction per batch: what the
 * engines of this process ask while a batch is on its way goes in the next one. Each claim of a
 * named budget locks the budget's row until it commits; one by one, the campaigns of every
 * worker queued on that row, each holding it for a whole transaction. A batch locks it once, and
 * holds it for one claim statement and one settle per campaign.
 */
import { createBatches } from '@ringkit/internal';
import type { PoolClient } from 'pg';
import { shareTurn, type SharedBudgetState } from '../../store/_shares.js';
import type {
  CampaignClaim,
  CampaignClaimOptions,
  StoredCall,
  StoredCampaign,
} from '../../store.js';
import type { PostgresShareTurn } from './_budgets.js';
import type { PostgresDb } from './_connection.js';
import { CLAIM_SETTINGS } from './_sql.js';

/** A claim asked of `claimCampaign`: its arguments, and its options. */
export interface CampaignAsk {
  /** `[id, now, limit, workerId, leaseUntil]`. */
  args: [string, number, number, string, number];
  options: CampaignClaimOptions;
}

/** A claim's campaign row, locked, and the rows an earlier try of it had claimed. */
export interface Locked {
  ask: CampaignAsk;
  campaign: StoredCampaign;
  mine: StoredCall[];
  /** What is left to claim once `mine` is handed out: `limit − mine.length`, at least 0. */
  rest: number;
}

/** The claim of a campaign that does not exist: nothing claimed (a fresh object each time). */
export const noCampaign = (): CampaignClaim => ({
  campaign: null,
  calls: [],
  slots: [],
  taken: 0,
  nextSlotAt: null,
});

/** The halves of a claim in a transaction, and the budgets' lock, as the store has them. */
export interface BatchSteps {
  transaction: PostgresDb['transaction'];
  lockAndHeld(client: PoolClient, ask: CampaignAsk, maybeDone: boolean): Promise<Locked | null>;
  claimLocked(
    client: PoolClient,
    locked: Locked,
    shared: PostgresShareTurn | undefined,
  ): Promise<CampaignClaim>;
  /** Locks a named budget and reads its state. */
  open(client: PoolClient, name: string): Promise<SharedBudgetState>;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Batches of claims under named budgets (each ask's `options.budget.share` is set), by
 * `createBatches`. A batch fails or commits whole; the caller's retry then asks again alone (see
 * `claimCampaign`).
 */
export function createClaimBatches(steps: BatchSteps) {
  const batches = createBatches<CampaignAsk, CampaignClaim>((asks) =>
    steps.transaction((client) => claimAll(steps, client, asks), CLAIM_SETTINGS),
  );
  return { claim: (ask: CampaignAsk) => batches.ask(ask) };
}

/**
 * The claims of one batch, in one transaction. Rows are locked in one order in every transaction
 * (the campaigns by name, then the budgets by name), so two batches never wait for each other in
 * a circle. Then the claims take their turns, the claimant furthest behind its share first (the
 * lowest virtual clock), each from the budget as the one before it left it.
 */
async function claimAll(
  steps: BatchSteps,
  client: PoolClient,
  asks: CampaignAsk[],
): Promise<CampaignClaim[]> {
  const order = asks.map((_, i) => i).sort((a, b) => byText(asks[a]!.args[0], asks[b]!.args[0]));
  const locked: (Locked | null)[] = [];
  for (const i of order) locked[i] = await steps.lockAndHeld(client, asks[i]!, false);
  const nameOf = (ask: CampaignAsk) => ask.options.budget!.share!.name;
  const states = new Map<string, SharedBudgetState>();
  for (const name of [...new Set(asks.map(nameOf))].sort(byText)) {
    states.set(name, await steps.open(client, name));
  }
  const standing = (i: number) => {
    const { key } = asks[i]!.options.budget!.share!;
    const share = states.get(nameOf(asks[i]!))!.shares.find((s) => s.key === key);
    return share?.virtualAt ?? asks[i]!.args[1];
  };
  const turns = order.filter((i) => locked[i] !== null).sort((a, b) => standing(a) - standing(b));
  const claims: CampaignClaim[] = asks.map(noCampaign);
  for (const i of turns) {
    const mine = locked[i]!;
    const state = states.get(nameOf(mine.ask))!;
    claims[i] = await steps.claimLocked(client, mine, {
      state,
      turn: shareTurn(state, mine.ask.args[1], mine.rest, mine.ask.options.budget!),
    });
  }
  return claims;
}
