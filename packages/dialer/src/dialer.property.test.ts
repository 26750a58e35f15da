import {
  HttpError,
  RequestTimeoutError,
  statusRank,
  type CallProvider,
  type CallStatus,
  type ProviderCall,
} from '@ringkit/call-client';
import type { Store } from '@ringkit/scheduler-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeClock } from '@ringkit/call-client/testing';
import { holdSharedDatabaseLock } from '../test/crash-harness.js';
import { storeKinds, TEST_DATABASE_URL, type StoreKind } from '../test/stores.js';
import { providerCall, statusEvent, T0 } from '../test/utils.js';
import { createMemoryDialer } from './_memory.js';
import { createDialer } from './dialer.js';
import type { Dialer, DialerEntryStatus, DialerOptions } from './types.js';

const POOL = ['+14155552671', '+13018040009', '+12025550123'];
const IN_FLIGHT = new Set<DialerEntryStatus>(['dialing', 'initiated', 'ringing', 'answered']);
const REQUEST = { method: 'POST', url: 'http://provider.test/call' };

/** An entry's status in an attempt's lifecycle: call-client's ranks, `idle` before them all. */
function entryRank(status: DialerEntryStatus): number {
  if (status === 'idle') return -1;
  return statusRank(status === 'dialing' ? 'queued' : status);
}

/** The rank every terminal status shares. */
const TERMINAL_RANK = statusRank('completed');

/** What the fake provider does with one `placeCall` invocation. */
const scriptArb = fc.record({
  post: fc.constantFrom('ok', 'ok', 'ok', 'ok', 'fail-safe', 'fail-unsafe', 'unsafe-placed'),
  postStatus: fc.constantFrom<CallStatus>('initiated', 'queued', 'ringing'),
  path: fc.subarray<CallStatus>(['ringing', 'answered']),
  outcome: fc.constantFrom<CallStatus | 'never'>(
    'completed',
    'busy',
    'no-answer',
    'failed',
    'canceled',
    'never',
  ),
  duplicates: fc.array(fc.nat(), { maxLength: 2 }),
  check: fc.constantFrom<CallStatus | 'error'>('completed', 'ringing', 'error'),
});
type Script = typeof scriptArb extends fc.Arbitrary<infer T> ? T : never;

const actionArb = fc.record({
  at: fc.nat({ max: 40 }),
  kind: fc.constantFrom('pause', 'resume', 'stop', 'hangup', 'concurrency'),
  value: fc.integer({ min: 1, max: 5 }),
});

/**
 * The status an attempt ends with, and whether `maxAttempts` may follow it with another. A POST
 * whose outcome is unknown ends `failed`, even when the provider placed the call: its webhooks
 * carry an id no answer gave, and are never taken as its own.
 */
function outcomesOf(script: Script, withGetCall: boolean): [DialerEntryStatus[], boolean] {
  if (script.post !== 'ok') return [['failed'], script.post === 'fail-safe'];
  const [status, redialable] = outcomeOf(script, withGetCall);
  return [[status], redialable];
}

function outcomeOf(script: Script, withGetCall: boolean): [DialerEntryStatus, boolean] {
  if (script.outcome === 'never') {
    return [withGetCall && script.check === 'completed' ? 'completed' : 'failed', false];
  }
  const status = script.outcome as DialerEntryStatus;
  return [status, ['busy', 'no-answer', 'failed'].includes(status)];
}

/**
 * A store whose calls are counted while they are under way: a step has settled once none is, the
 * store's I/O included (SQLite's and PostgreSQL's answers come from outside the event loop's turn).
 */
function counted(store: Store): { store: Store; busy: () => number } {
  let busy = 0;
  const proxy = new Proxy(store, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = value.apply(target, args);
        if (!(result instanceof Promise)) return result;
        busy += 1;
        return result.finally(() => (busy -= 1));
      };
    },
  });
  return { store: proxy, busy: () => busy };
}

/**
 * Where a run's dialer lives. On memory it is `createDialer`'s own, a fresh store each run. On
 * SQLite and PostgreSQL it is the same dialer over one store for every run: each run's campaign
 * and provider have names of their own there, so no run sees another's calls.
 */
interface Place {
  dialer(options: DialerOptions, run: number): Dialer;
  /** Store calls under way. */
  busy(): number;
}

/** Runs per store: SQLite's and PostgreSQL's cost their I/O at every step. */
const RUNS = { memory: 300, sqlite: 200, postgres: 100 } as const;

for (const kind of storeKinds()) {
  describe(`dialer invariants on the ${kind.name} store`, () => {
    let place: Place;
    let done = async () => {};
    beforeAll(async () => {
      if (kind.name === 'memory') {
        place = { dialer: (options) => createDialer(options), busy: () => 0 };
        return;
      }
      [place, done] = await sharedPlace(kind);
    }, 60_000);
    afterAll(() => done(), 60_000);

    it(
      'holds over random completion orders, early, duplicate and late webhooks, failed POSTs, timeouts and hang-ups',
      () => invariants(place, RUNS[kind.name]),
      300_000,
    );
  });
}

/** One store for every run of a kind, closed and removed after the last. */
async function sharedPlace(kind: StoreKind): Promise<[Place, () => Promise<void>]> {
  // PostgreSQL: never under a test that restarts the server (scheduler-core's, crash tests').
  const release =
    kind.name === 'postgres' ? await holdSharedDatabaseLock(TEST_DATABASE_URL!) : undefined;
  const where = await kind.create();
  const opened = where.open();
  const { store, busy } = counted(opened);
  const place: Place = {
    dialer: (options, run) =>
      createMemoryDialer(
        { ...options, provider: { ...options.provider, name: `dialer-${run}` } },
        { store, campaign: `dialer-${run}` },
      ),
    busy,
  };
  return [
    place,
    async () => {
      await opened.close();
      await where.dispose();
      await release?.();
    },
  ];
}

async function invariants(place: Place, numRuns: number): Promise<void> {
  /** Lets what the dialer was told run until it waits on something outside: a step settles. */
  const settle = async () => {
    for (let quiet = 0; quiet < 10; quiet = place.busy() === 0 ? quiet + 1 : 0)
      await new Promise<void>((resolve) => setImmediate(resolve));
  };
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.scheduler(),
      fc.array(fc.constantFrom(...POOL), { maxLength: 10 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 3 }),
      fc.boolean(),
      fc.array(scriptArb, { maxLength: 30 }),
      fc.array(actionArb, { maxLength: 3 }),
      async (s, numbers, concurrency, maxAttempts, withGetCall, scripts, actions) => {
        const clock = createFakeClock(T0);
        const script = (n: number): Script =>
          scripts[n] ?? { ...scriptArb_default, outcome: 'completed' };
        const placedTo: string[] = [];
        const invocationEntry: number[] = [];
        /**
         * The concurrency in force, and the last one asked for until the step settles (the caps
         * asked in one step are one write of the last: one replaced in the step is never in force).
         */
        let limit = concurrency;
        let asked = concurrency;
        /** Assertions that failed where the dialer would catch them (listeners, placeCall). */
        const problems: unknown[] = [];
        const guard = (check: () => void) => {
          try {
            check();
          } catch (error) {
            problems.push(error);
          }
        };

        /** Slots taken: calls in flight, and calls whose placement's outcome is unknown. */
        const inFlight = () =>
          dialer.snapshot().entries.filter((entry) => IN_FLIGHT.has(entry.status) || entry.inDoubt)
            .length;

        /** Some entry holds a slot: a call in flight, or one whose placement is in doubt. */
        const anyInFlight = () => inFlight() > 0;

        /** While entries remain and the dialer runs, every slot is taken. */
        const checkSlots = () => {
          const { state, entries } = dialer.snapshot();
          const waiting = entries.some(
            (e) => e.endedAt === null && !IN_FLIGHT.has(e.status) && !e.inDoubt,
          );
          if (state === 'running' && waiting) expect(inFlight()).toBeGreaterThanOrEqual(limit);
        };

        const provider: CallProvider = {
          name: 'scheduled',
          capabilities: { polling: false, webhooks: true },
          placeCall({ to }) {
            const n = placedTo.length;
            placedTo.push(to);
            guard(() => expect(inFlight()).toBeLessThanOrEqual(Math.max(limit, asked)));
            const sc = script(n);
            const id = `id${n}`;
            if (sc.post === 'ok' || sc.post === 'unsafe-placed') {
              const hooks = [...sc.path, ...(sc.outcome === 'never' ? [] : [sc.outcome])];
              for (const d of sc.duplicates)
                if (hooks.length > 0) hooks.push(hooks[d % hooks.length]!);
              for (const status of hooks) {
                void s.schedule(Promise.resolve(), `webhook ${id} ${status}`).then(() => {
                  dialer.handleStatus(statusEvent(id, status));
                });
              }
            }
            return s.schedule(Promise.resolve(), `post ${id}`).then((): ProviderCall => {
              if (sc.post === 'fail-safe') {
                throw new HttpError({
                  status: 503,
                  request: REQUEST,
                  body: '',
                  headers: new Headers(),
                  attempts: 4,
                });
              }
              if (sc.post === 'fail-unsafe' || sc.post === 'unsafe-placed')
                throw new RequestTimeoutError({ request: REQUEST, timeoutMs: 1 });
              return providerCall(id, sc.postStatus);
            });
          },
        };
        /**
         * Ids `cancelCall` (their entries may end `canceled` instead) and `hangUpCall` (they
         * may end `completed` instead) were invoked for.
         */
        const canceled = new Set<string>();
        const hungUp = new Set<string>();
        provider.cancelCall = (id) => {
          canceled.add(id);
          return s
            .schedule(Promise.resolve(), `cancel ${id}`)
            .then(() => providerCall(id, 'canceled'));
        };
        provider.hangUpCall = (id) => {
          hungUp.add(id);
          return s
            .schedule(Promise.resolve(), `hang up ${id}`)
            .then(() => providerCall(id, 'completed'));
        };
        if (withGetCall) {
          provider.getCall = (id) =>
            s.schedule(Promise.resolve(), `getCall ${id}`).then(() => {
              const sc = script(Number(id.slice(2)));
              if (sc.check === 'error') throw new Error('status unavailable');
              return providerCall(id, sc.check);
            });
        }

        run += 1;
        const dialer: Dialer = place.dialer(
          { provider, numbers, concurrency, maxAttempts, clock, callTimeoutMs: 60_000 },
          run,
        );
        const lastRank = new Map<string, number>();
        const idEntry = new Map<string, number>();
        let drained = 0;
        dialer.on('dialing', (event) => invocationEntry.push(event.index));
        dialer.on('drained', () => (drained += 1));
        dialer.on('error', (event) => {
          if (event.source === 'listener') problems.push(event.error);
        });
        dialer.on('status', (event) => {
          const key = `${event.index}/${event.attempt}`;
          const rank = entryRank(event.status);
          const last = lastRank.get(key) ?? -1;
          // Within an attempt, statuses only move forward: an end is never told twice.
          expect(rank).toBeGreaterThan(last);
          lastRank.set(key, rank);
          if (event.callId !== null) {
            expect(idEntry.get(event.callId) ?? event.index).toBe(event.index);
            idEntry.set(event.callId, event.index);
          }
        });

        dialer.start();
        await settle();
        checkSlots();
        let stopped = false;
        for (let step = 0; dialer.snapshot().state !== 'done'; step += 1) {
          expect(step).toBeLessThan(2000);
          for (const action of actions.filter((a) => a.at === step)) {
            if (action.kind === 'pause') dialer.pause();
            if (action.kind === 'resume' && !stopped) dialer.resume();
            if (action.kind === 'stop') [stopped] = [true, dialer.stop()];
            if (action.kind === 'hangup') [stopped] = [true, dialer.stop({ hangUp: true })];
            if (action.kind === 'concurrency') dialer.setConcurrency((asked = action.value));
          }
          await settle();
          limit = asked;
          checkSlots();
          if (dialer.snapshot().state === 'done') break;
          if (s.count() > 0) {
            await s.waitNext(1);
          } else if (dialer.snapshot().state === 'paused' && !anyInFlight()) {
            // Nothing can happen any more but a resume.
            dialer.resume();
          } else {
            // The next instant a timer waits for, with every timer due then.
            expect(clock.runNext()).toBe(true);
            await clock.flush();
          }
          await settle();
          checkSlots();
          expect(problems).toEqual([]);
        }

        // Calls are placed in list order (first attempts), each for its own entry's number.
        const snapshot = dialer.snapshot();
        const firsts = invocationEntry.filter((index, n) => invocationEntry.indexOf(index) === n);
        expect(firsts).toEqual(firsts.map((_, i) => i));
        expect(placedTo).toEqual(invocationEntry.map((index) => numbers[index]));
        expect(drained).toBe(1);
        // Every entry ends terminal, with the outcome of its last attempt.
        snapshot.entries.forEach((entry) => {
          expect(entryRank(entry.status)).toBe(TERMINAL_RANK);
          expect(entry.endedAt).not.toBeNull();
          const mine = invocationEntry.flatMap((index, n) => (index === entry.index ? [n] : []));
          expect(mine).toHaveLength(entry.attempts);
          if (entry.attempts === 0) return expect(entry.status).toBe('canceled');
          expect(entry.attempts).toBeLessThanOrEqual(maxAttempts);
          const outcomes = mine.map((n) => outcomesOf(script(n), withGetCall));
          // No attempt follows one that may have placed a call.
          outcomes.slice(0, -1).forEach(([, redialable]) => expect(redialable).toBe(true));
          const [last, redialable] = outcomes.at(-1)!;
          // A call canceled ends `canceled`, one hung up `completed`, unless it had ended on
          // its own first.
          if (entry.callId !== null && canceled.has(entry.callId)) last.push('canceled');
          if (entry.callId !== null && hungUp.has(entry.callId)) last.push('completed');
          expect(last).toContain(entry.status);
          expect(entry.inDoubt).toBe(false);
          if (redialable && entry.attempts < maxAttempts) expect(stopped).toBe(true);
          const n = mine.at(-1)!;
          if (script(n).post === 'ok') expect(entry.callId).toBe(`id${n}`);
          if (script(n).post !== 'ok') expect([null, `id${n}`]).toContain(entry.callId);
        });
        // Every provider id maps to exactly one entry: the one whose POST got it.
        for (const [id, index] of idEntry) {
          expect(invocationEntry[Number(id.slice(2))]).toBe(index);
        }
      },
    ),
    // FC_SEED=<seed> replays the runs of a seed a failure printed.
    { numRuns, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}) },
  );
}

const scriptArb_default: Script = {
  post: 'ok',
  postStatus: 'initiated',
  path: ['ringing', 'answered'],
  outcome: 'completed',
  duplicates: [],
  check: 'completed',
};
