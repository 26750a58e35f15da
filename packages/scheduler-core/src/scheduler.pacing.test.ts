import { driveClock, mostInOneSecond } from '@ringkit/internal/testing';
import {
  createMockCallApiClient,
  InvalidOptionsError,
  type CallProvider,
} from '@ringkit/call-client';
import { createFakeClock, type FakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider, startCallApiSimulator } from '@ringkit/simulator';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from './stores/memory/memory.js';
import { createScheduler } from './scheduler.js';

/** A started scheduler on a fake clock and a webhook-only fake provider, paced as asked. */
async function pacedScheduler(options: { callsPerSecond: number; concurrency?: number }) {
  const clock = createFakeClock('2026-03-08T08:00:00Z');
  const fake = createFakeProvider({ clock, follow: 'webhooks' });
  const scheduler = createScheduler({
    store: createMemoryStore(),
    provider: fake,
    callerId: '+14155550100',
    clock,
    ...options,
  });
  await scheduler.start();
  return { clock, fake, scheduler };
}

/**
 * A `fetch` option that records the moment, by `clock`, each call-creating POST is handed to it.
 * The scheduler and the client run on that fake clock while the requests go to the simulator for
 * real, so the moments are exact and a test waits no real seconds.
 */
function recordingFetch(clock: FakeClock) {
  const posts: number[] = [];
  const fetch: typeof globalThis.fetch = (input, init) => {
    if ((input as Request).method === 'POST') posts.push(clock.now());
    return globalThis.fetch(input, init);
  };
  return { posts, fetch };
}

const provider: CallProvider = {
  name: 'x',
  capabilities: { polling: false, webhooks: true },
  placeCall: async () => ({ id: '1', status: 'initiated', providerStatus: 'initiated', raw: {} }),
};

describe('callsPerSecond', () => {
  it('refuses 0, a negative, NaN, Infinity or a non-number with InvalidOptionsError', () => {
    for (const callsPerSecond of [0, -2, Number.NaN, Number.POSITIVE_INFINITY, '10', null]) {
      expect(
        () =>
          createScheduler({
            store: createMemoryStore(),
            provider,
            callerId: '+14155550100',
            callsPerSecond,
          } as never),
        String(callsPerSecond),
      ).toThrow(InvalidOptionsError);
    }
    expect(() =>
      createScheduler({
        store: createMemoryStore(),
        provider,
        callerId: '+14155550100',
        callsPerSecond: 0.5,
      }),
    ).not.toThrow();
  });

  it('places calls due together in due order, (1000 + 100) / callsPerSecond ms apart, each once', async () => {
    const { clock, fake, scheduler } = await pacedScheduler({
      concurrency: 20,
      callsPerSecond: 10,
    });
    const at = clock.now() + 1000;
    const numbers = Array.from({ length: 25 }, (_, i) => `+1415555${String(1000 + i)}`);
    // Due a millisecond apart: all due at once when the clock gets there.
    await scheduler.scheduleMany(numbers.map((to, i) => ({ to, at: new Date(at + i) })));
    await clock.advance(1025);
    // 25 turns 110 ms apart take 24 × 110 ms; claims are cut to a horizon of one second.
    for (let i = 0; i < 40 && fake.placed.length < 25; i++) await clock.advance(100);
    expect(fake.placed.map((p) => p.to)).toEqual(numbers);
    const times = fake.placed.map((p) => p.at.getTime());
    for (let i = 1; i < times.length; i++)
      expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(110);
    expect(mostInOneSecond(times)).toBeLessThanOrEqual(10);
    await scheduler.stop();
  });

  it('a call canceled while it waits for its turn is never placed', async () => {
    const { clock, fake, scheduler } = await pacedScheduler({ callsPerSecond: 1 });
    const at = clock.now() + 100;
    const [first, second] = await scheduler.scheduleMany([
      { to: '+14155551000', at: new Date(at) },
      { to: '+14155551001', at: new Date(at + 1) },
    ]);
    await clock.advance(300);
    await expect.poll(() => fake.placed.length).toBe(1);
    // Claimed (its turn within the claim horizon of one second), waiting for the turn.
    await expect.poll(async () => (await scheduler.get(second!.id)).status).toBe('queued');
    await scheduler.cancel(second!.id);
    await clock.advance(3000);
    expect(fake.placed.map((p) => p.to)).toEqual([first!.to]);
    expect((await scheduler.get(second!.id)).status).toBe('canceled');
    await scheduler.stop();
  });

  it('in one process, never sends more than callsPerSecond in any second, as fetch sees the requests', async () => {
    const sim = await startCallApiSimulator({ flavour: 'polling', port: 0, stepMs: 50, seed: 3 });
    const clock = createFakeClock('2026-03-08T08:00:00Z');
    const { posts, fetch } = recordingFetch(clock);
    const store = createMemoryStore();
    const scheduler = createScheduler({
      store,
      provider: createMockCallApiClient({ baseUrl: sim.url, retry: 0, fetch, clock }),
      clock,
      callerId: '+14155550100',
      concurrency: 30,
      watchIntervalMs: 200,
      callsPerSecond: 20,
    });
    try {
      await scheduler.start();
      const at = new Date(clock.now() + 200);
      await scheduler.scheduleMany(
        Array.from({ length: 50 }, (_, i) => ({ to: `+1415555${String(2000 + i)}`, at })),
      );
      await driveClock(clock, () => sim.calls().length === 50, { what: '50 calls' });
      expect(posts).toHaveLength(50);
      expect(new Set(sim.calls().map((c) => c.phone)).size).toBe(50);
      expect(mostInOneSecond(posts)).toBeLessThanOrEqual(20);
    } finally {
      await scheduler.stop();
      await store.close();
      await sim.close();
    }
  }, 40_000);

  it('a burst of 200 due calls through a client limited to 50/s leaves at 50/s, each placed once', async () => {
    const sim = await startCallApiSimulator({ flavour: 'polling', port: 0, stepMs: 50, seed: 5 });
    const clock = createFakeClock('2026-03-08T08:00:00Z');
    const { posts, fetch } = recordingFetch(clock);
    const store = createMemoryStore();
    const scheduler = createScheduler({
      store,
      provider: createMockCallApiClient({
        baseUrl: sim.url,
        retry: 0,
        fetch,
        callsPerSecond: 50,
        clock,
      }),
      clock,
      callerId: '+14155550100',
      concurrency: 50,
      watchIntervalMs: 500,
    });
    try {
      await scheduler.start();
      const at = new Date(clock.now() + 200);
      const numbers = Array.from({ length: 200 }, (_, i) => `+1415556${String(1000 + i)}`);
      await scheduler.scheduleMany(numbers.map((to) => ({ to, at })));
      await driveClock(clock, () => sim.calls().length === 200, { what: '200 calls' });
      expect(posts).toHaveLength(200);
      expect(mostInOneSecond(posts)).toBeLessThanOrEqual(50);
      const phones = sim.calls().map((c) => c.phone);
      expect(new Set(phones)).toEqual(new Set(numbers));
      // 200 sends at most 50 a second, 20 ms apart: the first and the last 3.98 s apart.
      const sorted = [...posts].sort((a, b) => a - b);
      expect(sorted.at(-1)! - sorted[0]!).toBeGreaterThanOrEqual(3980);
    } finally {
      await scheduler.stop();
      await store.close();
      await sim.close();
    }
  }, 60_000);
});
