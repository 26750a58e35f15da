/**
 * The optional methods of a store, as the cases of `testStore()` ask for them: a case that needs
 * one the store does not offer is marked skipped, naming it.
 */
import type { TestContext } from 'vitest';
import type { Store } from '../../store.js';

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
  | 'countByStatus'
  | 'deleteFinished'
  | 'deleteCallRecords'
  | 'acquireLease'
  | 'claimDueMarked'
  | 'listCallLog'
  | CampaignMethod;

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
