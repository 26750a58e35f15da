import { driveClock, mostInOneSecond } from '@ringkit/internal/testing';
import { createMockCallApiClient } from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import { startCallApiSimulator, type SimulatorEvent } from '@ringkit/simulator';
import { describe, expect, it } from 'vitest';
import { createDialer } from './dialer.js';
import type { DialerSnapshot } from './types.js';

const NUMBERS = Array.from({ length: 12 }, (_, i) => `1415555${String(3000 + i)}`);

describe('over a paced provider', () => {
  it('keeps list order and its concurrency while calls leave at the provider’s callsPerSecond', async () => {
    const live = new Set<string>();
    let mostLive = 0;
    const onEvent = (event: SimulatorEvent) => {
      if (event.type === 'created') live.add(event.call.id);
      if (
        event.type === 'status' &&
        ['completed', 'busy', 'no-answer', 'failed'].includes(event.status)
      ) {
        live.delete(event.callId);
      }
      mostLive = Math.max(mostLive, live.size);
    };
    const sim = await startCallApiSimulator({
      flavour: 'polling',
      port: 0,
      stepMs: [2, 5],
      seed: 9,
      onEvent,
    });
    try {
      // The dialer and the client's pacer run on a fake clock; the requests go to the simulator
      // for real. The moments are exact, and no real second is waited.
      const clock = createFakeClock(Date.UTC(2026, 2, 8, 8));
      /** When, by the clock, each call-creating request was handed to fetch. */
      const posts: number[] = [];
      const provider = createMockCallApiClient({
        baseUrl: sim.url,
        callsPerSecond: 5,
        clock,
        fetch: (input, init) => {
          if ((input as Request).method === 'POST') posts.push(clock.now());
          return globalThis.fetch(input, init);
        },
      });
      const dialer = createDialer({
        provider,
        clock,
        numbers: NUMBERS,
        concurrency: 4,
        watchIntervalMs: 5,
      });
      const errors: unknown[] = [];
      dialer.on('error', (event) => errors.push(event.error));
      let mostInFlight = 0;
      dialer.on('progress', (event) => {
        mostInFlight = Math.max(mostInFlight, event.inFlight);
      });
      let snapshot: DialerSnapshot | undefined;
      dialer.on('drained', () => (snapshot = dialer.snapshot()));
      dialer.start();
      await driveClock(clock, () => snapshot !== undefined, { stepMs: 5, what: 'drained' });

      expect(errors).toEqual([]);
      expect(snapshot!.entries.map((entry) => entry.status)).toEqual(
        NUMBERS.map(() => 'completed'),
      );
      // Order: the pacer serves first come first served, so the list order holds at the provider.
      expect(sim.calls().map((call) => call.phone)).toEqual(NUMBERS.map((n) => `+${n}`));
      // Concurrency: never more than 4 calls live.
      expect(mostLive).toBeLessThanOrEqual(4);
      expect(mostInFlight).toBeLessThanOrEqual(4);
      // Rate: as fetch saw them, at most 5 in any second, 200 ms apart.
      expect(posts).toHaveLength(NUMBERS.length);
      expect(mostInOneSecond(posts)).toBeLessThanOrEqual(5);
      for (let i = 1; i < posts.length; i++) {
        expect(posts[i]! - posts[i - 1]!).toBeGreaterThanOrEqual(200);
      }
    } finally {
      await sim.close();
    }
  }, 30_000);
});
