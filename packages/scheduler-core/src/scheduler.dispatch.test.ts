import { describe, expect, it, vi } from 'vitest';
import { createMemoryStore } from './stores/memory/memory.js';
import { createSqliteStore } from './stores/sqlite/sqlite.js';
import { isConflictError } from './errors.js';
import type { SchedulerEvents } from './events.js';
import { createFakeProvider, type FakeProviderOptions } from '@ringkit/simulator';
import { countingStore, deferred, withoutClaimMarks } from '../test/fakes.js';
import { createScheduler } from './scheduler.js';
import type { Store, StoredCallPatch } from './store.js';
import { createFakeClock } from '@ringkit/call-client/testing';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const ME = '+14155550100';
const BOB = '+14155552671';

function setup(
  inner: Store,
  options: { provider?: Partial<FakeProviderOptions>; concurrency?: number } = {},
) {
  const clock = createFakeClock(T0);
  const counting = countingStore(inner);
  const provider = createFakeProvider({ clock, ...options.provider });
  const scheduler = createScheduler({
    store: counting.store,
    provider,
    clock,
    callerId: ME,
    recheckIntervalMs: 0,
    concurrency: options.concurrency ?? 10,
  });
  const statuses: string[] = [];
  scheduler.on('status', (e: SchedulerEvents['status']) =>
    statuses.push(`${e.previous}>${e.status}`),
  );
  return { clock, provider, scheduler, statuses, ...counting };
}

/** Store calls by method, without the timer's `nextDueAt` reads. */
const calls = (counts: Record<string, number>) => {
  const { nextDueAt: _, ...rest } = counts;
  return rest;
};

describe('store round trips of a placement', () => {
  it('places a call answered with a final status in one claim that marks it and one write, reading nothing back', async () => {
    const { clock, scheduler, counts, reset, statuses } = setup(createMemoryStore(), {
      provider: { follow: 'webhooks', initialStatus: () => 'completed' },
    });
    const completed: string[] = [];
    scheduler.on('completed', (e) => completed.push(e.call.id));
    await scheduler.start();
    const { id } = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    reset();
    await clock.advance(1000);
    expect(calls(counts)).toEqual({ 'claimDue(mark)': 1, update: 1, saveCallRecord: 1 });
    const call = await scheduler.get(id);
    expect(call.events.map((e) => e.status)).toEqual([
      'scheduled',
      'queued',
      'initiated',
      'completed',
    ]);
    expect(statuses).toEqual(['scheduled>queued', 'queued>initiated', 'initiated>completed']);
    expect(completed).toEqual([id]);
    expect((await scheduler.history(BOB)).items.map((h) => [h.type, h.duration])).toEqual([
      ['Completed Inbound', 0],
    ]);
    await scheduler.stop();
  });

  it('retries an attempt answered busy with the same one write', async () => {
    const { clock, provider, scheduler, counts, reset } = setup(createMemoryStore(), {
      provider: { follow: 'webhooks', initialStatus: (_to, n) => (n === 0 ? 'busy' : 'completed') },
    });
    const retrying: string[] = [];
    scheduler.on('retrying', (e) => retrying.push(e.reason));
    await scheduler.start();
    const { id } = await scheduler.schedule({
      to: BOB,
      at: new Date(T0 + 1000),
      maxAttempts: 2,
      retryBackoff: { delayMs: 5000 },
    });
    reset();
    await clock.advance(1000);
    expect(calls(counts)).toEqual({ 'claimDue(mark)': 1, update: 1, saveCallRecord: 1 });
    expect(await scheduler.get(id)).toMatchObject({ status: 'scheduled', attempt: 2 });
    expect(retrying).toEqual(['busy']);
    await clock.advance(5000);
    expect(provider.placed.map((p) => p.at.getTime() - T0)).toEqual([1000, 6000]);
    expect(await scheduler.get(id)).toMatchObject({ status: 'completed', attempt: 2 });
    expect((await scheduler.history(BOB)).items.map((h) => h.type)).toEqual([
      'Completed Inbound',
      'Missed Inbound',
    ]);
    await scheduler.stop();
  });

  it('follows a polled call with one write per status, and writes its record when placed, answered and ended', async () => {
    const { clock, scheduler, counts, reset } = setup(createMemoryStore());
    await scheduler.start();
    const { id } = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    reset();
    await clock.advance(10_000);
    // The claim marks it; then initiated, ringing, answered and completed.
    expect(calls(counts)).toEqual({ 'claimDue(mark)': 1, update: 4, saveCallRecord: 3 });
    expect((await scheduler.get(id)).status).toBe('completed');
    expect((await scheduler.history(BOB)).items.map((h) => [h.type, h.duration])).toEqual([
      ['Completed Inbound', 1],
    ]);
    await scheduler.stop();
  });

  it('writes the webhooks of calls placed together one batch per status, looking nothing up', async () => {
    const { clock, provider, scheduler, counts, writes, reset } = setup(
      createSqliteStore({ path: ':memory:' }),
      { provider: { follow: 'webhooks' } },
    );
    await scheduler.start();
    await scheduler.scheduleMany(
      Array.from({ length: 10 }, () => ({ to: BOB, at: new Date(T0 + 1000) })),
    );
    reset();
    await clock.advance(1000);
    const ids = provider.placed.map((p) => p.id!);
    expect(ids.filter((callId) => callId !== undefined)).toHaveLength(10);
    for (const status of ['ringing', 'answered', 'completed'] as const) {
      await Promise.all(
        ids.map((callId) =>
          scheduler.handleStatus({
            callId,
            status,
            providerStatus: status,
            at: new Date(T0 + 2000),
          }),
        ),
      );
    }
    // One claim that marks them, the answers in one batch, then one batch for each status. The
    // claim took as many as it asked for (its ten places), so another looks for more once places
    // free, and finds none.
    expect(calls(counts)).toEqual({ 'claimDue(mark)': 2, updateMany: 4 });
    expect(writes.map((batch) => batch.length)).toEqual([10, 10, 10, 10]);
    expect(writes[3]!.every((patch) => patch.status === 'completed')).toBe(true);
    await scheduler.stop();
  });

  it.each([
    ['marks the calls claimed together in their claim', true],
    ['writes the marks of calls claimed together in one batch', false],
  ])('%s, and their answers in one batch', async (_, claimMarks) => {
    const inner = createSqliteStore({ path: ':memory:' });
    const { clock, provider, scheduler, store, counts, writes, reset } = setup(
      claimMarks ? inner : withoutClaimMarks(inner),
      { provider: { follow: 'webhooks', initialStatus: () => 'completed' } },
    );
    await scheduler.start();
    const scheduled = await scheduler.scheduleMany(
      Array.from({ length: 10 }, () => ({ to: BOB, at: new Date(T0 + 1000) })),
    );
    reset();
    await clock.advance(1000);
    expect(provider.placed).toHaveLength(10);
    if (claimMarks) {
      // One claim takes and marks the ten, as many as its ten places: once their answers free
      // them, another claim looks for more and finds none.
      expect(calls(counts)).toEqual({ 'claimDue(mark)': 2, updateMany: 1 });
      expect(writes.map((batch) => batch.length)).toEqual([10]);
    } else {
      // One claim takes all ten (ten places, and ten more ahead): fewer than it asked for, it
      // arms the timer instead of claiming again.
      expect(calls(counts)).toEqual({ claimDue: 1, updateMany: 2 });
      expect(writes.map((batch) => batch.length)).toEqual([10, 10]);
      expect(writes[0]!.every((patch) => patch.placingAt === T0 + 1000)).toBe(true);
    }
    expect(writes.at(-1)!.every((patch) => patch.status === 'completed')).toBe(true);
    // Either way, the same timeline: the mark's step at the claim's time.
    for (const { id } of scheduled) {
      expect((await store.get(id))!.events!.map((e) => [e.status, e.at - T0])).toEqual([
        ['scheduled', 0],
        ['queued', 1000],
        ['initiated', 1000],
        ['completed', 1000],
      ]);
    }
    expect((await scheduler.history(BOB)).items).toHaveLength(10);
    await scheduler.stop();
  });

  it.each([
    ['its claim', true],
    ['its own write', false],
  ])(
    'marks a call as being placed in %s without moving the lease its claim took',
    async (_, claimMarks) => {
      const gate = deferred();
      const inner = createMemoryStore();
      const { clock, scheduler, store, writes, reset } = setup(
        claimMarks ? inner : withoutClaimMarks(inner),
        { provider: { follow: 'webhooks', onPlace: () => gate.promise } },
      );
      await scheduler.start();
      const { id } = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
      reset();
      await clock.advance(1000);
      if (claimMarks) {
        expect(writes).toEqual([]);
      } else {
        const [[mark]] = writes as [[StoredCallPatch]];
        expect(Object.keys(mark).sort()).toEqual(['events', 'placingAt', 'updatedAt']);
      }
      expect(await store.get(id)).toMatchObject({
        status: 'queued',
        placingAt: T0 + 1000,
        leaseUntil: T0 + 1000 + 30_000,
      });
      gate.resolve();
      await clock.flush();
      await scheduler.stop();
    },
  );
});

describe('the dispatch timer', () => {
  it('waits out a timer that fired a little early instead of claiming too soon', async () => {
    const clock = createFakeClock(T0);
    // Like the real timers, which may fire up to a millisecond early by Date.now().
    const early = {
      ...clock,
      now: () => clock.now(),
      setTimeout: (callback: () => void, ms: number) =>
        clock.setTimeout(callback, ms >= 2 ? ms - 1 : ms),
    };
    const counting = countingStore(createMemoryStore());
    const provider = createFakeProvider({ clock, follow: 'webhooks' });
    const scheduler = createScheduler({
      store: counting.store,
      provider,
      clock: early,
      callerId: ME,
      recheckIntervalMs: 0,
    });
    await scheduler.start();
    await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    counting.reset();
    await clock.advance(1000);
    expect(provider.placed.map((p) => p.at.getTime())).toEqual([T0 + 1000]);
    expect(counting.counts['claimDue(mark)']).toBe(1);
    expect(counting.counts.claimDue).toBeUndefined();
    await scheduler.stop();
  });
});

describe('refilling slots', () => {
  it.each([
    // Each claim takes and marks the five places freed together: four claims for 20 calls (one
    // per freed place would be twenty), and a fifth that finds none left.
    ['a store whose claim marks', true, { 'claimDue(mark)': 5 }],
    // Each claim fills the five places and the five ahead that are free once the places freed
    // together are: three claims for 20 calls (refilled at the first freed place's next
    // microtask, the claims were four).
    ['a store whose claim cannot mark', false, { claimDue: 3 }],
  ])('refills the slots freed together with one claim (%s)', async (_, claimMarks, claims) => {
    const inner = createMemoryStore();
    const { clock, provider, scheduler, counts, reset } = setup(
      claimMarks ? inner : withoutClaimMarks(inner),
      { concurrency: 5, provider: { follow: 'webhooks', initialStatus: () => 'completed' } },
    );
    await scheduler.start();
    for (let i = 0; i < 20; i++) await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    reset();
    await clock.advance(1000);
    expect(provider.placed).toHaveLength(20);
    expect({ claimDue: counts.claimDue, 'claimDue(mark)': counts['claimDue(mark)'] }).toEqual({
      claimDue: undefined,
      'claimDue(mark)': undefined,
      ...claims,
    });
    expect(provider.maxInFlight).toBe(5);
    await scheduler.stop();
  });

  it('claims the next calls while the answers of the last ones are being written', async () => {
    const inner = createMemoryStore();
    const release = deferred();
    const holding: Store = Object.assign(Object.create(inner) as Store, {
      async update(id: string, version: number, patch: StoredCallPatch) {
        if (patch.status === 'initiated') await release.promise;
        return inner.update(id, version, patch);
      },
    });
    const { clock, provider, scheduler } = setup(holding, {
      concurrency: 2,
      provider: { follow: 'webhooks' },
    });
    await scheduler.start();
    for (let i = 0; i < 6; i++) await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    await clock.advance(1000);
    // Two answered calls wait for their write while two more are placed; no more than twice
    // `concurrency` calls are held unrecorded.
    expect(provider.placed).toHaveLength(4);
    expect(provider.maxInFlight).toBe(2);
    release.resolve();
    await clock.flush();
    expect(provider.placed).toHaveLength(6);
    const { items } = await scheduler.list({ status: 'initiated' });
    expect(items).toHaveLength(6);
    await scheduler.stop();
  });
});

describe('a store that writes in batches (updateMany)', () => {
  it('either cancels or places a call when cancel races its dispatch, never both', async () => {
    for (let delay = 0; delay < 12; delay++) {
      const { clock, provider, scheduler } = setup(createSqliteStore({ path: ':memory:' }));
      await scheduler.start();
      const call = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
      const advancing = clock.advance(1000);
      for (let i = 0; i < delay; i++) await Promise.resolve();
      const outcome = await scheduler.cancel(call.id).then(
        (c) => c.status,
        (e: unknown) => (isConflictError(e) ? 'conflict' : e),
      );
      await advancing;
      await clock.advance(5000);
      const final = await scheduler.get(call.id);
      if (outcome === 'canceled') {
        expect(provider.placed).toHaveLength(0);
        expect(final.status).toBe('canceled');
      } else {
        expect(outcome).toBe('conflict');
        expect(provider.placed).toHaveLength(1);
      }
      await scheduler.stop();
    }
  });
});

describe('placement order', () => {
  it('sends calls in claim order even when a later mark is written first', async () => {
    const inner = createMemoryStore();
    const held = deferred();
    let marks = 0;
    // The first mark (`placingAt`) is slow, as on a busy pool connection; the next is not. (The
    // dispatcher's own marks: the claim does not mark.)
    const store = new Proxy(inner, {
      get(target, key, receiver) {
        if (key === 'capabilities') return { ...target.capabilities, marks: false };
        const value: unknown = Reflect.get(target, key, receiver);
        if (key !== 'update' || typeof value !== 'function') return value;
        return async (id: string, version: number, patch: StoredCallPatch) => {
          if (patch.placingAt != null && marks++ === 0) await held.promise;
          return (value as Store['update']).call(target, id, version, patch);
        };
      },
    });
    const { clock, provider, scheduler } = setup(store, {
      provider: { follow: 'webhooks', initialStatus: () => 'completed' },
    });
    await scheduler.start();
    await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    await scheduler.schedule({ to: '+14155550123', at: new Date(T0 + 1001) });
    await clock.advance(1000);
    await clock.advance(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The second call's mark is written, yet it waits for the first to go out.
    expect(marks).toBe(2);
    expect(provider.placed).toHaveLength(0);
    held.resolve();
    await vi.waitFor(() => expect(provider.placed).toHaveLength(2));
    expect(provider.placed.map((p) => p.to)).toEqual([BOB, '+14155550123']);
    await scheduler.stop();
  });
});
