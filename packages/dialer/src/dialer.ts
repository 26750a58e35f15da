/**
 * `createDialer()`: the in-memory dialer (`_memory.ts`), or the durable one (`campaign/`) with a
 * `store`. Both are a campaign worked by scheduler-core's engine, the one that places every
 * scheduled call and campaign entry: the in-memory dialer's lives in a store of its own.
 */
import { createMemoryDialer } from './_memory.js';
import { createCampaignDialer } from './campaign/_dialer.js';
import type { CampaignDialer, CampaignDialerOptions, Dialer, DialerOptions } from './types.js';

/**
 * Creates a dialer. Without a `store` it keeps its state in this process's memory (the `Dialer`);
 * with a `store` of `@ringkit/scheduler-core` and a `campaign` name the list is a durable
 * campaign (the `CampaignDialer`): any number of processes sharing the store may work it, and one
 * that dies loses nothing.
 */
export function createDialer(options: CampaignDialerOptions): CampaignDialer;
export function createDialer(options: DialerOptions): Dialer;
export function createDialer(
  options: DialerOptions | CampaignDialerOptions,
): Dialer | CampaignDialer {
  if (typeof options === 'object' && options !== null && 'store' in options && options.store) {
    return createCampaignDialer(options);
  }
  return createMemoryDialer(options as DialerOptions);
}
