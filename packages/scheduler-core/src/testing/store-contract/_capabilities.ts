/**
 * The optional methods of a store, as the cases of `testStore()` ask for them: a case that needs
 * one the store does not offer is marked skipped, naming it.
 */
import type { TestContext } from 'vitest';
import type { BudgetedClaim, SendBudget, Store } from '../../store.js';

/** The campaign methods of a store, offered all together or not at all. */
export const CAMPAIGN_METHODS = [
  'insertCampaign',
  'getCampaign',
  'listCampaigns',
  'updateCampaign',
  'claimCampaign',
  'nextCampaignWake',
  'listCampaignCalls',
  'countCampaign',
] as const;

type CampaignMethod = (typeof CAMPAIGN_METHODS)[number];

/** The optional methods of a store that some tests need. */
type OptionalMethod =
  'countByStatus' | 'deleteFinished' | 'deleteCallRecords' | 'acquireLease' | CampaignMethod;

/**
 * The store's optional `method`, bound to it; `null` (and the test marked skipped, naming the
 * method) when the store does not offer it.
 */
export function offered<K extends OptionalMethod>(
  store: Store,
  method: K,
  context: TestContext,
): NonNullable<Store[K]> | null {
  const fn = store[method] as ((...args: never[]) => unknown) | undefined;
  if (typeof fn !== 'function') {
    context.skip(`the store has no ${method}()`);
    return null;
  }
  return fn.bind(store) as NonNullable<Store[K]>;
}

/** A store's campaign methods, each bound to it. */
export type CampaignMethods = { [K in CampaignMethod]: NonNullable<Store[K]> };

/** The store's campaign methods, bound to it; `null` (the test skipped) when one is missing. */
export function campaignMethods(store: Store, context: TestContext): CampaignMethods | null {
  const methods: Partial<Record<CampaignMethod, unknown>> = {};
  for (const method of CAMPAIGN_METHODS) {
    const fn = offered(store, method, context);
    if (!fn) return null;
    methods[method] = fn;
  }
  return methods as CampaignMethods;
}

/**
 * The store's claim under a send budget, as `(now, limit, workerId, leaseUntil, budget,
 * provider?)`, its slots and next free slot as the store gave them; `null` when the store keeps
 * no budgets (no `reserveSendSlot`).
 */
export function budgetedClaimOf(store: Store) {
  if (!store.reserveSendSlot) return null;
  return async (
    now: number,
    limit: number,
    workerId: string,
    leaseUntil: number,
    budget: SendBudget,
    provider?: string,
  ): Promise<BudgetedClaim> => {
    const { calls, slots, nextSlotAt } = await store.claimDue({
      ...{ now, limit, workerId, leaseUntil, budget },
      ...(provider === undefined ? {} : { provider }),
    });
    if (!slots || nextSlotAt === undefined) {
      throw new Error(`${store.name}: a claim under a budget gave no slots or next free slot`);
    }
    return { calls, slots, nextSlotAt };
  };
}

/**
 * The store's claim that marks, as `(now, limit, workerId, leaseUntil, mark, provider?)`; `null`
 * (the test marked skipped) when its claims do not mark (`capabilities.marks`).
 */
export function markingClaimOf(store: Store, context: TestContext) {
  if (store.capabilities.marks !== true) {
    context.skip("the store's claims do not mark (capabilities.marks)");
    return null;
  }
  return async (
    now: number,
    limit: number,
    workerId: string,
    leaseUntil: number,
    mark: number,
    provider?: string,
  ) => {
    const { calls, marked } = await store.claimDue({
      ...{ now, limit, workerId, leaseUntil, mark },
      ...(provider === undefined ? {} : { provider }),
    });
    return { calls, marked: marked ?? calls.map(() => false) };
  };
}
