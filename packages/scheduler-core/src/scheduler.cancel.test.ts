/**
 * `cancel()` of calls already placed: hanging up a call not answered yet through the provider's
 * `cancelCall`, and every case where it refuses and changes nothing. On the memory store and on
 * SQLite (which writes through `updateMany`).
 */
import { describe, expect, it } from 'vitest';
import { isUnsupportedOperationError, UnsupportedOperationError } from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import { createMemoryStore } from './stores/memory/memory.js';
import { createSqliteStore } from './stores/sqlite/sqlite.js';
import { isConflictError, isHangUpError, isSchedulerError } from './errors.js';
import {
  createFakeProvider,
  type FakeProvider,
  type FakeProviderOptions,
} from '@ringkit/simulator';
import { canceledCalls, deferred } from '../test/fakes.js';
import { createScheduler } from './scheduler.js';
import type { Store } from './store.js';
import type { SchedulerOptions } from './options.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const ME = '+14155550100';
const BOB = '+14155552671';

const STORES: [string, () => Store][] = [
  ['memory', () => createMemoryStore()],
  ['sqlite', () => createSqliteStore({ path: ':memory:' })],
];

function worker(
  store: Store,
  clock: ReturnType<typeof createFakeClock>,
  provider: FakeProvider,
  options: Partial<SchedulerOptions> = {},
) {
  const scheduler = createScheduler({
    callerId: ME,
    recheckIntervalMs: 0,
    ...options,
    store,
    clock,
    provider,
  });
  const seen: string[] = [];
  scheduler.on('status', (e) => seen.push(`${e.previous}>${e.status}`));
  for (const type of ['canceled', 'completed', 'failed', 'retrying', 'scheduled'] as const) {
    scheduler.on(type, () => seen.push(type));
  }
  return { scheduler, seen };
}

function setup(
  createStore: () => Store,
  provider: Partial<FakeProviderOptions> = { cancelCall: true },
  options: Partial<SchedulerOptions> = {},
) {
  const clock = createFakeClock(T0);
  const store = createStore();
  const fake = createFakeProvider({ clock, ...provider });
  return { clock, store, provider: fake, ...worker(store, clock, fake, options) };
}

const webhook = (status: 'ringing' | 'answered' | 'completed' | 'busy', at = T0 + 1500) => ({
  callId: 'p0',
  status,
  providerStatus: status,
  at: new Date(at),
});

async function conflict(promise: Promise<unknown>) {
  const error = await promise.then(
    () => expect.fail('expected a ConflictError'),
    (e: unknown) => e,
  );
  expect(isConflictError(error)).toBe(true);
  return error as { reason: string; message: string; status: string };
}

describe.each(STORES)('cancel() of a placed call (%s store)', (_, createStore) => {
  it('hangs up a ringing call through cancelCall and ends it canceled, recorded as not answered', async () => {
    const { clock, provider, scheduler, seen } = setup(createStore);
    let polls = 0;
    const getCall = provider.getCall!.bind(provider);
    provider.getCall = (callId, options) => {
      polls += 1;
      return getCall(callId, options);
    };
    await scheduler.start();
    const { id } = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    await clock.advance(2000); // placed at 1 s, first polled one interval later
    expect((await scheduler.get(id)).status).toBe('ringing');
    seen.length = 0;
    await clock.advance(500);
    const call = await scheduler.cancel(id);
    const pollsBefore = polls;
    expect(canceledCalls(provider)).toEqual(['p0']);
    expect(call).toMatchObject({ status: 'canceled', reason: 'canceled', providerCallId: 'p0' });
    expect(call.events.at(-1)).toEqual({
      status: 'canceled',
      at: new Date(T0 + 2500),
      attempt: 1,
      reason: 'canceled',
    });
    expect(seen).toEqual(['ringing>canceled', 'canceled']);
    expect((await scheduler.history(BOB)).items).toEqual([
      { id: `${id}-1`, createdAt: new Date(T0 + 1000), counterparty: ME, type: 'Missed Inbound' },
    ]);
    // The watch stopped: nothing polls the call or moves it any more.
    await clock.advance(10_000);
    expect(polls).toBe(pollsBefore);
    expect(await scheduler.get(id)).toEqual(call);
    expect(seen).toEqual(['ringing>canceled', 'canceled']);
    // Canceling it again returns it unchanged, with no event.
    expect(await scheduler.cancel(id)).toEqual(call);
    expect(canceledCalls(provider)).toEqual(['p0']);
    expect(seen).toHaveLength(2);
    await scheduler.stop();
  });

  it('refuses to cut off an answered call (in_progress) and changes nothing', async () => {
    const { clock, provider, scheduler } = setup(createStore);
    await scheduler.start();
    const { id } = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    await clock.advance(3000); // placed at 1 s, then ringing at 2 s and answered at 3 s
    const before = await scheduler.get(id);
    expect(before.status).toBe('answered');
    const error = await conflict(scheduler.cancel(id));
    expect(error).toMatchObject({ reason: 'in_progress', status: 'answered' });
    expect(error.message).toMatch(/answered and is in progress/);
    expect(canceledCalls(provider)).toEqual([]);
    expect(await scheduler.get(id)).toEqual(before);
    await clock.advance(1000);
    expect((await scheduler.get(id)).status).toBe('completed');
    await scheduler.stop();
  });

  it('refuses with UnsupportedOperationError when the provider cannot end calls, and the call goes on', async () => {
    const { clock, scheduler, seen } = setup(createStore, {});
    await scheduler.start();
    const { id } = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    await clock.advance(2000);
    const before = await scheduler.get(id);
    const error = await scheduler.cancel(id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedOperationError);
    expect(isUnsupportedOperationError(error)).toBe(true);
    expect(isSchedulerError(error)).toBe(false);
    expect(error).toMatchObject({ code: 'cannot_hang_up', operation: 'cancelCall' });
    expect((error as Error).message).toMatch(/cannot end calls \(it has no cancelCall\)/);
    expect(await scheduler.get(id)).toEqual(before);
    await clock.advance(2000);
    expect((await scheduler.get(id)).status).toBe('completed');
    expect(seen).not.toContain('canceled');
    await scheduler.stop();
  });

  it('throws a HangUpError when cancelCall fails, changes nothing and keeps following the call', async () => {
    const refusal = new Error('provider said no');
    const { clock, provider, scheduler } = setup(createStore, {
      cancelCall: true,
      onCancel: () => {
        throw refusal;
      },
    });
    await scheduler.start();
    const { id } = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    await clock.advance(2000);
    const before = await scheduler.get(id);
    expect(before.status).toBe('ringing');
    const error = await scheduler.cancel(id).catch((e: unknown) => e);
    expect(isHangUpError(error)).toBe(true);
    expect(error).toMatchObject({
      id,
      providerCallId: 'p0',
      cause: refusal,
      code: 'hang_up_failed',
    });
    expect((error as Error).message).toMatch(/could not be hung up.*provider said no/);
    expect(canceledCalls(provider)).toEqual([]);
    expect(await scheduler.get(id)).toEqual(before);
    await clock.advance(2000);
    expect((await scheduler.get(id)).status).toBe('completed');
    await scheduler.stop();
  });

  it('refuses (placing) while the placement request is unanswered, and hangs up once it is', async () => {
    const gate = deferred();
    const { clock, provider, scheduler } = setup(createStore, {
      cancelCall: true,
      follow: 'webhooks',
      onPlace: () => gate.promise,
    });
    await scheduler.start();
    const { id } = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    await clock.advance(1000);
    expect((await scheduler.get(id)).status).toBe('queued');
    const error = await conflict(scheduler.cancel(id));
    expect(error).toMatchObject({ reason: 'placing', status: 'queued' });
    expect(error.message).toMatch(/cancel it again once it is initiated/);
    gate.resolve();
    await clock.flush();
    expect((await scheduler.get(id)).status).toBe('initiated');
    expect((await scheduler.cancel(id)).status).toBe('canceled');
    expect(canceledCalls(provider)).toEqual(['p0']);
    await scheduler.stop();
  });

  it('never moves a call back when a webhook ends it while cancelCall is in flight', async () => {
    const { clock, provider, scheduler, seen } = setup(createStore, {
      cancelCall: true,
      follow: 'webhooks',
      onCancel: async () => {
        await scheduler.handleStatus(webhook('answered', T0 + 1200));
        await scheduler.handleStatus(webhook('completed', T0 + 1400));
      },
    });
    await scheduler.start();
    const { id } = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    await clock.advance(1000);
    await scheduler.handleStatus(webhook('ringing', T0 + 1100));
    const error = await conflict(scheduler.cancel(id));
    expect(error).toMatchObject({ reason: 'already_placed', status: 'completed' });
    expect(error.message).toMatch(/ended \(completed\) before it could be canceled/);
    const call = await scheduler.get(id);
    expect(call.status).toBe('completed');
    expect(call.events.map((e) => e.status)).not.toContain('canceled');
    expect(seen).not.toContain('canceled');
    expect((await scheduler.history(BOB)).items).toMatchObject([{ type: 'Completed Inbound' }]);
    expect(canceledCalls(provider)).toEqual(['p0']);
    await scheduler.stop();
  });

  it('records the end the provider reports when the call ended on its own first', async () => {
    const { clock, provider, scheduler } = setup(createStore, {
      cancelCall: true,
      follow: 'webhooks',
      onCancel: (callId) => provider.setStatus(callId, 'busy'),
    });
    await scheduler.start();
    const { id } = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    await clock.advance(1000);
    const error = await conflict(scheduler.cancel(id));
    expect(error).toMatchObject({ reason: 'already_placed', status: 'busy' });
    expect(await scheduler.get(id)).toMatchObject({ status: 'busy', reason: 'busy' });
    expect((await scheduler.history(BOB)).items).toMatchObject([{ type: 'Missed Inbound' }]);
    await scheduler.stop();
  });

  it('cancels the retry of an attempt that ended on its own meanwhile', async () => {
    const { clock, provider, scheduler, seen } = setup(createStore, {
      cancelCall: true,
      follow: 'webhooks',
      onCancel: (callId) => provider.setStatus(callId, 'no-answer'),
    });
    await scheduler.start();
    const { id } = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000), maxAttempts: 3 });
    await clock.advance(1000);
    const call = await scheduler.cancel(id);
    expect(call).toMatchObject({ status: 'canceled', attempt: 2 });
    expect(seen).toContain('retrying');
    expect(seen.filter((e) => e === 'canceled')).toHaveLength(1);
    await clock.advance(24 * 3_600_000);
    expect(provider.placed).toHaveLength(1);
    await scheduler.stop();
  });

  it('ends a recurring series when an occurrence in flight is hung up', async () => {
    const { clock, provider, scheduler } = setup(createStore);
    await scheduler.start();
    const first = await scheduler.schedule({
      to: BOB,
      recurrence: { cron: '0 13 * * *', timezone: 'UTC' },
    });
    await clock.advanceTo(T0 + 3_601_000); // placed at 13:00, first polled a second later
    expect((await scheduler.get(first.id)).status).toBe('ringing');
    expect((await scheduler.cancel(first.id)).status).toBe('canceled');
    await clock.advance(3 * 86_400_000);
    expect(provider.placed).toHaveLength(1);
    expect((await scheduler.list()).items.map((c) => c.status)).toEqual(['canceled']);
    await scheduler.stop();
  });
});

describe('cancel() with several workers', () => {
  it('hangs up a call another worker follows; the follower stops and writes nothing over it', async () => {
    const clock = createFakeClock(T0);
    const store = createMemoryStore();
    const provider = createFakeProvider({ clock, cancelCall: true });
    const a = worker(store, clock, provider);
    const b = worker(store, clock, provider);
    await a.scheduler.start();
    const { id } = await a.scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    await clock.advance(2000);
    const followed = await a.scheduler.get(id);
    expect(followed).toMatchObject({ status: 'ringing' });
    // B never started: an API process canceling what a worker placed.
    const call = await b.scheduler.cancel(id);
    expect(call.status).toBe('canceled');
    await clock.advance(60_000);
    expect(await a.scheduler.get(id)).toEqual(call);
    expect(a.seen.filter((e) => e.includes('canceled'))).toEqual([]);
    expect(b.seen).toEqual(['ringing>canceled', 'canceled']);
    expect((await a.scheduler.history(BOB)).items).toMatchObject([{ type: 'Missed Inbound' }]);
    await a.scheduler.stop();
  });

  it('ends a call once when two workers cancel it at the same time', async () => {
    const clock = createFakeClock(T0);
    const store = createSqliteStore({ path: ':memory:' });
    const provider = createFakeProvider({ clock, cancelCall: true, follow: 'webhooks' });
    const a = worker(store, clock, provider);
    const b = worker(store, clock, provider);
    await a.scheduler.start();
    const { id } = await a.scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    await clock.advance(1000);
    const [one, two] = await Promise.all([a.scheduler.cancel(id), b.scheduler.cancel(id)]);
    expect([one.status, two.status]).toEqual(['canceled', 'canceled']);
    expect(canceledCalls(provider)).toEqual(['p0']);
    const events = [...a.seen, ...b.seen];
    expect(events.filter((e) => e === 'canceled')).toHaveLength(1);
    expect((await a.scheduler.get(id)).events.filter((e) => e.status === 'canceled')).toHaveLength(
      1,
    );
    await a.scheduler.stop();
  });

  it('keeps the provider-canceled status of a call a follower saw end first', async () => {
    const clock = createFakeClock(T0);
    const store = createMemoryStore();
    const provider = createFakeProvider({ clock, cancelCall: true });
    const a = worker(store, clock, provider);
    const b = worker(store, clock, provider, {});
    await a.scheduler.start();
    const { id } = await a.scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    await clock.advance(1000);
    // The provider ends the call; A's next poll sees `canceled` before B writes.
    await provider.cancelCall!('p0');
    await clock.advance(1000);
    const seenByA = await a.scheduler.get(id);
    expect(seenByA.status).toBe('canceled');
    expect(await b.scheduler.cancel(id)).toEqual(seenByA);
    expect(b.seen).toEqual([]);
    // A canceled occurrence of nothing recurring: no next one either way.
    expect((await a.scheduler.list()).items).toHaveLength(1);
    await a.scheduler.stop();
  });
});

describe('a provider that cancels a recurring occurrence itself', () => {
  it('ends the series, as cancel() does', async () => {
    const clock = createFakeClock(T0);
    const provider = createFakeProvider({ clock, script: () => ['ringing', 'canceled'] });
    const { scheduler } = worker(createMemoryStore(), clock, provider);
    await scheduler.start();
    await scheduler.schedule({ to: BOB, recurrence: { cron: '0 13 * * *', timezone: 'UTC' } });
    await clock.advanceTo(T0 + 3_600_000 + 5_000);
    await clock.advance(3 * 86_400_000);
    expect(provider.placed).toHaveLength(1);
    expect((await scheduler.list()).items.map((c) => c.status)).toEqual(['canceled']);
    await scheduler.stop();
  });
});
