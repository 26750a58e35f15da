import { describe, expect, it } from 'vitest';
import type { CallProvider, ProviderCall } from '@ringkit/call-client';
import type { Store, StoredCallPatch, StoredCallUpdate } from './store.js';
import { createFakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider } from '@ringkit/simulator';
import { countingStore, deferred } from '../test/fakes.js';
import { createScheduler } from './scheduler.js';
import { createMemoryStore } from './stores/memory/memory.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const TO = '+14155552671';
const CALLER = '+14155550100';
const status = (callId: string, s: 'ringing' | 'answered' | 'completed', at: number) => ({
  callId,
  status: s,
  providerStatus: s,
  at: new Date(at),
});

/**
 * A provider whose answer to the placement waits until `answer(id)`: the request is on its way
 * until then.
 */
function answeredLater() {
  const pending = deferred<ProviderCall>();
  const provider: CallProvider = {
    name: 'fake', // the provider of every worker in these tests: a call's provider is part of its name
    capabilities: { polling: false, webhooks: true },
    placeCall: () => pending.promise,
  };
  const answer = (id: string) =>
    pending.resolve({ id, status: 'initiated', providerStatus: 'queued', raw: null });
  return { provider, answer };
}

/**
 * `inner`, whose write of a placement's answer (an update that sets `providerCallId`) waits
 * until `release()`, then is applied; with `{ lose: true }`, its answer is lost after it was
 * applied (the write throws, as a store whose connection dropped after the commit).
 */
function answerWriteHeld(inner: Store) {
  const gate = deferred();
  const reached = deferred();
  let lose = false;
  const setsProviderId = (patches: StoredCallPatch[]) =>
    patches.some((patch) => typeof patch.providerCallId === 'string');
  const store = new Proxy(inner, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if ((key !== 'update' && key !== 'updateMany') || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const patches =
          key === 'update'
            ? [args[2] as StoredCallPatch]
            : (args[0] as StoredCallUpdate[]).map((u) => u.patch);
        if (!setsProviderId(patches)) return value.apply(target, args);
        reached.resolve();
        await gate.promise;
        const written: unknown = await value.apply(target, args);
        if (lose) throw new Error('connection lost after the commit');
        return written;
      };
    },
  });
  return {
    store,
    reached: reached.promise,
    release: (options: { lose?: boolean } = {}) => {
      lose = options.lose ?? false;
      gate.resolve();
    },
  };
}

/** The steps of a call placed, answered `initiated`, then `ringing` and `completed`. */
const ENDED_STEPS = ['scheduled', 'queued', 'initiated', 'ringing', 'completed'];

/**
 * A call placed and answered as `p-1`, whose answer's write is held (see `answerWriteHeld`),
 * and its `ringing` and `completed` handed to the scheduler meanwhile, which keeps them.
 */
async function statusesDuringAnswerWrite() {
  const clock = createFakeClock(T0);
  const held = answerWriteHeld(createMemoryStore());
  const counting = countingStore(held.store);
  const { provider, answer } = answeredLater();
  const scheduler = createScheduler({ store: counting.store, provider, clock, callerId: CALLER });
  const errors: unknown[] = [];
  scheduler.on('error', (e) => errors.push(e.error));
  await scheduler.start();
  const { id } = await scheduler.schedule({ to: TO, at: new Date(T0 + 1000) });
  await clock.advance(1000);
  answer('p-1');
  await held.reached;
  counting.reset();
  expect(await scheduler.handleStatus(status('p-1', 'ringing', T0 + 1500))).toBeNull();
  expect(await scheduler.handleStatus(status('p-1', 'completed', T0 + 1800))).toBeNull();
  return { scheduler, counting, held, id, errors };
}

describe('the row a status starts from', () => {
  it('is the row the placing worker wrote: its statuses need no look-up', async () => {
    const clock = createFakeClock(T0);
    const counting = countingStore(createMemoryStore());
    const provider = createFakeProvider({ clock, follow: 'webhooks' });
    const scheduler = createScheduler({ store: counting.store, provider, clock, callerId: CALLER });
    await scheduler.start();
    const { id } = await scheduler.schedule({ to: TO, at: new Date(T0 + 1000) });
    await clock.advance(1000);
    const { items } = await scheduler.list({ status: ['initiated'] });
    expect(items).toHaveLength(1);
    const callId = items[0]!.providerCallId!;
    counting.reset();
    await scheduler.handleStatus(status(callId, 'ringing', T0 + 2000));
    await scheduler.handleStatus(status(callId, 'answered', T0 + 3000));
    await scheduler.handleStatus(status(callId, 'completed', T0 + 9000));
    expect(counting.counts['findByProviderCallId'] ?? 0).toBe(0);
    expect(counting.counts['get'] ?? 0).toBe(0);
    const call = await scheduler.get(id);
    expect(call.status).toBe('completed');
    expect(call.events.map((e) => e.status)).toEqual([
      'scheduled',
      'queued',
      'initiated',
      'ringing',
      'answered',
      'completed',
    ]);
    await scheduler.stop();
  });

  it('is read again when another worker wrote the call meanwhile, whose write is kept', async () => {
    const clock = createFakeClock(T0);
    const store = createMemoryStore();
    const provider = createFakeProvider({ clock, follow: 'webhooks' });
    const placing = createScheduler({ store, provider, clock, callerId: CALLER, workerId: 'a' });
    const other = createScheduler({ store, provider, clock, callerId: CALLER, workerId: 'b' });
    await placing.start();
    const { id } = await placing.schedule({ to: TO, at: new Date(T0 + 1000) });
    await clock.advance(1000);
    const callId = (await placing.get(id)).providerCallId!;
    // Another worker gets the ringing (its look-up finds the row), the placing worker the end
    // (its own row, now one version behind).
    await other.handleStatus(status(callId, 'ringing', T0 + 2000));
    const ended = await placing.handleStatus(status(callId, 'completed', T0 + 9000));
    expect(ended?.status).toBe('completed');
    expect((await placing.get(id)).events.map((e) => e.status)).toEqual([
      'scheduled',
      'queued',
      'initiated',
      'ringing',
      'completed',
    ]);
    // A late repeat reaching the placing worker changes nothing.
    await placing.handleStatus(status(callId, 'ringing', T0 + 2000));
    expect((await placing.get(id)).events).toHaveLength(5);
    await placing.stop();
  });

  it('is the row its caller just read (handleStatus options.row): no look-up, and a stale one read again', async () => {
    const clock = createFakeClock(T0);
    const store = createMemoryStore();
    const provider = createFakeProvider({ clock, follow: 'webhooks' });
    const placing = createScheduler({ store, provider, clock, callerId: CALLER, workerId: 'a' });
    const counting = countingStore(store);
    /** Another worker, on the store whose reads are counted. */
    const worker = (workerId: string) =>
      createScheduler({ store: counting.store, provider, clock, callerId: CALLER, workerId });
    const other = worker('b');
    await placing.start();
    const { id } = await placing.schedule({ to: TO, at: new Date(T0 + 1000) });
    await clock.advance(1000);
    const callId = (await placing.get(id)).providerCallId!;
    const read = (await store.findByProviderCallId('fake', callId))!;
    counting.reset();
    // The row as read: taken, with no look-up of its own.
    const rang = await other.handleStatus(status(callId, 'ringing', T0 + 2000), { row: read });
    expect(rang?.status).toBe('ringing');
    expect(counting.counts['findByProviderCallId'] ?? 0).toBe(0);
    // The same row, stale now: its write fails and the row is read again; nothing is lost.
    const ended = await worker('c').handleStatus(status(callId, 'completed', T0 + 9000), {
      row: read,
    });
    expect(ended?.status).toBe('completed');
    expect((await placing.get(id)).events.map((e) => e.status)).toEqual(ENDED_STEPS);
    // A row of another call is not taken for this one.
    const { id: second } = await placing.schedule({ to: TO, at: new Date(T0 + 20_000) });
    const notIt = await other.handleStatus(status('nobody', 'completed', T0 + 9500), {
      row: (await store.get(second))!,
    });
    expect(notIt).toBeNull();
    expect((await placing.get(second)).status).toBe('scheduled');
    await placing.stop();
  });

  it('keeps statuses that outrun the answer of its own request, and looks for them no more', async () => {
    const clock = createFakeClock(T0);
    const counting = countingStore(createMemoryStore());
    const { provider, answer } = answeredLater();
    const scheduler = createScheduler({
      store: counting.store,
      provider,
      clock,
      callerId: CALLER,
    });
    await scheduler.start();
    const { id } = await scheduler.schedule({ to: TO, at: new Date(T0 + 1000) });
    await clock.advance(1000);
    counting.reset();
    // The call's statuses outrun the answer to its request: kept, not applied yet.
    expect(await scheduler.handleStatus(status('p-1', 'ringing', T0 + 1500))).toBeNull();
    expect(await scheduler.handleStatus(status('p-1', 'completed', T0 + 1800))).toBeNull();
    answer('p-1');
    await clock.flush();
    await expect.poll(async () => (await scheduler.get(id)).status).toBe('completed');
    // One look-up, by the first status: the answer applied both.
    expect(counting.counts['findByProviderCallId']).toBe(1);
    expect((await scheduler.get(id)).events.map((e) => e.status)).toEqual([
      'scheduled',
      'queued',
      'initiated',
      'ringing',
      'completed',
    ]);
    await scheduler.stop();
  });

  it('keeps statuses that come while its own answer is written, with no look-up', async () => {
    const { scheduler, counting, held, id, errors } = await statusesDuringAnswerWrite();
    held.release();
    await expect.poll(async () => (await scheduler.get(id)).status).toBe('completed');
    expect(counting.counts['findByProviderCallId'] ?? 0).toBe(0);
    expect(errors).toEqual([]);
    expect((await scheduler.get(id)).events.map((e) => e.status)).toEqual(ENDED_STEPS);
    await scheduler.stop();
  });

  it('looks once, after the answers, for statuses whose answer write failed but was stored', async () => {
    const { scheduler, counting, held, id, errors } = await statusesDuringAnswerWrite();
    // The answer was stored, but its write reported a failure: the statuses are not applied by
    // it, and the look after the answers finds the row and applies them.
    held.release({ lose: true });
    await expect.poll(async () => (await scheduler.get(id)).status).toBe('completed');
    expect(counting.counts['findByProviderCallId']).toBe(1);
    expect(errors).toHaveLength(1);
    expect((await scheduler.get(id)).events.map((e) => e.status)).toEqual(ENDED_STEPS);
    await scheduler.stop();
  });

  it('looks up at once a status of a call another worker placed, its own request on its way', async () => {
    const clock = createFakeClock(T0);
    const store = createMemoryStore();
    const counting = countingStore(store);
    const { provider: slow, answer: answerMine } = answeredLater();
    const fast = createFakeProvider({ clock, follow: 'webhooks' });
    const waiting = createScheduler({
      store: counting.store,
      provider: slow,
      clock,
      callerId: CALLER,
      workerId: 'a',
    });
    const placing = createScheduler({
      store,
      provider: fast,
      clock,
      callerId: CALLER,
      workerId: 'b',
    });
    await waiting.start();
    await waiting.schedule({ to: TO, at: new Date(T0 + 1000) });
    await clock.advance(1000);
    // Worker b places a call of its own (its answer written), whose status reaches worker a
    // while a's own request is on its way.
    const { id } = await placing.schedule({ to: '+14155552672', at: new Date(T0 + 1000) });
    await placing.start();
    await clock.advance(0);
    await expect.poll(async () => (await store.get(id))?.status).toBe('initiated');
    const callId = (await store.get(id))!.providerCallId!;
    const before = counting.counts['findByProviderCallId'] ?? 0;
    // Found at once (the answer is written): no wait.
    expect((await waiting.handleStatus(status(callId, 'ringing', T0 + 1500)))?.status).toBe(
      'ringing',
    );
    expect(counting.counts['findByProviderCallId']).toBe(before + 1);
    answerMine('p-mine');
    await clock.flush();
    await waiting.stop();
    await placing.stop();
  });

  it('still finds a call placed by another worker once its answer is written', async () => {
    const clock = createFakeClock(T0);
    const store = createMemoryStore();
    const { provider, answer } = answeredLater();
    const placing = createScheduler({ store, provider, clock, callerId: CALLER, workerId: 'a' });
    const other = createScheduler({ store, provider, clock, callerId: CALLER, workerId: 'b' });
    await placing.start();
    const { id } = await placing.schedule({ to: TO, at: new Date(T0 + 1000) });
    await clock.advance(1000);
    // Nothing of this worker's is on its way: an unknown id is unknown.
    expect(await other.handleStatus(status('p-2', 'ringing', T0 + 1500))).toBeNull();
    answer('p-2');
    await clock.advance(0);
    await expect.poll(async () => (await placing.get(id)).providerCallId).toBe('p-2');
    expect((await other.handleStatus(status('p-2', 'completed', T0 + 1800)))?.status).toBe(
      'completed',
    );
    await placing.stop();
  });
});
