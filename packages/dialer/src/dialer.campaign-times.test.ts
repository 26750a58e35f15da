/**
 * A durable campaign's times come from the store and never change once told: the worker that
 * placed a call, another worker of the campaign, and a dialer that reads the campaign back later
 * give each entry the same `startedAt`, `answeredAt` and `endedAt`.
 */
import type { Store } from '@ringkit/scheduler-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createStepProvider, until, type CallSteps } from '../test/campaign-steps.js';
import { storeKinds } from '../test/stores.js';
import { createDialer } from './dialer.js';
import type { CampaignDialer, CampaignDialerOptions, DialerEntry } from './types.js';

const CALLER_ID = '+14155550100';
const POOL = ['+14155552671', '+13018040009', '+12025550123', '+16175550199'];
const NUMBERS = Array.from({ length: 10 }, (_, i) => POOL[i % POOL.length]!);
const TIMES = ['startedAt', 'answeredAt', 'endedAt'] as const;

/** The calls' scripts, in turn: answered, busy, no answer, answered at once. */
const SCRIPTS: CallSteps[] = [
  { statuses: ['ringing', 'answered', 'completed'], stepMs: 20 },
  { statuses: ['ringing', 'busy'] },
  { statuses: ['ringing', 'no-answer'], stepMs: 15 },
  { statuses: ['answered', 'completed'], stepMs: 30 },
];

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

const timesOf = (e: DialerEntry) => TIMES.map((field) => e[field]?.getTime() ?? null);

for (const kind of storeKinds()) {
  describe(`a durable campaign's times on the ${kind.name} store`, () => {
    it('are the same in every worker and read back later, and never change once told', async () => {
      const where = await kind.create();
      const stores: Store[] = [];
      cleanup.push(async () => {
        for (const store of new Set(stores)) await store.close();
        await where.dispose();
      });
      const open = () => {
        const store = where.open();
        stores.push(store);
        return store;
      };
      const steps = createStepProvider((n) => SCRIPTS[n % SCRIPTS.length]!);
      cleanup.push(steps.dispose);
      const options: CampaignDialerOptions = {
        provider: steps.provider,
        store: open(),
        campaign: 'times',
        numbers: NUMBERS,
        callerId: CALLER_ID,
        concurrency: 2,
        maxAttempts: 2,
        retryBackoff: { delayMs: 300 },
        // Paced: a claimed entry waits for its turn before its request is marked and sent.
        callsPerSecond: 8,
        refreshIntervalMs: 10,
      };
      const workers: CampaignDialer[] = [
        createDialer({ ...options, workerId: 'a' }),
        createDialer({ ...options, store: open(), workerId: 'b' }),
      ];
      for (const worker of workers) cleanup.push(() => worker.close());
      steps.workers.push(...workers);

      /** Each worker's first value of each time it told, by `index:field`. */
      const told = workers.map(() => new Map<string, number>());
      const problems: string[] = [];
      const check = (w: number, entry: DialerEntry, where: string) => {
        TIMES.forEach((field, f) => {
          const value = timesOf(entry)[f]!;
          if (value === null) return;
          const key = `${entry.index}:${field}`;
          const first = told[w]!.get(key);
          if (first === undefined) told[w]!.set(key, value);
          else if (first !== value) {
            problems.push(`worker ${w} (${where}): entry ${key} told ${first}, then ${value}`);
          }
        });
      };
      const look = (w: number, where: string) => {
        for (const entry of workers[w]!.snapshot().entries) check(w, entry, where);
      };
      workers.forEach((worker, w) => {
        for (const event of ['status', 'progress', 'drained'] as const) {
          worker.on(event, () => look(w, event));
        }
        worker.on('finished', (entry) => check(w, entry, 'finished'));
      });
      const watching = setInterval(() => workers.forEach((_, w) => look(w, 'snapshot')), 2);
      cleanup.push(() => clearInterval(watching));

      for (const worker of workers) await worker.start();
      await until(
        () => steps.placed.length >= 6,
        () => `placed ${steps.placed.length}`,
      );
      // Stopped by the worker that did not necessarily place the calls in flight.
      await workers[1]!.stop();
      await until(
        () => workers.every((worker) => worker.snapshot().state === 'done'),
        () => JSON.stringify(workers.map((worker) => worker.snapshot())),
      );
      clearInterval(watching);
      workers.forEach((_, w) => look(w, 'end'));

      const later = createDialer({
        provider: steps.provider,
        store: open(),
        campaign: 'times',
        callerId: CALLER_ID,
      });
      cleanup.push(() => later.close());
      await later.start();
      const readBack = later.snapshot().entries;

      expect(problems).toEqual([]);
      for (const entry of readBack) {
        const times = timesOf(entry);
        for (const [w, worker] of workers.entries()) {
          const seen = worker.snapshot().entries[entry.index]!;
          expect({ worker: w, index: entry.index, times: timesOf(seen) }).toEqual({
            worker: w,
            index: entry.index,
            times,
          });
          TIMES.forEach((field, f) => {
            const first = told[w]!.get(`${entry.index}:${field}`);
            if (first !== undefined) expect(first).toBe(times[f]);
          });
        }
      }
      // The campaign had what the test is about: answered calls, retries, calls ended after the
      // stop, and entries the stop left undialed.
      expect(readBack.some((e) => e.answeredAt !== null)).toBe(true);
      expect(readBack.some((e) => e.attempts === 2)).toBe(true);
      expect(readBack.some((e) => e.status === 'canceled' && e.attempts === 0)).toBe(true);
      expect(readBack.every((e) => e.endedAt !== null)).toBe(true);
      expect(readBack.filter((e) => e.attempts > 0).every((e) => e.startedAt !== null)).toBe(true);
    });
  });
}
