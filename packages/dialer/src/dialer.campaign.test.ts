import { isDeepStrictEqual } from 'node:util';
import type { CallProvider, CallStatus } from '@ringkit/call-client';
import { isConflictError, isCallNotFoundError, type Store } from '@ringkit/scheduler-core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { storeKinds } from '../test/stores.js';
import { summaryOfDialer } from './campaign/_dialer.js';
import { summaryOf } from './campaign/_views.js';
import { createDialer } from './dialer.js';
import type { CampaignDialer, DialerEntryStatus } from './types.js';

const CALLER_ID = '+14155550100';
const POOL = ['+14155552671', '+13018040009', '+12025550123', '+16175550199'];
const TERMINAL = new Set<DialerEntryStatus>([
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
]);
const RANK: Record<string, number> = {
  idle: 0,
  dialing: 1,
  initiated: 2,
  ringing: 3,
  answered: 4,
};

/**
 * A webhook provider shared by every worker of a test: it answers each POST after `answerMs`,
 * and reports the call's end (`outcome(n)` for the n-th call) `ringMs` later to one of the
 * workers, as a load balancer would. It counts the calls live at the provider: from the POST to
 * the moment their end is reported.
 */
function createProvider(script: {
  outcome: (n: number) => CallStatus;
  delay: (n: number) => number;
}) {
  const workers: CampaignDialer[] = [];
  const state = { placed: [] as string[], live: 0, maxLive: 0, ended: 0 };
  const provider: CallProvider = {
    name: 'fake',
    capabilities: { polling: false, webhooks: true },
    async placeCall({ to }) {
      const n = state.placed.length;
      state.placed.push(to);
      state.live += 1;
      state.maxLive = Math.max(state.maxLive, state.live);
      const id = `call-${n}`;
      await new Promise((resolve) => setTimeout(resolve, script.delay(n) % 3));
      setTimeout(() => {
        state.live -= 1;
        state.ended += 1;
        const worker = workers[n % workers.length]!;
        worker.handleStatus({
          callId: id,
          status: script.outcome(n),
          providerStatus: script.outcome(n),
          at: new Date(),
        });
      }, script.delay(n));
      return { id, status: 'initiated', providerStatus: 'queued', raw: {} };
    },
  };
  return { provider, workers, state };
}

/** Resolves once the dialer drained (or its snapshot shows every entry ended). */
function drained(dialer: CampaignDialer): Promise<void> {
  return new Promise((resolve) => {
    const done = () => dialer.snapshot().entries.every((e) => e.endedAt !== null);
    if (dialer.snapshot().state === 'done') resolve();
    dialer.on('drained', () => resolve());
    const check = setInterval(() => {
      if (done() && dialer.snapshot().entries.length > 0) {
        clearInterval(check);
        resolve();
      }
    }, 20);
    dialer.on('drained', () => clearInterval(check));
  });
}

/** `promise`, or a failure saying what `describe` finds when it takes longer than `ms`. */
async function within<T>(ms: number, promise: Promise<T>, describe: () => Promise<string>) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void describe().then((what) => reject(new Error(`not drained within ${ms} ms: ${what}`)));
    }, ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (opened.length > 0) await opened.pop()!.close();
});

function track<T extends { close(): Promise<void> }>(x: T): T {
  opened.push(x);
  return x;
}

for (const kind of storeKinds()) {
  // Workers that share a store wait for each other's writes: a busy machine slows them all, and
  // a test's time is a bound on liveness, not a timing.
  describe(`durable campaigns on the ${kind.name} store`, { timeout: 120_000 }, () => {
    const place = async () => {
      const where = await kind.create();
      let disposed = false;
      opened.push({ close: async () => void (disposed || (await where.dispose())) });
      const stores: Store[] = [];
      const open = () => {
        const store = where.open();
        if (!stores.includes(store)) {
          stores.push(store);
          opened.push({
            close: async () => {
              if (!stores.includes(store)) return; // closed by dispose()
              stores.splice(stores.indexOf(store), 1);
              await store.close();
            },
          });
        }
        return store;
      };
      /** Closes this place's stores and removes it now (the property makes many). */
      const dispose = async () => {
        for (const store of stores.splice(0)) await store.close();
        disposed = true;
        await where.dispose();
      };
      return { open, dispose };
    };

    it('dials the list in order under the cap, records history, and drains', async () => {
      const { open } = await place();
      const numbers = [POOL[0]!, POOL[1]!, POOL[0]!, POOL[2]!, POOL[3]!];
      const { provider, workers, state } = createProvider({
        outcome: (n) => (n === 1 ? 'busy' : 'completed'),
        delay: (n) => 5 + ((n * 7) % 11),
      });
      const store = open();
      const dialer = track(
        createDialer({
          provider,
          store,
          campaign: 'spring',
          numbers,
          callerId: CALLER_ID,
          concurrency: 2,
          refreshIntervalMs: 20,
        }),
      );
      workers.push(dialer);
      const statuses: string[] = [];
      dialer.on('status', (e) => statuses.push(`${e.index}:${e.status}`));
      await dialer.start();
      await drained(dialer);
      expect(state.placed).toEqual(numbers);
      expect(state.maxLive).toBeLessThanOrEqual(2);
      const entries = dialer.snapshot().entries;
      expect(entries.map((e) => e.status)).toEqual([
        'completed',
        'busy',
        'completed',
        'completed',
        'completed',
      ]);
      expect(entries.every((e) => e.attempts === 1 && e.callId !== null)).toBe(true);
      expect(statuses).toContain('1:busy');
      // Every attempt is in history, as the scheduler's calls are.
      const history = await store.listCallLog({ phone: POOL[0]!, limit: 10 });
      expect(history.items).toHaveLength(2);
      expect(history.items.every((r) => r.from === CALLER_ID && r.to === POOL[0])).toBe(true);
    });

    it('retries busy and no-answer up to maxAttempts, ahead of the entries after it', async () => {
      const { open } = await place();
      const calls: CallStatus[] = ['busy', 'completed', 'no-answer', 'completed', 'completed'];
      const { provider, workers, state } = createProvider({
        outcome: (n) => calls[n] ?? 'completed',
        delay: () => 3,
      });
      const dialer = track(
        createDialer({
          provider,
          store: open(),
          campaign: 'retry',
          numbers: [POOL[0]!, POOL[1]!, POOL[2]!],
          callerId: CALLER_ID,
          concurrency: 1,
          maxAttempts: 2,
          refreshIntervalMs: 20,
        }),
      );
      workers.push(dialer);
      await dialer.start();
      await drained(dialer);
      // The retry of entry 0 goes before entry 1.
      expect(state.placed).toEqual([POOL[0], POOL[0], POOL[1], POOL[1], POOL[2]]);
      expect(dialer.snapshot().entries.map((e) => [e.status, e.attempts])).toEqual([
        ['completed', 2],
        ['completed', 2],
        ['completed', 1],
      ]);
    });

    it('joins a stored campaign, refuses another list, and says when there is none', async () => {
      const { open } = await place();
      const { provider, workers } = createProvider({ outcome: () => 'completed', delay: () => 2 });
      const store = open();
      const first = track(
        createDialer({
          provider,
          store,
          campaign: 'join',
          numbers: [POOL[0]!, POOL[1]!],
          callerId: CALLER_ID,
          refreshIntervalMs: 20,
        }),
      );
      workers.push(first);
      await first.pause().catch(() => undefined); // not created yet: nothing to pause
      await first.start();
      await drained(first);
      const other = createDialer({
        provider,
        store,
        campaign: 'join',
        numbers: [POOL[1]!, POOL[0]!],
        callerId: CALLER_ID,
      });
      const refused = await other.start().catch((error: unknown) => error);
      expect(isConflictError(refused) && refused.reason).toBe('campaign_mismatch');
      const joined = track(
        createDialer({ provider, store, campaign: 'join', callerId: CALLER_ID }),
      );
      await joined.start();
      expect(joined.snapshot().entries.map((e) => [e.phone, e.status])).toEqual([
        [POOL[0], 'completed'],
        [POOL[1], 'completed'],
      ]);
      expect(joined.snapshot().state).toBe('done');
      const missing = createDialer({ provider, store, campaign: 'nope', callerId: CALLER_ID });
      expect(isCallNotFoundError(await missing.start().catch((e: unknown) => e))).toBe(true);
    });

    it('pause, resume and stop are the campaign’s, seen by every worker', async () => {
      const { open } = await place();
      let release: (() => void) | null = null;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const { provider, workers, state } = createProvider({
        outcome: () => 'completed',
        delay: () => 2,
      });
      const slow: CallProvider = {
        ...provider,
        async placeCall(request) {
          if (state.placed.length >= 1) await gate;
          return provider.placeCall(request);
        },
      };
      const options = {
        provider: slow,
        campaign: 'held',
        numbers: POOL,
        callerId: CALLER_ID,
        concurrency: 1,
        refreshIntervalMs: 20,
      };
      const a = track(createDialer({ ...options, store: open() }));
      const b = track(createDialer({ ...options, store: open(), workerId: 'b' }));
      workers.push(a, b);
      await a.start();
      await b.start();
      await a.pause();
      release!();
      await b.refresh();
      expect(b.snapshot().state).toBe('paused');
      const before = state.placed.length;
      await new Promise((resolve) => setTimeout(resolve, 150));
      // At most the call claimed before the pause went out.
      expect(state.placed.length).toBeLessThanOrEqual(before + 1);
      await b.stop();
      await a.refresh();
      expect(a.snapshot().stopped).toBe(true);
      expect(isConflictError(await a.resume().catch((e: unknown) => e))).toBe(true);
      await drained(a);
      const entries = a.snapshot().entries;
      expect(entries.some((e) => e.status === 'canceled')).toBe(true);
      expect(entries.every((e) => TERMINAL.has(e.status))).toBe(true);
    });

    it('holds its invariants over random lists, outcomes, timings and workers', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.constantFrom(...POOL), { minLength: 1, maxLength: 8 }),
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: 2 }),
          fc.integer({ min: 1, max: 2 }),
          fc.array(fc.constantFrom<CallStatus>('completed', 'busy', 'no-answer', 'failed'), {
            minLength: 1,
            maxLength: 20,
          }),
          fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 1, maxLength: 20 }),
          async (numbers, concurrency, maxAttempts, workerCount, outcomes, delays) => {
            const { open, dispose } = await place();
            const { provider, workers, state } = createProvider({
              outcome: (n) => outcomes[n % outcomes.length]!,
              delay: (n) => delays[n % delays.length]!,
            });
            /** What each worker last told of each entry: its own events only move forward. */
            const seen = new Map<string, { attempt: number; rank: number }>();
            const problems: string[] = [];
            const dialers = Array.from({ length: workerCount }, (_, w) =>
              createDialer({
                provider,
                store: open(),
                campaign: 'prop',
                numbers,
                callerId: CALLER_ID,
                concurrency,
                maxAttempts,
                workerId: `w${w}`,
                refreshIntervalMs: 15,
              }),
            );
            /**
             * The tallies a dialer keeps as entries move (the views of `createCampaigns`) are
             * those of its entries counted one by one, after every move.
             */
            const tallied = (dialer: CampaignDialer, w: number) => {
              const kept = summaryOfDialer(dialer);
              const counted = summaryOf(dialer.snapshot());
              if (
                !isDeepStrictEqual(
                  [kept.progress, kept.attempts],
                  [counted.progress, counted.attempts],
                )
              ) {
                problems.push(
                  `worker ${w}: kept ${JSON.stringify([kept.progress, kept.attempts])}, counted ${JSON.stringify([counted.progress, counted.attempts])}`,
                );
              }
            };
            dialers.forEach((dialer, w) => {
              workers.push(dialer);
              for (const type of ['finished', 'progress', 'dialing'] as const) {
                dialer.on(type, () => tallied(dialer, w));
              }
              dialer.on('status', (e) => {
                tallied(dialer, w);
                // Within an attempt, statuses only move forward (in each worker's telling: a
                // worker tells what another did up to refreshIntervalMs later).
                const rank = TERMINAL.has(e.status) ? 5 : (RANK[e.status] ?? 0);
                const key = `${w}:${e.index}`;
                const last = seen.get(key);
                if (last && last.attempt === e.attempt && rank < last.rank && !e.willRetry) {
                  problems.push(`worker ${w}: entry ${e.index} went back to ${e.status}`);
                }
                seen.set(key, { attempt: e.attempt, rank });
              });
            });
            try {
              // Every worker joins before the first webhook can reach it.
              await Promise.all(dialers.map((dialer) => dialer.start()));
              await within(5000, Promise.all(dialers.map(drained)), async () => {
                const store = open();
                const rows = await store.listCampaignCalls!('prop', { limit: 100 });
                return JSON.stringify({
                  numbers,
                  concurrency,
                  maxAttempts,
                  workerCount,
                  placed: state.placed.length,
                  rows: rows.map((r) => [r.position, r.status, r.attempt, r.reason, r.leaseOwner]),
                  snapshots: dialers.map((d) => d.snapshot().entries.map((e) => e.status)),
                });
              });
              expect(problems).toEqual([]);
              expect(state.maxLive).toBeLessThanOrEqual(concurrency);
              // First attempts leave in list order; no entry is placed more than maxAttempts.
              const entries = dialers[0]!.snapshot().entries;
              const total = entries.reduce((n, e) => n + e.attempts, 0);
              expect(state.placed).toHaveLength(total);
              expect(entries.every((e) => e.attempts >= 1 && e.attempts <= maxAttempts)).toBe(true);
              expect(entries.every((e) => TERMINAL.has(e.status))).toBe(true);
              if (maxAttempts === 1) expect(state.placed).toEqual(numbers);
            } finally {
              for (const dialer of dialers) await dialer.close();
              await dispose();
            }
          },
        ),
        { numRuns: kind.name === 'memory' ? 40 : kind.name === 'sqlite' ? 15 : 8 },
      );
    }, 120_000);
  });
}
