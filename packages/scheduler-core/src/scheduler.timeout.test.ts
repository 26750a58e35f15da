import { describe, expect, it } from 'vitest';
import { createMemoryStore } from './stores/memory/memory.js';
import { createFakeProvider } from '@ringkit/simulator';
import { createScheduler } from './scheduler.js';
import { createFakeClock } from '@ringkit/call-client/testing';
import type { Store } from './store.js';
import type { CallProvider } from '@ringkit/call-client';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const ME = '+14155550100';
const BOB = '+14155552671';
const MINUTE = 60_000;

describe('calls that never end', () => {
  it('fails a webhook call whose webhooks never came, with reason timeout, and does not retry it', async () => {
    const clock = createFakeClock(T0);
    const provider = createFakeProvider({ clock, follow: 'webhooks' });
    const scheduler = createScheduler({
      store: createMemoryStore(),
      provider,
      clock,
      callerId: ME,
      callTimeoutMs: 10 * MINUTE,
    });
    const failed: string[] = [];
    scheduler.on('failed', (e) => failed.push(e.reason));
    await scheduler.start();
    const { id } = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000), maxAttempts: 3 });
    await clock.advance(1000);
    expect((await scheduler.get(id)).status).toBe('initiated');
    await clock.advance(9 * MINUTE);
    expect((await scheduler.get(id)).status).toBe('initiated');
    await clock.advance(2 * MINUTE);
    const call = await scheduler.get(id);
    expect(call).toMatchObject({ status: 'failed', reason: 'timeout', attempt: 1 });
    expect(failed).toEqual(['timeout']);
    expect(provider.placed).toHaveLength(1);
    await scheduler.stop();
  });

  it('asks a polling provider once before giving up, and takes its final answer', async () => {
    const clock = createFakeClock(T0);
    // The watch sees "ringing" forever; the one check at the timeout finds the call completed.
    let reads = 0;
    const provider = createFakeProvider({ clock });
    const getCall = provider.getCall!.bind(provider);
    provider.getCall = async (callId) => {
      reads += 1;
      const call = await getCall(callId);
      return clock.now() >= T0 + 10 * MINUTE
        ? { ...call, status: 'completed', providerStatus: 'completed' }
        : { ...call, status: 'ringing', providerStatus: 'ringing' };
    };
    const scheduler = createScheduler({
      store: createMemoryStore(),
      provider,
      clock,
      callerId: ME,
      callTimeoutMs: 10 * MINUTE,
      watchIntervalMs: 30 * MINUTE,
    });
    await scheduler.start();
    const { id } = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    await clock.advance(12 * MINUTE);
    expect((await scheduler.get(id)).status).toBe('completed');
    // The one check: the watch's first poll would leave an interval (30 min) after placing.
    expect(reads).toBe(1);
    await scheduler.stop();
  });

  it('times out a polling call still ringing at the check', async () => {
    const clock = createFakeClock(T0);
    const provider = createFakeProvider({ clock, script: () => ['ringing'] });
    const scheduler = createScheduler({
      store: createMemoryStore(),
      provider,
      clock,
      callerId: ME,
      callTimeoutMs: 2 * MINUTE,
    });
    await scheduler.start();
    const { id } = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
    await clock.advance(5 * MINUTE);
    expect(await scheduler.get(id)).toMatchObject({ status: 'failed', reason: 'timeout' });
    await scheduler.stop();
  });

  it('times out a call left in flight by an earlier process', async () => {
    const clock = createFakeClock(T0);
    const store = createMemoryStore();
    const provider = createFakeProvider({ clock, follow: 'webhooks' });
    const first = createScheduler({
      store,
      provider,
      clock,
      callerId: ME,
      callTimeoutMs: 10 * MINUTE,
    });
    await first.start();
    const { id } = await first.schedule({ to: BOB, at: new Date(T0 + 1000) });
    await clock.advance(1000);
    await first.stop();
    const second = createScheduler({
      store,
      provider,
      clock,
      callerId: ME,
      callTimeoutMs: 10 * MINUTE,
    });
    await second.start();
    await clock.advance(12 * MINUTE);
    expect(await second.get(id)).toMatchObject({ status: 'failed', reason: 'timeout' });
    await second.stop();
  });

  it('refuses a callTimeoutMs that is not a positive whole number', () => {
    const clock = createFakeClock(T0);
    for (const callTimeoutMs of [0, -1, 1.5]) {
      expect(() =>
        createScheduler({
          store: createMemoryStore(),
          provider: createFakeProvider({ clock }),
          clock,
          callerId: ME,
          callTimeoutMs,
        }),
      ).toThrow(/callTimeoutMs/);
    }
  });
});

describe('calls left in flight by a worker that died', () => {
  it('are followed by a live worker of a polling provider, long before the timeout', async () => {
    const clock = createFakeClock(T0);
    const store = createMemoryStore();
    // B runs all along but claims nothing until A has placed the call, so A places and follows it.
    let placedByA = false;
    const notClaiming: Store = Object.assign(Object.create(store) as Store, {
      claimDue: async (...args: Parameters<Store['claimDue']>) =>
        placedByA ? store.claimDue(...args) : { calls: [] },
    });
    const answersCompleted: CallProvider = {
      name: 'fake',
      capabilities: { polling: true, webhooks: false },
      placeCall: () => Promise.reject(new Error('B places nothing')),
      getCall: async (id) => ({ id, status: 'completed', providerStatus: 'completed', raw: {} }),
    };
    const b = createScheduler({
      store: notClaiming,
      provider: answersCompleted,
      clock,
      callerId: ME,
    });
    await b.start();

    const a = createScheduler({
      store,
      provider: createFakeProvider({ clock, script: () => ['ringing'] }),
      clock,
      callerId: ME,
    });
    await a.start();
    const { id } = await a.schedule({ to: BOB, at: new Date(T0 + 1000) });
    await clock.advance(2000);
    expect((await a.get(id)).status).toBe('ringing');
    placedByA = true;
    await a.stop(); // A leaves: nobody follows the call any more

    await clock.advance(3 * MINUTE);
    expect((await b.get(id)).status).toBe('completed');
    await b.stop();
  });
});
