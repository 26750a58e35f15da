import { createMockCallApiClient } from '@ringkit/call-client';
import { startCallApiSimulator, startFaultGateway, type GatewayFault } from '@ringkit/simulator';
import { describe, expect, it } from 'vitest';
import { createSqliteStore } from './stores/sqlite/sqlite.js';
import { createScheduler } from './scheduler.js';
import type { ScheduledCall } from './types.js';

/**
 * A gateway between the scheduler and the simulator forwards every POST, so the provider dials,
 * and then tells the scheduler something that does not say whether it did.
 */
const ambiguous: [string, GatewayFault][] = [
  ['a 504 from a gateway that gave up while the provider dials', { status: 504, afterMs: 50 }],
  ['a 502 from a gateway', { status: 502, afterMs: 20 }],
  ['a 500 from a provider that may have dialed', { status: 500, afterMs: 20 }],
  ['a connection reset after the request was sent', { reset: true, afterMs: 20 }],
  ['a provider slower than the client timeout', { delayMs: 600 }],
];

async function scheduleThrough(fault: GatewayFault, maxAttempts: number, count = 1) {
  const sim = await startCallApiSimulator({ flavour: 'polling', port: 0, stepMs: 20 });
  const gateway = await startFaultGateway({ target: sim.url, fault });
  const store = createSqliteStore({ path: ':memory:' });
  const scheduler = createScheduler({
    store,
    provider: createMockCallApiClient({ baseUrl: gateway.url, timeoutMs: 300 }),
    callerId: '+14155550100',
    watchIntervalMs: 10,
  });
  scheduler.on('error', () => {});
  const ended: ScheduledCall[] = [];
  const done = new Promise<void>((resolve) => {
    const end = ({ call }: { call: ScheduledCall }) => {
      ended.push(call);
      if (ended.length === count) resolve();
    };
    scheduler.on('failed', end);
    scheduler.on('completed', end);
  });
  try {
    await scheduler.start();
    const at = new Date(Date.now() + 50);
    const phones = Array.from({ length: count }, (_, i) => `+1415555${String(2600 + i)}`);
    const calls = await Promise.all(
      phones.map((to) =>
        scheduler.schedule({ to, at, maxAttempts, retryBackoff: { delayMs: 10 } }),
      ),
    );
    await done;
    // Time for anything that would place again (a retry, a reclaim) to have happened.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rows = await Promise.all(calls.map((c) => scheduler.get(c.id)));
    const history = await Promise.all(phones.map((p) => scheduler.history(p)));
    return { rows, history, placedAtProvider: sim.calls().length };
  } finally {
    await scheduler.stop();
    await store.close();
    await gateway.close();
    await sim.close();
  }
}

describe('a placement whose outcome is unknown, with the provider behind a gateway', () => {
  for (const [what, fault] of ambiguous) {
    for (const maxAttempts of [1, 3]) {
      it(`calls once, fails as outcome_unknown and records it after ${what} (maxAttempts ${maxAttempts})`, async () => {
        const { rows, history, placedAtProvider } = await scheduleThrough(fault, maxAttempts);
        expect(placedAtProvider).toBe(1);
        expect(rows).toMatchObject([{ status: 'failed', reason: 'outcome_unknown', attempt: 1 }]);
        expect(history[0]!.items).toMatchObject([
          { counterparty: '+14155550100', type: 'Unknown Inbound' },
        ]);
      });
    }
  }

  it('places each of 10 calls once when every answer comes after the client timeout', async () => {
    const { rows, history, placedAtProvider } = await scheduleThrough({ delayMs: 600 }, 3, 10);
    expect(placedAtProvider).toBe(10);
    expect(rows.every((r) => r.status === 'failed' && r.reason === 'outcome_unknown')).toBe(true);
    expect(history.map((h) => h.items.length)).toEqual(Array(10).fill(1));
  });
});

describe('a placement the provider surely refused', () => {
  it('is retried after 503s and places the call exactly once', async () => {
    // Most POSTs are answered 503 without creating a call, as an overloaded provider does.
    const sim = await startCallApiSimulator({
      flavour: 'polling',
      port: 0,
      stepMs: 20,
      errorRate: 0.8,
      seed: 3,
    });
    const store = createSqliteStore({ path: ':memory:' });
    const scheduler = createScheduler({
      store,
      provider: createMockCallApiClient({ baseUrl: sim.url, retry: { limit: 1, baseDelayMs: 1 } }),
      callerId: '+14155550100',
      watchIntervalMs: 10,
    });
    scheduler.on('error', () => {});
    try {
      await scheduler.start();
      const completed = new Promise((resolve) => scheduler.on('completed', resolve));
      const call = await scheduler.schedule({
        to: '+14155552671',
        at: new Date(Date.now() + 20),
        maxAttempts: 20,
        retryBackoff: { delayMs: 5 },
      });
      await completed;
      expect(await scheduler.get(call.id)).toMatchObject({ status: 'completed' });
      expect(sim.calls()).toHaveLength(1);
      expect((await scheduler.history('+14155552671')).items).toMatchObject([
        { type: 'Completed Inbound' },
      ]);
    } finally {
      await scheduler.stop();
      await store.close();
      await sim.close();
    }
  });

  for (const status of [429, 503] as const) {
    for (const maxAttempts of [1, 3]) {
      it(`is retried after a ${status} and places the call exactly once (maxAttempts ${maxAttempts})`, async () => {
        const sim = await startCallApiSimulator({ flavour: 'polling', port: 0, stepMs: 20 });
        // The first POST is refused without reaching the provider, as a rate limiter does.
        let refused = 0;
        const fetch: typeof globalThis.fetch = async (input, init) => {
          const request = new Request(input, init);
          if (request.method === 'POST' && refused === 0) {
            refused += 1;
            return new Response(JSON.stringify({ error: 'slow down' }), {
              status,
              headers: { 'content-type': 'application/json', 'retry-after': '0' },
            });
          }
          return globalThis.fetch(request);
        };
        const store = createSqliteStore({ path: ':memory:' });
        const scheduler = createScheduler({
          store,
          // With one attempt the client retries; with three, the scheduler does.
          provider: createMockCallApiClient({
            baseUrl: sim.url,
            fetch,
            retry: { limit: maxAttempts === 1 ? 1 : 0, baseDelayMs: 1 },
          }),
          callerId: '+14155550100',
          watchIntervalMs: 10,
        });
        scheduler.on('error', () => {});
        try {
          await scheduler.start();
          const completed = new Promise((resolve) => scheduler.on('completed', resolve));
          const call = await scheduler.schedule({
            to: '+14155552671',
            at: new Date(Date.now() + 20),
            maxAttempts,
            retryBackoff: { delayMs: 5 },
          });
          await completed;
          expect(refused).toBe(1);
          expect(sim.calls()).toHaveLength(1);
          expect(await scheduler.get(call.id)).toMatchObject({
            status: 'completed',
            attempt: maxAttempts === 1 ? 1 : 2,
          });
          expect((await scheduler.history('+14155552671')).items).toMatchObject([
            { type: 'Completed Inbound' },
          ]);
        } finally {
          await scheduler.stop();
          await store.close();
          await sim.close();
        }
      });
    }
  }
});
