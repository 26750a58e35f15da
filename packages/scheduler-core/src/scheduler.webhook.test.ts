import { describe, expect, it } from 'vitest';
import { createMemoryStore } from './stores/memory/memory.js';
import { createFakeProvider } from '@ringkit/simulator';
import { deferred } from '../test/fakes.js';
import { createScheduler } from './scheduler.js';
import { createFakeClock } from '@ringkit/call-client/testing';

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
    const provider = createFakeProvider({ clock, follow: 'webhooks' });
    const scheduler = createScheduler({
      store: createMemoryStore(),
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

  it('counts the talk time from the earliest answer, even one that arrives after a later answer and the end', async () => {
    const clock = createFakeClock(T0);
    const provider = createFakeProvider({ clock, follow: 'webhooks' });
    const store = createMemoryStore();
    const scheduler = createScheduler({ store, provider, clock, callerId: '+14155550100' });
    await scheduler.start();
    const { id } = await scheduler.schedule({ to: '+14155552671', at: new Date(T0 + 1000) });
    await clock.advance(1000);
    await clock.advanceTo(T0 + 10_000);
    await scheduler.handleStatus(event('answered', T0 + 10_000));
    await clock.advanceTo(T0 + 40_000);
    await scheduler.handleStatus(event('completed', T0 + 40_000));
    // A late report carrying the provider's own, earlier, time of the answer.
    await scheduler.handleStatus(event('answered', T0 + 4_000));
    expect(await scheduler.get(id)).toMatchObject({ status: 'completed' });
    const { items } = await scheduler.history('+14155552671');
    expect(items).toMatchObject([{ type: 'Completed Inbound', duration: 36 }]);
    const [record] = (await store.listCallLog({ phone: '+14155552671', limit: 1 })).items;
    expect(record).toMatchObject({ answeredAt: T0 + 4_000, endedAt: T0 + 40_000 });
    await scheduler.stop();
  });

  it('learns the answer when the answered and completed webhooks are handled at once', async () => {
    for (const order of [
      ['answered', 'completed'],
      ['completed', 'answered'],
    ] as const) {
      const clock = createFakeClock(T0);
      const provider = createFakeProvider({ clock, follow: 'webhooks' });
      const store = createMemoryStore();
      const scheduler = createScheduler({ store, provider, clock, callerId: '+14155550100' });
      await scheduler.start();
      const { id } = await scheduler.schedule({ to: '+14155552671', at: new Date(T0 + 1000) });
      await clock.advance(1000);
      await scheduler.handleStatus(event('ringing', T0 + 2_000));
      await clock.advanceTo(T0 + 35_000);
      const at = { answered: T0 + 5_000, completed: T0 + 35_000 };
      await Promise.all(order.map((status) => scheduler.handleStatus(event(status, at[status]))));
      expect(await scheduler.get(id)).toMatchObject({ status: 'completed' });
      const [record] = (await store.listCallLog({ phone: '+14155552671', limit: 1 })).items;
      expect(record, order.join(' then ')).toMatchObject({
        status: 'completed',
        answeredAt: T0 + 5_000,
        durationS: 30,
      });
      await scheduler.stop();
    }
  });

  it('counts the talk time from an answer reported before the placement was answered', async () => {
    const clock = createFakeClock(T0);
    const gate = deferred();
    const provider = createFakeProvider({ clock, follow: 'webhooks', onPlace: () => gate.promise });
    const store = createMemoryStore();
    const scheduler = createScheduler({ store, provider, clock, callerId: '+14155550100' });
    await scheduler.start();
    await scheduler.schedule({ to: '+14155552671', at: new Date(T0 + 1000) });
    await clock.advance(1000);
    // The provider dials and the callee answers before the POST's answer comes back.
    await clock.advance(2000);
    expect(await scheduler.handleStatus(event('answered', T0 + 3000))).toBeNull();
    await clock.advance(1000);
    gate.resolve();
    await clock.flush();
    await clock.advance(20_000);
    await scheduler.handleStatus(event('completed', T0 + 24_000));
    const [record] = (await store.listCallLog({ phone: '+14155552671', limit: 1 })).items;
    expect(record).toMatchObject({
      status: 'completed',
      startedAt: T0 + 3000,
      answeredAt: T0 + 3000,
      endedAt: T0 + 24_000,
      durationS: 21,
    });
    await scheduler.stop();
  });

  it('keeps a webhook that arrives before the placement is answered and applies it after', async () => {
    const clock = createFakeClock(T0);
    const gate = deferred();
    const provider = createFakeProvider({ clock, follow: 'webhooks', onPlace: () => gate.promise });
    const scheduler = createScheduler({
      store: createMemoryStore(),
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
