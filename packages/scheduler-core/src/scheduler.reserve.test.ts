/**
 * What the scheduler claims for its places. On a store whose claim marks (`capabilities.marks`: the
 * built-in ones), a claim takes only the places free, and marks every call it takes: nothing
 * waits leased and unmarked. On a store without it, the scheduler claims calls ahead (up to
 * `concurrency` more than it has places for): a place that frees goes to the next of them without
 * a claim on the way, never more than `concurrency` requests are in flight, and what was claimed
 * ahead is handed back on stop and placed once.
 */
import { createFakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider } from '@ringkit/simulator';
import { describe, expect, it } from 'vitest';
import { countingStore, deferred, withoutClaimMarks } from '../test/fakes.js';
import { createScheduler } from './scheduler.js';
import { createMemoryStore } from './stores/memory/memory.js';
import { createSqliteStore } from './stores/sqlite/sqlite.js';
import type { Store } from './store.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const ME = '+14155550100';
const numbers = (n: number) => Array.from({ length: n }, (_, i) => `+1415555${2600 + i}`);

/** A fake provider whose n-th placement is answered (`completed`) once `holds[n]` resolves. */
function heldProvider(count: number) {
  const clock = createFakeClock(T0);
  const holds = numbers(count).map(() => deferred());
  const provider = createFakeProvider({
    clock,
    follow: 'webhooks',
    initialStatus: () => 'completed',
    onPlace: (_to, n) => holds[n]!.promise,
  });
  return { clock, holds, provider };
}

/** A scheduler of two places on `store`, whose store calls are counted. */
function twoPlaces(store: Store, held: ReturnType<typeof heldProvider>) {
  const counting = countingStore(store);
  const scheduler = createScheduler({
    store: counting.store,
    provider: held.provider,
    clock: held.clock,
    callerId: ME,
    concurrency: 2,
    recheckIntervalMs: 0,
  });
  return { counting, scheduler };
}

const stores: [string, () => Store][] = [
  ['memory', () => createMemoryStore()],
  ['sqlite', () => createSqliteStore({ path: ':memory:' })],
];

describe.each(stores)('a store whose claim marks (%s): nothing claimed ahead', (_name, create) => {
  it('claims only the places free, marked by the claim, and refills a freed place with a claim', async () => {
    const held = heldProvider(5);
    const { clock, holds, provider } = held;
    const inner = create();
    const { counting, scheduler } = twoPlaces(inner, held);
    await scheduler.scheduleMany(numbers(5).map((to, i) => ({ to, at: new Date(T0 + 1000 + i) })));
    await clock.advance(1010);
    counting.reset();
    await scheduler.start();
    await clock.flush();
    // Two places, two calls claimed, both sent, both marked by their claim: no write of a mark.
    expect(provider.placed.map((p) => p.request.to)).toEqual(numbers(2));
    expect(counting.counts).toMatchObject({ 'claimDue(mark)': 1 });
    expect(counting.counts.claimDue).toBeUndefined();
    const queued = (await inner.list({ status: 'queued', limit: 10 })).items;
    expect(queued.map((row) => row.to).sort()).toEqual(numbers(2));
    expect(queued.every((row) => row.placingAt === T0 + 1010)).toBe(true);
    // A place frees: the next call is claimed, marked and sent, and still nothing waits.
    holds[0]!.resolve();
    await clock.flush();
    expect(provider.placed.map((p) => p.request.to)).toEqual(numbers(3));
    expect(counting.counts['claimDue(mark)']).toBe(2);
    const live = (await inner.list({ status: 'queued', limit: 10 })).items;
    expect(live.filter((row) => row.placingAt === null)).toEqual([]);
    for (const hold of holds) hold.resolve();
    await clock.advance(100);
    expect(provider.placed.map((p) => p.request.to)).toEqual(numbers(5));
    expect(provider.maxInFlight).toBe(2);
    await scheduler.stop();
  });
});

describe.each(stores)(
  'a store whose claim cannot mark (%s): calls claimed ahead',
  (_name, make) => {
    const create = () => withoutClaimMarks(make());
    it('sends the next call as soon as a place frees, with no claim in between, concurrency at most', async () => {
      const held = heldProvider(6);
      const { clock, holds, provider } = held;
      // Every claim after the first waits until `claims` is resolved: a request that leaves
      // meanwhile did not wait for one.
      const inner = create();
      const claims = deferred();
      let claimed = 0;
      const slowClaims: Store = Object.assign(Object.create(inner) as Store, {
        async claimDue(...args: Parameters<Store['claimDue']>) {
          if (claimed++ > 0) await claims.promise;
          return inner.claimDue(...args);
        },
      });
      const { counting, scheduler } = twoPlaces(slowClaims, held);
      // Due a millisecond apart (placed in that order), all due by the time the scheduler starts.
      await scheduler.scheduleMany(
        numbers(6).map((to, i) => ({ to, at: new Date(T0 + 1000 + i) })),
      );
      await clock.advance(1010);
      counting.reset();
      await scheduler.start();
      await clock.flush();
      // Two requests out, two more claimed ahead: one claim.
      expect(provider.placed.map((p) => p.request.to)).toEqual(numbers(2));
      expect(counting.counts.claimDue).toBe(1);
      expect(claimed).toBe(1);
      expect((await scheduler.list({ status: 'queued' })).items).toHaveLength(4);
      // The two sent at once were marked (by a write of their own), not the two taken ahead.
      const rows = (await inner.list({ limit: 10 })).items;
      const marked = rows.filter((row) => row.placingAt === T0 + 1010).map((row) => row.to);
      expect(marked.sort()).toEqual(numbers(2));
      expect(rows.filter((row) => row.status === 'queued' && row.placingAt === null)).toHaveLength(
        2,
      );
      holds[0]!.resolve();
      // The third request leaves on the answer of the first, while the claim it prompted waits.
      await clock.flush();
      expect(provider.placed.map((p) => p.request.to)).toEqual(numbers(3));
      expect(claimed).toBe(2);
      holds[1]!.resolve();
      await clock.flush();
      expect(provider.placed.map((p) => p.request.to)).toEqual(numbers(4));
      claims.resolve();
      for (const hold of holds) hold.resolve();
      await clock.advance(100);
      expect(provider.placed.map((p) => p.request.to)).toEqual(numbers(6));
      expect(provider.maxInFlight).toBe(2);
      await scheduler.stop();
    });

    it('hands back the calls claimed ahead on stop: another start places each once', async () => {
      const clock = createFakeClock(T0);
      const first = deferred();
      const provider = createFakeProvider({
        clock,
        follow: 'webhooks',
        initialStatus: () => 'completed',
        onPlace: (_to, n) => (n === 0 ? first.promise : undefined),
      });
      const store = create();
      const options = {
        store,
        provider,
        clock,
        callerId: ME,
        concurrency: 1,
        recheckIntervalMs: 0,
      };
      const scheduler = createScheduler(options);
      await scheduler.start();
      await scheduler.scheduleMany(numbers(3).map((to) => ({ to, at: new Date(T0 + 1000) })));
      await clock.advance(1000);
      expect(provider.placed).toHaveLength(1);
      const stopping = scheduler.stop();
      first.resolve();
      await stopping;
      // The two claimed ahead were not sent, and are free for any worker.
      expect(provider.placed).toHaveLength(1);
      const waiting = (await store.list({ limit: 10 })).items.filter((c) => c.leaseOwner !== null);
      expect(waiting).toEqual([]);
      const again = createScheduler(options);
      await again.start();
      await clock.advance(100);
      expect(provider.placed.map((p) => p.request.to).sort()).toEqual(numbers(3));
      await again.stop();
    });
  },
);
