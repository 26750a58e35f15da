/**
 * `dialAgain(name, again)`: a new campaign of the numbers whose entries ended missed or with their
 * outcome unknown, in list order, with their own call options and the first campaign's options.
 */
import {
  isInvalidOptionsError,
  RequestTimeoutError,
  type CallProvider,
  type CallStatus,
  type CallStatusEvent,
} from '@ringkit/call-client';
import { isCallNotFoundError, type Store } from '@ringkit/scheduler-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isCampaignExistsError, isNothingToDialAgainError } from '../errors.js';
import { storeKinds } from '../../test/stores.js';
import { createCampaigns } from './campaigns.js';
import type { Campaigns } from './types.js';

const CALLER_ID = '+14155550100';
const NUMBERS = ['+14155552671', '+13018040009', '+12025550123', '+16175550199', '+13125550147'];

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/**
 * A webhook provider whose call to each number ends as `outcomes` says (`unknown`: its request
 * times out, so the placement's outcome is unknown), reported to `route` 5 ms after the POST.
 * `placed` lists every request: the number and the message it carried.
 */
function provider(outcomes: Record<string, CallStatus | 'unknown'>) {
  const placed: { to: string; say: string | undefined }[] = [];
  const state = { route: (_event: CallStatusEvent): unknown => undefined };
  const calls: CallProvider = {
    name: 'scripted',
    capabilities: { polling: false, webhooks: true, options: ['say'] },
    async placeCall({ to, say }) {
      placed.push({ to, say });
      const outcome = outcomes[to] ?? 'completed';
      if (outcome === 'unknown') {
        throw new RequestTimeoutError({
          request: { method: 'POST', url: 'http://x/calls' },
          timeoutMs: 1,
        });
      }
      const id = `call-${placed.length}`;
      setTimeout(() => {
        // After `close()` a status is refused; the test is over then.
        Promise.resolve(
          state.route({ callId: id, status: outcome, providerStatus: outcome, at: new Date() }),
        ).catch(() => undefined);
      }, 5);
      return { id, status: 'initiated', providerStatus: 'queued', raw: {} };
    },
  };
  return { calls, placed, state };
}

for (const kind of storeKinds()) {
  describe(`dialAgain() on the ${kind.name} store`, () => {
    async function campaignsOn(outcomes: Record<string, CallStatus | 'unknown'>) {
      const where = await kind.create();
      const store: Store = where.open();
      const fake = provider(outcomes);
      const campaigns: Campaigns = createCampaigns({
        store,
        provider: fake.calls,
        callerId: CALLER_ID,
        refreshIntervalMs: 50,
        callTimeoutMs: 60_000,
      });
      fake.state.route = (event) => campaigns.handleStatus(event);
      cleanups.push(async () => {
        await campaigns.close();
        await store.close();
        await where.dispose();
      });
      await campaigns.start();
      const done = async (name: string) =>
        vi.waitFor(async () => expect((await campaigns.get(name)).state).toBe('done'), {
          timeout: 20_000,
        });
      return { campaigns, placed: fake.placed, done };
    }

    it('dials the missed and the unknown again, in list order, with their messages and the first options', async () => {
      const [a, b, c, d, e] = NUMBERS as [string, string, string, string, string];
      const { campaigns, placed, done } = await campaignsOn({
        [a]: 'completed',
        [b]: 'busy',
        [c]: 'unknown',
        [d]: 'no-answer',
        [e]: 'completed',
      });
      const list = [a, { phone: b, call: { say: 'Your order is ready' } }, c, d, e];
      await campaigns.create('renewals', list, { concurrency: 2, callsPerSecond: 50 });
      await done('renewals');
      const first = await campaigns.get('renewals');
      expect(first.progress).toMatchObject({ completed: 2, missed: 2, unknown: 1 });

      const again = await campaigns.dialAgain('renewals', 'renewals-again');
      expect(again.campaign).toMatchObject({ id: 'renewals-again', concurrency: 2 });
      expect(again.campaign.settings).toMatchObject({ callsPerSecond: 50 });
      await done('renewals-again');
      // The second campaign rang b, c and d once more, b with its message (two at a time: the
      // requests of one claim may leave in either order), and its entries are in list order.
      expect(placed).toHaveLength(8);
      expect(placed.slice(5)).toEqual(
        expect.arrayContaining([
          { to: b, say: 'Your order is ready' },
          { to: c, say: undefined },
          { to: d, say: undefined },
        ]),
      );
      const snapshot = await campaigns.snapshot('renewals-again');
      expect(snapshot.entries.map((entry) => entry.phone)).toEqual([b, c, d]);
      // What was reported of the first stays as it was.
      expect(await campaigns.get('renewals')).toMatchObject({
        state: 'done',
        progress: first.progress,
      });

      // Only those whose outcome is unknown, with a concurrency of its own.
      const unknown = await campaigns.dialAgain('renewals', 'unknown-only', {
        outcomes: ['unknown'],
        concurrency: 1,
      });
      expect(unknown.campaign.concurrency).toBe(1);
      await done('unknown-only');
      expect((await campaigns.snapshot('unknown-only')).entries.map((x) => x.phone)).toEqual([c]);
    }, 60_000);

    it('refuses, creating nothing, when nothing qualifies, the name is taken, the campaign is unknown, or an option is bad', async () => {
      const [a, b] = NUMBERS as [string, string];
      const { campaigns, done } = await campaignsOn({ [a]: 'completed', [b]: 'busy' });
      await campaigns.create('spring', [a, b]);
      await done('spring');
      const nothing = await campaigns
        .dialAgain('spring', 'spring-again', { outcomes: ['unknown'] })
        .catch((error: unknown) => error);
      expect(isNothingToDialAgainError(nothing)).toBe(true);
      expect(nothing).toMatchObject({ campaign: 'spring', outcomes: ['unknown'] });
      expect(String(nothing)).toContain(
        'No entry of campaign "spring" ended with its outcome unknown',
      );
      await campaigns.create('taken', [a]);
      const taken = await campaigns.dialAgain('spring', 'taken').catch((error: unknown) => error);
      expect(isCampaignExistsError(taken)).toBe(true);
      const unknown = await campaigns.dialAgain('autumn', 'x').catch((error: unknown) => error);
      expect(isCallNotFoundError(unknown)).toBe(true);
      for (const bad of [{ outcomes: [] }, { outcomes: ['answered'] }, { outcome: ['missed'] }]) {
        const refused = await campaigns
          .dialAgain('spring', 'spring-bad', bad as never)
          .catch((error: unknown) => error);
        expect(isInvalidOptionsError(refused), JSON.stringify(bad)).toBe(true);
      }
      const refusedByCreate = await campaigns
        .dialAgain('spring', 'spring-bad', { concurrency: 0 })
        .catch((error: unknown) => error);
      expect(isInvalidOptionsError(refusedByCreate)).toBe(true);
      const names = (await campaigns.list()).items.map((view) => view.campaign.id).sort();
      expect(names).toEqual(['spring', 'taken']);
    }, 60_000);
  });
}
