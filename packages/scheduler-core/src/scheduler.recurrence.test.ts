import { describe, expect, it } from 'vitest';
import { createMemoryStore } from './stores/memory/memory.js';
import { createFakeProvider } from '@ringkit/simulator';
import { createScheduler } from './scheduler.js';
import { createFakeClock } from '@ringkit/call-client/testing';

const ME = '+14155550100';
const BOB = '+14155552671';

async function runDaily(from: string, until: string) {
  const clock = createFakeClock(from);
  const store = createMemoryStore();
  const provider = createFakeProvider({ clock, script: () => ['answered', 'completed'] });
  const scheduler = createScheduler({ store, provider, clock, callerId: ME, recheckIntervalMs: 0 });
  await scheduler.start();
  const first = await scheduler.schedule({
    to: BOB,
    recurrence: { cron: '0 9 * * *', timezone: 'America/New_York' },
  });
  await clock.advanceTo(new Date(until));
  await scheduler.stop();
  const calls = (await scheduler.list({ limit: 100 })).items;
  return { first, calls, placed: provider.placed.map((p) => p.at.toISOString()) };
}

describe('recurrence', () => {
  it('calls daily at 09:00 New York time across the spring DST change', async () => {
    const { first, calls, placed } = await runDaily('2026-03-06T15:00:00Z', '2026-03-10T15:00:00Z');
    expect(first.dueAt.toISOString()).toBe('2026-03-07T14:00:00.000Z');
    expect(placed).toEqual([
      '2026-03-07T14:00:00.000Z', // EST, UTC-5
      '2026-03-08T13:00:00.000Z', // EDT from 2026-03-08, UTC-4
      '2026-03-09T13:00:00.000Z',
      '2026-03-10T13:00:00.000Z',
    ]);
    // One row per occurrence, linked by the series id; the next one waits.
    expect(calls.map((c) => c.status)).toEqual([
      'completed',
      'completed',
      'completed',
      'completed',
      'scheduled',
    ]);
    expect(new Set(calls.map((c) => c.seriesId))).toEqual(new Set([first.id]));
    expect(calls[4]!.dueAt.toISOString()).toBe('2026-03-11T13:00:00.000Z');
  });

  it('calls daily at 09:00 New York time across the autumn DST change', async () => {
    const { placed } = await runDaily('2026-10-30T15:00:00Z', '2026-11-02T15:00:00Z');
    expect(placed).toEqual([
      '2026-10-31T13:00:00.000Z', // EDT
      '2026-11-01T14:00:00.000Z', // EST from 2026-11-01
      '2026-11-02T14:00:00.000Z',
    ]);
  });

  it('stops a series when an occurrence is canceled', async () => {
    const clock = createFakeClock('2026-03-06T15:00:00Z');
    const provider = createFakeProvider({ clock });
    const scheduler = createScheduler({
      store: createMemoryStore(),
      provider,
      clock,
      callerId: ME,
      recheckIntervalMs: 0,
    });
    await scheduler.start();
    const first = await scheduler.schedule({
      to: BOB,
      recurrence: { cron: '0 9 * * *', timezone: 'UTC' },
    });
    await scheduler.cancel(first.id);
    await clock.advance(5 * 86_400_000);
    expect(provider.placed).toHaveLength(0);
    expect((await scheduler.list()).items).toHaveLength(1);
    await scheduler.stop();
  });
});
