import { createFakeClock } from '@ringkit/call-client/testing';
import { describe, expect, it } from 'vitest';
import { createFakeProvider } from '@ringkit/simulator';
import { deferred } from '../test/fakes.js';
import { timeline } from './_rows.js';
import { createScheduler } from './scheduler.js';
import type { Store, StoredCall } from './store.js';
import { createMemoryStore } from './stores/memory/memory.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');

describe('stop()', () => {
  // A store whose claim marks marks the call it sends at once: handed back, the mark goes.
  it.each([
    ['a claim that marks', true],
    ['a plain claim', false],
  ])('waits for %s on its way and hands its calls back before it resolves', async (_, marks) => {
    const clock = createFakeClock(T0);
    const inner = createMemoryStore();
    const gate = deferred();
    let claims = 0;
    let afterStop = 0;
    let stopped = false;
    const held =
      <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        claims += 1;
        await gate.promise;
        return run(...args);
      };
    const store: Store = Object.assign(Object.create(inner) as Store, {
      capabilities: { ...inner.capabilities, marks },
      claimDue: held(inner.claimDue.bind(inner)),
      async update(...args: Parameters<Store['update']>) {
        if (stopped) afterStop += 1;
        return inner.update(...args);
      },
    });
    const provider = createFakeProvider({ clock });
    const scheduler = createScheduler({ store, provider, clock, callerId: '+14155550100' });
    const call = await scheduler.schedule({ to: '+14155552671', at: new Date(T0) });
    const scheduled = (await inner.get(call.id))!;
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
    // Handed back untouched: due again for the next worker at once, never placed, no mark.
    expect(row).toMatchObject({ status: 'scheduled', leaseOwner: null, placingAt: null });
    expect(timeline(row)).toEqual(timeline(scheduled));
    expect(provider.placed).toHaveLength(0);
    for (let i = 0; i < 5; i += 1) await new Promise((r) => setImmediate(r));
    expect(afterStop).toBe(0); // nothing written once stop() resolved
  });
});
