import type { CallStatus } from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import { countingClock } from '@ringkit/internal/testing';
import { describe, expect, it } from 'vitest';
import { createFakeProvider } from '@ringkit/simulator';
import { createScheduler } from './scheduler.js';
import { createMemoryStore } from './stores/memory/memory.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const ME = '+14155550100';

describe('following many calls by polling', () => {
  it('keeps a few timers armed, not one per call, while 1,000 calls are in flight', async () => {
    const { clock, inner, stats } = countingClock(createFakeClock(T0));
    // Each call rings for 20 polls, is answered, then completes.
    const script = (): CallStatus[] => [
      ...Array<CallStatus>(20).fill('ringing'),
      'answered',
      'completed',
    ];
    const provider = createFakeProvider({ clock, script });
    let polls = 0;
    const getCall = provider.getCall!.bind(provider);
    provider.getCall = (id, options) => {
      polls += 1;
      return getCall(id, options);
    };
    const scheduler = createScheduler({
      store: createMemoryStore(),
      provider,
      clock,
      callerId: ME,
      concurrency: 100,
      recheckIntervalMs: 0,
    });
    const completed: string[] = [];
    scheduler.on('completed', (event) => completed.push(event.call.id));
    await scheduler.start();
    for (let i = 0; i < 1000; i += 1) {
      await scheduler.schedule({
        to: `+1415555${String(1000 + i)}`,
        at: new Date(T0 + 1000),
      });
    }
    await inner.advance(2000);
    expect(provider.placed).toHaveLength(1000);
    // Placing holds a lease timer per placement in flight: at most `concurrency` of them.
    expect(stats.maxLive).toBeLessThanOrEqual(100 + 8);
    stats.maxLive = stats.live();
    await inner.advance(120_000);
    expect(completed).toHaveLength(1000);
    expect(polls).toBe(1000 * 22);
    // Following: the shared poller's timer, the lease renewal and the sweep, whatever the count.
    expect(stats.maxLive).toBeLessThanOrEqual(8);
    await scheduler.stop();
  });

  it('never polls a provider whose getCall cannot tell how a call ended (capabilities.polling false)', async () => {
    const clock = createFakeClock(T0);
    const provider = createFakeProvider({
      clock,
      script: () => ['ringing', 'answered', 'completed'],
    });
    // A look-up that says alive or ended, not how (Telnyx's): no way to follow a call.
    Object.assign(provider.capabilities, { polling: false, webhooks: false });
    let polls = 0;
    const getCall = provider.getCall!.bind(provider);
    provider.getCall = (id, options) => {
      polls += 1;
      return getCall(id, options);
    };
    const scheduler = createScheduler({
      store: createMemoryStore(),
      provider,
      clock,
      callerId: ME,
      recheckIntervalMs: 0,
    });
    await scheduler.start();
    const call = await scheduler.schedule({ to: '+14155552671', at: new Date(T0 + 1000) });
    await clock.advance(10_000);
    expect(provider.placed).toHaveLength(1);
    expect(polls).toBe(0);
    expect((await scheduler.get(call.id))?.status).toBe('initiated');
    await scheduler.stop();
  });
});
