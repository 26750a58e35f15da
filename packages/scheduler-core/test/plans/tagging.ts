/**
 * A store proxy that says which method (and which shape of `list` or `listCallLog`) sent each
 * statement, and counts its calls not answered yet.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { countedAs } from '../fakes.js';
import type {
  CallLogQuery,
  CampaignCallsQuery,
  CampaignClaimOptions,
  Store,
  StoreListQuery,
} from '../../src/store.js';

/** A statement a store sent, with its parameters and the store method it served. */
export interface Captured {
  text: string;
  values: unknown[];
  /** `list(status×2, to)`, `claimDue`…; `null` when sent outside any store method. */
  tag: string | null;
}

const running = new AsyncLocalStorage<string>();

/** The store method (and query shape) running in the current async context. */
export const currentTag = (): string | null => running.getStore() ?? null;

function tagOf(method: string, args: unknown[]): string {
  if (method === 'claimDue') return countedAs(method, args);
  if (method === 'list') {
    const query = args[0] as StoreListQuery;
    const parts: string[] = [];
    if (query.campaign != null) parts.push('campaign');
    if (query.status !== undefined) parts.push(`status×${[query.status].flat().length}`);
    if (query.to !== undefined) parts.push('to');
    if (query.cursor) parts.push('cursor');
    return `list(${parts.join(', ')})`;
  }
  if (method === 'listCallLog') {
    const query = args[0] as CallLogQuery;
    const filters = ['phone', 'direction', 'statuses', 'since', 'until', 'campaign'] as const;
    const parts: string[] = filters.filter((filter) => query[filter] !== undefined);
    if (query.cursor) parts.push('cursor');
    return `listCallLog(${parts.join(', ')})`;
  }
  if (method === 'listCampaigns') {
    return (args[0] as { cursor?: string | null }).cursor
      ? 'listCampaigns(cursor)'
      : 'listCampaigns()';
  }
  if (method === 'claimCampaign') {
    return (args[5] as CampaignClaimOptions | undefined)?.budget
      ? 'claimCampaign(budget)'
      : 'claimCampaign()';
  }
  if (method === 'listCampaignCalls') {
    const query = args[1] as CampaignCallsQuery;
    const parts: string[] = [];
    if (query.status !== undefined) parts.push(`status×${query.status.length}`);
    if (query.afterPosition != null) parts.push('after');
    return `listCampaignCalls(${parts.join(', ')})`;
  }
  return method;
}

/** A store whose calls are told apart and counted (see {@link taggingStore}). */
export interface TaggedStore<S extends Store = Store> {
  store: S;
  /** Calls not answered yet. */
  inFlight(): number;
}

/**
 * `inner`, each method run inside an async context naming it (see {@link currentTag}), so that
 * the statements it sends can be told apart, and its calls not answered yet counted.
 */
export function taggingStore<S extends Store>(inner: S): TaggedStore<S> {
  let pending = 0;
  const settled = () => void (pending -= 1);
  const store = new Proxy(inner, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      return (...args: unknown[]) => {
        const result = running.run(tagOf(key, args), () =>
          (value as (...a: unknown[]) => unknown).apply(target, args),
        );
        if (result instanceof Promise) {
          pending += 1;
          result.then(settled, settled);
        }
        return result;
      };
    },
  });
  return { store, inFlight: () => pending };
}
