import { createFakeClock } from '@ringkit/call-client/testing';
import { describe, expect, it } from 'vitest';
import { createFakeProvider } from '@ringkit/simulator';
import { deferred } from '../test/fakes.js';
import { createScheduler } from './scheduler.js';
import type { Store, StoredCall } from './store.js';
import { createMemoryStore } from './stores/memory/memory.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');

describe('stop()', () => {
  it('waits for a claim on its way and hands its calls back before it resolves', async () => {
    const clock = createFakeClock(T0);
    const inner = createMemoryStore();
    const gate = deferred();
    let claims = 0;
    let afterStop = 0;
    let stopped = false;
    const store: Store = Object.assign(Object.create(inner) as Store, {
      async claimDue(now: number, limit: number, workerId: string, leaseUntil: number) {
        claims += 1;
        await gate.promise;
        return inner.claimDue(now, limit, workerId, leaseUntil);
      },
      async update(...args: Parameters<Store['update']>) {
        if (stopped) afterStop += 1;
        return inner.update(...args);
      },
    });
    const provider = createFakeProvider({ clock });
    const scheduler = createScheduler({ store, provider, clock, callerId: '+14155550100' });
    const call = await scheduler.schedule({ to: '+14155552671', at: new Date(T0) });
    void scheduler.start();
    for (let i = 0; i < 20 && claims === 0; i += 1) await new Promise((r) => setImmediate(r));
    expect(claims).toBe(1); // the claim is on its way, held at the store
    let resolved = false;
    const stopping = scheduler.stop().then(() => {
      resolved = true;
    });
    for (let i = 0; i < 5; i += 1) await new Promise((r) => setImmediate(r));
    expect(resolved).toBe(false); // not before the claim is back
    gate.resolve();
    await stopping;
    stopped = true;
    const row = (await inner.get(call.id)) as StoredCall;
    // Handed back untouched: due again for the next worker at once, never placed.
    expect(row).toMatchObject({ status: 'scheduled', leaseOwner: null });
    expect(provider.placed).toHaveLength(0);
    for (let i = 0; i < 5; i += 1) await new Promise((r) => setImmediate(r));
    expect(afterStop).toBe(0); // nothing written once stop() resolved
  });
});
