import { describe, expect, it } from 'vitest';
import { memoryStore } from './adapters/memory.js';
import { deferred, fakeProvider } from './internal/_fakes.js';
import { createScheduler } from './scheduler.js';
import { createFakeClock } from './testing/fake-clock.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const event = (status: 'ringing' | 'answered' | 'completed', at: number) => ({
  callId: 'p0',
  status,
  providerStatus: status,
  at: new Date(at),
});

describe('webhook providers', () => {
  it('follows a call through handleStatus, ignoring repeated and late events but learning a late answer', async () => {
    const clock = createFakeClock(T0);
    const provider = fakeProvider({ clock, webhooks: true });
    const scheduler = createScheduler({
      store: memoryStore(),
      provider,
      clock,
      callerId: '+14155550100',
    });
    await scheduler.start();
    const { id } = await scheduler.schedule({ to: '+14155552671', at: new Date(T0 + 1000) });
    await clock.advance(1000);
    await clock.advance(1000);
    await scheduler.handleStatus(event('ringing', T0 + 2000));
    await clock.advance(7000);
    await scheduler.handleStatus(event('completed', T0 + 9000));
    await scheduler.handleStatus(event('ringing', T0 + 2000));
    await scheduler.handleStatus(event('answered', T0 + 3000));
    const call = await scheduler.get(id);
    expect(call.status).toBe('completed');
    expect(call.events.map((e) => e.status)).toEqual([
      'scheduled',
      'queued',
      'initiated',
      'ringing',
      'completed',
      'answered',
    ]);
    // The late `answered` (3 s) is what the talk time counts from, not the call's start (1 s).
    const { items } = await scheduler.history('+14155552671');
    expect(items).toMatchObject([{ type: 'Completed Inbound', duration: 6 }]);
    await scheduler.handleStatus(event('answered', T0 + 4000));
    expect((await scheduler.get(id)).events).toHaveLength(6);
    expect(await scheduler.handleStatus({ ...event('ringing', T0), callId: 'unknown' })).toBeNull();
    await scheduler.stop();
  });

  it('keeps a webhook that arrives before the placement is answered and applies it after', async () => {
    const clock = createFakeClock(T0);
    const gate = deferred();
    const provider = fakeProvider({ clock, webhooks: true, onPlace: () => gate.promise });
    const scheduler = createScheduler({
      store: memoryStore(),
      provider,
      clock,
      callerId: '+14155550100',
    });
    await scheduler.start();
    const { id } = await scheduler.schedule({ to: '+14155552671', at: new Date(T0 + 1000) });
    await clock.advance(1000);
    expect(await scheduler.handleStatus(event('ringing', T0 + 1000))).toBeNull();
    gate.resolve();
    await clock.flush();
    expect((await scheduler.get(id)).status).toBe('ringing');
    await scheduler.stop();
  });
});
