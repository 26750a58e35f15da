/**
 * The cases of `testStore()` for campaigns, run when a store offers the campaign methods: how a
 * campaign is stored and read, claimed, and paced.
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../store.js';
import { CAMPAIGN_METHODS } from './_capabilities.js';
import { campaignClaimCases } from './_campaign-claim-cases.js';
import { campaignMarkCases } from './_campaign-mark-cases.js';
import { campaignArchiveCases, campaignListCases } from './_campaign-list-cases.js';
import { campaignPacingCases } from './_campaign-pacing-cases.js';
import { campaignStoreCases } from './_campaign-store-cases.js';

/**
 * Registers the cases; `store()` is the store of the running test, `another()` a second
 * connection to its data (itself when the store has none), closed after the test.
 */
export function campaignCases(store: () => Store, another: () => Promise<Store>): void {
  describe('campaigns, when it offers the campaign methods', () => {
    it('offers every campaign method or none', () => {
      const offers = CAMPAIGN_METHODS.map((method) => typeof store()[method] === 'function');
      expect(offers).toEqual(offers.map(() => offers[0]));
    });

    campaignStoreCases(store);
    campaignListCases(store);
    campaignArchiveCases(store);
    campaignClaimCases(store, another);
    campaignMarkCases(store, another);
    campaignPacingCases(store);
  });
}
