/**
 * `cancel()` racing an answer: the provider's `cancelCall` never hangs up an answered call, so a
 * call answered between `cancel()`'s read and the provider's answer is not canceled. It is
 * followed to its real end and `cancel()` is refused as for any answered call. On the memory
 * store and on SQLite.
 */
import { createFakeClock } from '@ringkit/call-client/testing';
import { describe, expect, it } from 'vitest';
import { canceledCalls } from '../test/fakes.js';
import { createFakeProvider, type FakeProviderOptions } from '@ringkit/simulator';
import { isConflictError } from './errors.js';
import { createScheduler } from './scheduler.js';
import type { Store } from './store.js';
import { createMemoryStore } from './stores/memory/memory.js';
import { createSqliteStore } from './stores/sqlite/sqlite.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const ME = '+14155550100';
const BOB = '+14155552671';

const STORES: [string, () => Store][] = [
  ['memory', () => createMemoryStore()],
  ['sqlite', () => createSqliteStore({ path: ':memory:' })],
];

function setup(createStore: () => Store, options: Omit<FakeProviderOptions, 'clock'>) {
  const clock = createFakeClock(T0);
  const provider = createFakeProvider({ clock, cancelCall: true, ...options });
  const scheduler = createScheduler({
    store: createStore(),
    provider,
    clock,
    callerId: ME,
    recheckIntervalMs: 0,
  });
  const seen: string[] = [];
  scheduler.on('status', (e) => seen.push(`${e.previous}>${e.status}`));
  for (const type of ['canceled', 'completed', 'failed'] as const) {
    scheduler.on(type, () => seen.push(type));
  }
  return { clock, provider, scheduler, seen };
}

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => expect.fail('expected a ConflictError'),
    (e: unknown) => e,
  );
  expect(isConflictError(error)).toBe(true);
  return error as { reason: string; message: string; status: string };
}

describe.each(STORES)('cancel() of a call answered meanwhile (%s store)', (_, createStore) => {
  it('hangs nothing up, refuses (in_progress) and follows the call to completed', async () => {
    const { clock, provider, scheduler, seen } = setup(createStore, {
      // The person picks up while the cancel request is on its way.
      onCancel: (callId) => provider.setStatus(callId, 'answered'),
    });
    await scheduler.start();
    const { id } = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    await clock.advance(2000); // placed at 1 s, seen ringing at 2 s
    expect((await scheduler.get(id)).status).toBe('ringing');
    seen.length = 0;

    const error = await refusal(scheduler.cancel(id));
    expect(error).toMatchObject({ reason: 'in_progress', status: 'answered' });
    expect(error.message).toMatch(/answered before it could be canceled: it is not hung up/);
    expect(canceledCalls(provider)).toEqual([]);
    expect(await scheduler.get(id)).toMatchObject({ status: 'answered', reason: null });
    expect(seen).toEqual(['ringing>answered']);

    await clock.advance(5000);
    const call = await scheduler.get(id);
    expect(call.status).toBe('completed');
    expect(call.events.map((e) => e.status)).not.toContain('canceled');
    expect(seen).toEqual(['ringing>answered', 'answered>completed', 'completed']);
    expect((await scheduler.history(BOB)).items).toMatchObject([{ type: 'Completed Inbound' }]);
    await scheduler.stop();
  });

  it('keeps an answer a webhook brought while cancelCall was in flight, and ends nothing', async () => {
    const { clock, provider, scheduler, seen } = setup(createStore, {
      follow: 'webhooks',
      onCancel: async (callId) => {
        provider.setStatus(callId, 'answered');
        await scheduler.handleStatus({
          callId,
          status: 'answered',
          providerStatus: 'in-progress',
          at: new Date(clock.now()),
        });
      },
    });
    await scheduler.start();
    const { id } = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    await clock.advance(1000);
    expect((await scheduler.get(id)).status).toBe('initiated');
    seen.length = 0;

    const error = await refusal(scheduler.cancel(id));
    expect(error).toMatchObject({ reason: 'in_progress', status: 'answered' });
    expect((await scheduler.get(id)).status).toBe('answered');
    expect(canceledCalls(provider)).toEqual([]);
    expect(seen).toEqual(['initiated>answered']);

    await scheduler.handleStatus({
      callId: 'p0',
      status: 'completed',
      providerStatus: 'completed',
      at: new Date(clock.now() + 60_000),
    });
    expect((await scheduler.get(id)).status).toBe('completed');
    expect(seen).toEqual(['initiated>answered', 'answered>completed', 'completed']);
    await scheduler.stop();
  });
});
