/**
 * Stopping a durable campaign with retries: an entry keeps what its placed attempts did (their
 * outcome and call id), and its `attempts` count the attempts placed, in the process that
 * stopped it and in a dialer that reads the campaign back later.
 */
import type { Store } from '@ringkit/scheduler-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createStepProvider, until } from '../test/campaign-steps.js';
import { storeKinds } from '../test/stores.js';
import { createDialer } from './dialer.js';
import type { CampaignDialer, DialerEntry } from './types.js';

const CALLER_ID = '+14155550100';
const [P0, P1, P2, P3] = ['+14155552671', '+13018040009', '+12025550123', '+16175550199'];

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

/** What a reader of an entry looks at: its outcome, attempts, call id, and whether it ended. */
const outcome = (e: DialerEntry) => ({
  status: e.status,
  attempts: e.attempts,
  callId: e.callId,
  ended: e.endedAt !== null,
  started: e.startedAt !== null,
});

for (const kind of storeKinds()) {
  describe(`stopping a durable campaign on the ${kind.name} store`, () => {
    async function place() {
      const where = await kind.create();
      const stores: Store[] = [];
      cleanup.push(async () => {
        for (const store of new Set(stores)) await store.close();
        await where.dispose();
      });
      return () => {
        const store = where.open();
        stores.push(store);
        return store;
      };
    }

    it('keeps the outcome and call id of every attempt placed, and counts only those', async () => {
      const open = await place();
      // call-0: P0 busy (retried 150 ms later); call-1: P1, a long completed call, so P0's retry
      // is due when it ends; call-2: P0 busy again (its next retry far away); call-3: P2, held
      // until the campaign is stopped, then busy. P3 is never dialed.
      const steps = createStepProvider((n) =>
        n === 0 || n === 2
          ? { statuses: ['ringing', 'busy'] }
          : n === 1
            ? { statuses: ['ringing', 'answered', 'completed'], stepMs: 100 }
            : { statuses: null },
      );
      cleanup.push(steps.dispose);
      const dialer: CampaignDialer = createDialer({
        provider: steps.provider,
        store: open(),
        campaign: 'stopped-retries',
        numbers: [P0, P1, P2, P3],
        callerId: CALLER_ID,
        concurrency: 1,
        maxAttempts: 3,
        retryBackoff: { delayMs: 150, factor: 100, maxDelayMs: 3_600_000 },
        refreshIntervalMs: 20,
      });
      cleanup.push(() => dialer.close());
      steps.workers.push(dialer);
      await dialer.start();
      await until(
        () => steps.placed.length === 4 && dialer.snapshot().entries[2]!.callId === 'call-3',
        () => JSON.stringify({ placed: steps.placed, entries: dialer.snapshot().entries }),
      );
      expect(steps.placed).toEqual([P0, P1, P0, P2]);
      // Entry 0 waits for its third attempt; entry 2's call rings.
      await dialer.stop();
      steps.report('call-3', 'busy');
      await until(
        () => dialer.snapshot().state === 'done',
        () => JSON.stringify(dialer.snapshot()),
      );

      const expected = [
        { status: 'busy', attempts: 2, callId: 'call-2', ended: true, started: true },
        { status: 'completed', attempts: 1, callId: 'call-1', ended: true, started: true },
        // In flight at the stop: it ends with its outcome, never retried.
        { status: 'busy', attempts: 1, callId: 'call-3', ended: true, started: true },
        { status: 'canceled', attempts: 0, callId: null, ended: true, started: false },
      ];
      expect(dialer.snapshot().entries.map(outcome)).toEqual(expected);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(steps.placed).toHaveLength(4);

      // The store keeps each placed attempt's call id and outcome.
      const rows = await open().listCampaignCalls!('stopped-retries', { limit: 10 });
      const attempts = (i: number) =>
        rows[i]!.events!.filter((e) => e.providerCallId !== undefined).map((e) => [
          e.attempt,
          e.providerCallId,
        ]);
      expect(attempts(0)).toEqual([
        [1, 'call-0'],
        [2, 'call-2'],
      ]);
      expect(rows[0]!.events!.filter((e) => e.status === 'busy').map((e) => e.attempt)).toEqual([
        1, 2,
      ]);
      expect(attempts(2)).toEqual([[1, 'call-3']]);
      expect(rows[2]!.events!.filter((e) => e.status === 'busy').map((e) => e.attempt)).toEqual([
        1,
      ]);

      // A dialer that reads the campaign back later shows the same.
      const later = createDialer({
        provider: steps.provider,
        store: open(),
        campaign: 'stopped-retries',
        callerId: CALLER_ID,
      });
      cleanup.push(() => later.close());
      await later.start();
      expect(later.snapshot().entries.map(outcome)).toEqual(expected);
      expect(later.snapshot().entries).toEqual(dialer.snapshot().entries);
    });
  });
}
