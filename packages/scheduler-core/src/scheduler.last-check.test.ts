/**
 * The law at the instant of placement: whatever waits between a call's claim and its request (a
 * pacing turn, a place under the cap, the provider client's own pacer or a retry's delay), the
 * do-not-call list and the calling window are checked again as the last step before it leaves.
 */
import {
  isPlacementWithheldError,
  PlacementWithheldError,
  type CallProvider,
  type PlaceCallRequest,
  type ProviderCall,
} from '@ringkit/call-client';
import { createFakeClock, type FakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider } from '@ringkit/simulator';
import { describe, expect, it } from 'vitest';
import { deferred } from '../test/fakes.js';
import { createMemoryStore } from './stores/memory/memory.js';
import { createScheduler } from './scheduler.js';
import type { Store } from './store.js';
import { createSuppressionList, type SuppressionList } from './suppressions.js';
import { LIST_FRESH_MS, WINDOW_MARGIN_MS } from './dispatch/_last-check.js';

const CALLER = '+14155550100';
const T0 = Date.parse('2026-03-09T12:00:00Z');
const numbers = (count: number) =>
  Array.from({ length: count }, (_, i) => `+1415555${String(2000 + i)}`);

/**
 * A scheduler on a fake clock over `store`, with a webhook-followed fake provider; `onPlace` runs
 * at each placement, with the clock and the list.
 */
function setup(
  options: {
    callsPerSecond?: number;
    concurrency?: number;
    store?: Store;
    onPlace?: (phone: string, parts: { clock: FakeClock; list: SuppressionList }) => void;
  } = {},
) {
  const clock = createFakeClock(T0);
  const store = options.store ?? createMemoryStore();
  const list = createSuppressionList({ store, clock });
  const { onPlace } = options;
  const provider = createFakeProvider({
    clock,
    follow: 'webhooks',
    ...(onPlace ? { onPlace: (phone: string) => onPlace(phone, { clock, list }) } : {}),
  });
  const scheduler = createScheduler({
    store,
    provider,
    clock,
    callerId: CALLER,
    ...(options.callsPerSecond === undefined ? {} : { callsPerSecond: options.callsPerSecond }),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
  });
  return { clock, store, provider, list, scheduler };
}

describe('the do-not-call list at the instant of placement', () => {
  it('ends suppressed a paced call whose number was listed while it waited for its turn', async () => {
    const to = numbers(5);
    // Each placement lists the next number 250 ms later: after its claim reserved its turn
    // (a turn is 1.1 s long), before that turn comes.
    const { clock, provider, scheduler } = setup({
      callsPerSecond: 1,
      concurrency: 5,
      onPlace: (phone, { clock, list }) => {
        const next = to[to.indexOf(phone) + 1];
        if (next !== undefined) clock.setTimeout(() => void list.suppress(next), 250);
      },
    });
    const suppressed: string[] = [];
    scheduler.on('suppressed', (e) => suppressed.push(e.call.to));
    await scheduler.start();
    await scheduler.scheduleMany(
      to.map((phone, i) => ({ to: phone, at: new Date(T0 + 1000 + i) })),
    );
    await clock.advance(10_000);
    const placed = provider.placed.map((p) => p.to);
    expect(placed).toEqual([to[0], to[2], to[4]]);
    expect(suppressed).toEqual([to[1], to[3]]);
    for (const phone of [to[1]!, to[3]!]) {
      const [call] = (await scheduler.list({ to: phone, limit: 1 })).items;
      expect(call).toMatchObject({ status: 'suppressed', reason: 'suppressed' });
      // The mark written before the request is taken back: it never left.
      expect(call!.events.map((e) => e.status)).toEqual(['scheduled', 'suppressed']);
    }
    await scheduler.stop();
  });

  it("reads the list again only when the claim's reading is older than LIST_FRESH_MS", async () => {
    const store = createCountingStore();
    const { clock, provider, scheduler } = setup({ store, concurrency: 5 });
    await scheduler.start();
    await scheduler.scheduleMany(numbers(3).map((to) => ({ to, at: new Date(T0 + 1000) })));
    await clock.advance(1000);
    // Unpaced, the requests leave at the claim's instant: its reading serves them.
    expect(provider.placed).toHaveLength(3);
    expect(store.reads).toBe(0);
    await scheduler.stop();

    const pacedStore = createCountingStore();
    const paced = setup({ store: pacedStore, callsPerSecond: 2, concurrency: 5 });
    await paced.scheduler.start();
    await paced.scheduler.scheduleMany(
      numbers(3).map((to, i) => ({ to, at: new Date(T0 + 1000 + i) })),
    );
    await paced.clock.advance(1000);
    await paced.clock.advance(3000);
    expect(paced.provider.placed).toHaveLength(3);
    // The first leaves at its claim; the next two waited 550 and 1100 ms for their turns.
    expect(LIST_FRESH_MS).toBeLessThan(550);
    expect(pacedStore.reads).toBe(2);
    await paced.scheduler.stop();
  });

  it("checks again after the provider client's own wait (its pacer, a retry's delay)", async () => {
    const clock = createFakeClock(T0);
    const store = createMemoryStore();
    const list = createSuppressionList({ store, clock });
    const gate = deferred();
    const sent: string[] = [];
    // A client that waits (its pacer) inside placeCall, then runs beforeSend as ringkit's do.
    const provider: CallProvider = {
      name: 'waiting',
      capabilities: { polling: false, webhooks: true },
      async placeCall(request: PlaceCallRequest): Promise<ProviderCall> {
        await gate.promise;
        try {
          await request.beforeSend?.();
        } catch (error) {
          throw new PlacementWithheldError(error);
        }
        sent.push(request.to);
        return { id: `c-${sent.length}`, status: 'initiated', providerStatus: 'queued', raw: {} };
      },
    };
    const scheduler = createScheduler({ store, provider, clock, callerId: CALLER });
    const errors: unknown[] = [];
    scheduler.on('error', (e) => errors.push(e.error));
    await scheduler.start();
    const [bob, ann] = numbers(2) as [string, string];
    const one = await scheduler.schedule({ to: bob, at: new Date(T0 + 1000) });
    const two = await scheduler.schedule({ to: ann, at: new Date(T0 + 1001) });
    await clock.advance(1000);
    await list.suppress(bob, { reason: 'opted out while the client waited' });
    await clock.advance(LIST_FRESH_MS + 1);
    gate.resolve();
    await clock.flush();
    expect(sent).toEqual([ann]);
    expect(await scheduler.get(one.id)).toMatchObject({ status: 'suppressed' });
    expect((await scheduler.get(one.id)).events.at(-1)).toMatchObject({
      status: 'suppressed',
      note: 'opted out while the client waited',
    });
    expect((await scheduler.get(two.id)).status).toBe('initiated');
    // Nothing was sent: no history record, no error, no outcome_unknown.
    expect((await scheduler.history(bob)).items).toEqual([]);
    expect(errors.filter(isPlacementWithheldError)).toEqual([]);
    await scheduler.stop();
  });

  it('keeps a recurring series going when one occurrence is stopped at placement', async () => {
    const [first, bob] = numbers(2) as [string, string];
    // The call before Bob's lists him 1,050 ms after it is placed: Bob's occurrence, due at
    // 12:01:00, was claimed then with the turn at 12:01:00.100.
    const { clock, provider, scheduler } = setup({
      callsPerSecond: 1,
      concurrency: 2,
      onPlace: (phone, { clock, list }) => {
        if (phone !== first) return;
        clock.setTimeout(
          () => void list.suppress(bob, { until: new Date(T0 + 30 * 60_000) }),
          1050,
        );
      },
    });
    await scheduler.start();
    await scheduler.schedule({ to: first, at: new Date(T0 + 59_000) });
    await scheduler.schedule({ to: bob, recurrence: { cron: '1 * * * *', timezone: 'UTC' } });
    await clock.advance(65_000);
    expect(provider.placed.map((p) => p.to)).toEqual([first]);
    const series = (await scheduler.list({ to: bob, limit: 10 })).items;
    expect(series.map((c) => c.status).sort()).toEqual(['scheduled', 'suppressed']);
    await clock.advance(60 * 60_000);
    expect(provider.placed.map((p) => p.to)).toEqual([first, bob]);
    await scheduler.stop();
  });

  it('never sends a call whose list cannot be read: it is handed back and placed once it can', async () => {
    const inner = createMemoryStore();
    let failing = true;
    const store: Store = Object.assign(Object.create(inner) as Store, {
      getSuppression(phone: string) {
        if (failing) return Promise.reject(new Error('connection lost'));
        return inner.getSuppression!(phone);
      },
    });
    const { clock, provider, scheduler } = setup({ store, callsPerSecond: 1 });
    const errors: string[] = [];
    scheduler.on('error', (e) => errors.push((e.error as Error).message));
    await scheduler.start();
    const [first, second] = numbers(2) as [string, string];
    await scheduler.schedule({ to: first, at: new Date(T0 + 1000) });
    const call = await scheduler.schedule({ to: second, at: new Date(T0 + 1001) });
    await clock.advance(1000);
    await clock.advance(1200);
    expect(provider.placed.map((p) => p.to)).toEqual([first]);
    expect(errors).toContain('connection lost');
    // Handed back, its mark taken out, due again a second later: not claimed in a tight loop.
    const handedBack = await scheduler.get(call.id);
    expect(handedBack.status).toBe('scheduled');
    expect(handedBack.events.map((e) => e.status)).toEqual(['scheduled']);
    expect(errors.filter((m) => m === 'connection lost').length).toBeLessThanOrEqual(2);
    failing = false;
    await clock.advance(3000);
    expect(provider.placed.map((p) => p.to)).toEqual([first, second]);
    expect((await scheduler.get(call.id)).status).toBe('initiated');
    await scheduler.stop();
  });
});

describe('doNotCall: one list in another store', () => {
  it("obeys the other store's list, read before every request", async () => {
    const clock = createFakeClock(T0);
    const lists = createMemoryStore();
    const store = createMemoryStore();
    const provider = createFakeProvider({ clock, follow: 'webhooks' });
    const list = createSuppressionList({ store: lists, clock });
    const scheduler = createScheduler({
      store,
      provider,
      clock,
      callerId: CALLER,
      doNotCall: lists,
    });
    await scheduler.start();
    const [bob, ann] = numbers(2) as [string, string];
    await list.suppress(bob);
    const call = await scheduler.schedule({ to: bob, at: new Date(T0 + 1000) });
    await scheduler.schedule({ to: ann, at: new Date(T0 + 1000) });
    await clock.advance(1000);
    expect(provider.placed.map((p) => p.to)).toEqual([ann]);
    expect((await scheduler.get(call.id)).status).toBe('suppressed');
    await scheduler.stop();
  });

  it('is refused when it is not a store with the suppression methods', () => {
    const clock = createFakeClock(T0);
    expect(() =>
      createScheduler({
        store: createMemoryStore(),
        provider: createFakeProvider({ clock }),
        callerId: CALLER,
        doNotCall: {} as Store,
      }),
    ).toThrow(/doNotCall.*suppression methods/);
  });
});

describe('the calling window at the instant of placement', () => {
  /** Scheduled at 09:59:58 with a window ending at 10:00 (UTC) and turns 1.1 s apart. */
  async function closingWindow(clock: FakeClock, count: number) {
    const store = createMemoryStore();
    const provider = createFakeProvider({ clock, follow: 'webhooks' });
    const scheduler = createScheduler({
      store,
      provider,
      clock,
      callerId: CALLER,
      callsPerSecond: 1,
      concurrency: count,
    });
    await scheduler.start();
    const window = { start: '08:00', end: '10:00', timezone: 'UTC' } as const;
    const calls = await scheduler.scheduleMany(
      numbers(count).map((to, i) => ({ to, at: new Date(clock.now() + i), window })),
    );
    return { provider, scheduler, calls };
  }

  it('sends no request in the last second of its window or after; the rest wait for the next opening', async () => {
    const end = Date.parse('2026-03-09T10:00:00Z');
    const clock = createFakeClock(end - 3500);
    const { provider, scheduler, calls } = await closingWindow(clock, 6);
    await clock.advance(10_000);
    expect(provider.placed.length).toBeGreaterThan(0);
    expect(provider.placed.length).toBeLessThan(6);
    for (const placement of provider.placed) {
      expect(placement.at.getTime()).toBeLessThan(end - WINDOW_MARGIN_MS + 1);
    }
    const nextOpening = Date.parse('2026-03-10T08:00:00Z');
    for (const { id } of calls) {
      const call = await scheduler.get(id);
      if (provider.placed.some((p) => p.to === call.to)) continue;
      expect(call.status).toBe('scheduled');
      expect(call.dueAt.getTime()).toBe(nextOpening);
      expect(call.events.at(-1)).toMatchObject({ status: 'scheduled', reason: 'window' });
    }
    await clock.advanceTo(nextOpening + 10_000);
    expect(provider.placed).toHaveLength(6);
    for (const placement of provider.placed.slice(-3)) {
      expect(placement.at.getTime()).toBeGreaterThanOrEqual(nextOpening);
    }
    await scheduler.stop();
  });
});

interface CountingStore extends Store {
  reads: number;
}

/** A memory store that counts its reads of the list. */
function createCountingStore(): CountingStore {
  const inner = createMemoryStore();
  const store = Object.assign(Object.create(inner) as CountingStore, {
    reads: 0,
    getSuppression(phone: string) {
      store.reads += 1;
      return inner.getSuppression!(phone);
    },
  });
  return store;
}
