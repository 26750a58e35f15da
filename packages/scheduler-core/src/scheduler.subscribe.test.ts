import { describe, expect, it } from 'vitest';
import { createMemoryStore } from './stores/memory/memory.js';
import { createFakeProvider } from '@ringkit/simulator';
import { createScheduler } from './scheduler.js';
import type { Store } from './store.js';
import { createFakeClock } from '@ringkit/call-client/testing';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const ME = '+14155550100';

/** One memory store shared by two schedulers, with subscribe() standing in for LISTEN/NOTIFY. */
function sharedStore() {
  const inner = createMemoryStore();
  const listeners = new Set<(wakeAt: number | null) => void>();
  let unsubscribed = 0;
  const store: Store = Object.assign(Object.create(inner) as Store, {
    async insert(row: Parameters<Store['insert']>[0]) {
      const stored = await inner.insert(row);
      for (const listener of listeners) listener(stored.dueAt);
      return stored;
    },
    async subscribe(listener: (wakeAt: number | null) => void) {
      listeners.add(listener);
      return async () => {
        unsubscribed += 1;
        listeners.delete(listener);
      };
    },
  });
  return { store, listeners, unsubscribed: () => unsubscribed };
}

describe('a store that announces changes (subscribe)', () => {
  it('wakes an idle worker at once for a call scheduled by another process', async () => {
    const clock = createFakeClock(T0);
    const shared = sharedStore();
    const provider = createFakeProvider({ clock });
    // The worker runs with no safety poll at all: only the announcement can wake it.
    const worker = createScheduler({
      store: shared.store,
      provider,
      clock,
      callerId: ME,
      recheckIntervalMs: 0,
    });
    await worker.start();
    const other = createScheduler({
      store: shared.store,
      provider,
      clock,
      callerId: ME,
      recheckIntervalMs: 0,
    });
    await other.schedule({ to: '+14155552671', at: new Date(T0 + 5_000) });
    await clock.advance(5_000);
    expect(provider.placed.map((p) => p.at.getTime())).toEqual([T0 + 5_000]);
    await worker.stop();
  });

  it('stops listening when the scheduler stops', async () => {
    const clock = createFakeClock(T0);
    const shared = sharedStore();
    const scheduler = createScheduler({
      store: shared.store,
      provider: createFakeProvider({ clock }),
      clock,
      callerId: ME,
    });
    await scheduler.start();
    expect(shared.listeners.size).toBe(1);
    await scheduler.stop();
    expect(shared.listeners.size).toBe(0);
    expect(shared.unsubscribed()).toBe(1);
  });
});
