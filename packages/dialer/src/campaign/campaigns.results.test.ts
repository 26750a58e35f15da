/**
 * `results(name)` reads a campaign's entries from the store a page at a time, each row read into
 * its entry as the dialers' mirror reads it: a campaign at rest yields what `snapshot()` shows.
 */
import type { CallStatusEvent } from '@ringkit/call-client';
import { isInvalidOptionsError } from '@ringkit/call-client';
import { isCallNotFoundError, type Store } from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { afterEach, describe, expect, it } from 'vitest';
import { createScriptedProvider } from '../../test/campaign-provider.js';
import { createStepProvider } from '../../test/campaign-steps.js';
import { storeKinds } from '../../test/stores.js';
import type { DialerEntry } from '../types.js';
import { createCampaigns } from './campaigns.js';
import type { Campaigns } from './types.js';

const CALLER_ID = '+14155550100';
const [P0, P1, P2, P3, P4] = [
  '+14155552671',
  '+13018040009',
  '+12025550123',
  '+16175550199',
  '+13125550147',
];

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function collect(results: AsyncIterable<DialerEntry>): Promise<DialerEntry[]> {
  const entries: DialerEntry[] = [];
  for await (const entry of results) entries.push(entry);
  return entries;
}

/** Resolves once `check()` resolves true, polling every 10 ms; fails with `what()` after `ms`. */
async function eventually(
  check: () => Promise<boolean>,
  what: () => Promise<string>,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${await what()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The store, with every `listCampaignCalls` call's `afterPosition` and `limit` noted. */
function counted(store: Store) {
  const reads: { afterPosition: number | null | undefined; limit: number }[] = [];
  const proxy = new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      if (key !== 'listCampaignCalls') return value.bind(target);
      return (id: string, query: { afterPosition?: number | null; limit: number }) => {
        reads.push({ afterPosition: query.afterPosition, limit: query.limit });
        return value.call(target, id, query);
      };
    },
  });
  return { store: proxy, reads };
}

for (const kind of storeKinds()) {
  describe(`results() on the ${kind.name} store`, () => {
    it('yields what snapshot() shows of a campaign at rest with retries and a stop, a page at a time', async () => {
      const where = await kind.create();
      const stores: Store[] = [];
      const open = () => {
        const store = where.open();
        stores.push(store);
        return store;
      };
      cleanups.push(async () => {
        for (const store of new Set(stores)) await store.close();
        await where.dispose();
      });
      // call-0: P0 busy (retried 150 ms later); call-1: P1, a long completed call, so P0's retry
      // is due when it ends; call-2: P0 busy again (its next retry far away); call-3: P2, held
      // until the campaign is stopped, then busy. P3 and P4 are never dialed.
      const steps = createStepProvider((n) =>
        n === 0 || n === 2
          ? { statuses: ['ringing', 'busy'] }
          : n === 1
            ? { statuses: ['ringing', 'answered', 'completed'], stepMs: 100 }
            : { statuses: null },
      );
      cleanups.push(steps.dispose);
      const campaigns = createCampaigns({
        store: open(),
        provider: steps.provider,
        callerId: CALLER_ID,
        refreshIntervalMs: 20,
      });
      cleanups.push(() => campaigns.close());
      steps.workers.push({
        handleStatus: (event: CallStatusEvent) => void campaigns.handleStatus(event),
      });
      await campaigns.create('spring', [P0, P1, P2, P3, P4], {
        concurrency: 1,
        maxAttempts: 3,
        retryBackoff: { delayMs: 150, factor: 100, maxDelayMs: 3_600_000 },
      });
      const entries = async () => (await campaigns.snapshot('spring')).entries;
      const shown = async () => JSON.stringify({ placed: steps.placed, entries: await entries() });
      await eventually(async () => (await entries())[2]?.callId === 'call-3', shown);
      await campaigns.stop('spring');
      steps.report('call-3', 'busy');
      await eventually(async () => (await entries()).every((e) => e.endedAt !== null), shown);

      const snapshot = await campaigns.snapshot('spring');
      expect(
        snapshot.entries.map((e) => [e.phone, e.status, e.attempts, e.callId, e.endedAt !== null]),
      ).toEqual([
        [P0, 'busy', 2, 'call-2', true],
        [P1, 'completed', 1, 'call-1', true],
        [P2, 'busy', 1, 'call-3', true],
        [P3, 'canceled', 0, null, true],
        [P4, 'canceled', 0, null, true],
      ]);
      expect(await collect(campaigns.results('spring'))).toEqual(snapshot.entries);

      // Another process reads the same, two entries a page: three pages for five entries, each
      // read only when the entries before it were taken.
      const { store, reads } = counted(open());
      const reader = createCampaigns({ store, provider: steps.provider, callerId: CALLER_ID });
      cleanups.push(() => reader.close());
      const pages = reader.results('spring', { pageSize: 2 })[Symbol.asyncIterator]();
      const taken: DialerEntry[] = [];
      const counts: number[] = [];
      for (let next = await pages.next(); !next.done; next = await pages.next()) {
        taken.push(next.value);
        counts.push(reads.length);
      }
      expect(counts).toEqual([1, 1, 2, 2, 3]);
      expect(reads).toEqual([
        { afterPosition: null, limit: 2 },
        { afterPosition: 1, limit: 2 },
        { afterPosition: 3, limit: 2 },
      ]);
      expect(taken).toEqual(snapshot.entries);
    });
  });
}

describe('results()', () => {
  const { provider } = createScriptedProvider({ outcome: () => 'completed' });
  const campaigns = (): Campaigns => {
    const made = createCampaigns({ store: createMemoryStore(), provider, callerId: CALLER_ID });
    cleanups.push(() => made.close());
    return made;
  };

  it('rejects the first next() with CallNotFoundError for a campaign that does not exist', async () => {
    const results = campaigns().results('nobody')[Symbol.asyncIterator]();
    const error = await results.next().catch((e: unknown) => e);
    expect(isCallNotFoundError(error)).toBe(true);
    expect((error as Error).message).toContain('nobody');
  });

  it('refuses a page size that is not a whole number from 1 to 10,000, and unknown options', () => {
    const list = campaigns();
    for (const options of [{ pageSize: 0 }, { pageSize: 2.5 }, { pageSize: 10_001 }, { size: 2 }]) {
      const error = (() => {
        try {
          list.results('any', options as { pageSize?: number });
        } catch (e) {
          return e;
        }
      })();
      expect(isInvalidOptionsError(error)).toBe(true);
    }
  });
});
