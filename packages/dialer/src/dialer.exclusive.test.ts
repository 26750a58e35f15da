import { isConflictError, type Store } from '@ringkit/scheduler-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createScriptedProvider } from '../test/campaign-provider.js';
import { storeKinds } from '../test/stores.js';
import { createDialer } from './dialer.js';
import type { CampaignDialer } from './types.js';

const CALLER_ID = '+14155550100';
const LIST = ['+14155552671', '+13018040009'];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

for (const kind of storeKinds()) {
  describe(`createDialer({ exclusive: true }) on the ${kind.name} store`, () => {
    it('creates the campaign in exactly one of concurrent starts, across connections; the rest get campaign_exists', async () => {
      const where = await kind.create();
      const stores: Store[] = [];
      cleanups.push(async () => {
        for (const store of new Set(stores)) await store.close();
        await where.dispose();
      });
      const { provider } = createScriptedProvider({ outcome: () => 'completed' });
      const dialers: CampaignDialer[] = Array.from({ length: 6 }, (_, i) => {
        const store = where.open();
        stores.push(store);
        const dialer = createDialer({
          provider,
          store,
          campaign: 'only-one',
          // Half give the same list: an identical one is refused all the same.
          numbers: i % 2 === 0 ? LIST : [LIST[0]!],
          callerId: CALLER_ID,
          exclusive: true,
        });
        cleanups.push(() => dialer.close());
        return dialer;
      });
      const results = await Promise.allSettled(dialers.map((dialer) => dialer.start()));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') {
          expect(isConflictError(result.reason) && result.reason.reason).toBe('campaign_exists');
        }
      }
      // Without `exclusive`, the same list joins the stored campaign.
      const winner = results.findIndex((r) => r.status === 'fulfilled');
      const store = where.open();
      stores.push(store);
      const joiner = createDialer({
        provider,
        store,
        campaign: 'only-one',
        numbers: winner % 2 === 0 ? LIST : [LIST[0]!],
        callerId: CALLER_ID,
      });
      cleanups.push(() => joiner.close());
      await expect(joiner.start()).resolves.toBeUndefined();
    });
  });
}
