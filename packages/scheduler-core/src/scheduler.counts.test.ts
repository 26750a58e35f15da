import { createFakeClock } from '@ringkit/call-client/testing';
import { describe, expect, it } from 'vitest';
import { fakeProvider } from '../test/fakes.js';
import { createScheduler } from './scheduler.js';
import { memoryStore } from './stores/memory/memory.js';
import type { Store } from './store.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');

async function withCalls(store: Store) {
  const clock = createFakeClock(T0);
  const scheduler = createScheduler({
    store,
    clock,
    provider: fakeProvider({ clock, script: () => ['ringing'] }),
    callerId: '+14155550100',
    recheckIntervalMs: 0,
    watchIntervalMs: 1_000,
  });
  for (let i = 0; i < 3; i++) {
    await scheduler.schedule({ to: `+1415555010${i + 1}`, at: new Date(T0 + 60_000) });
  }
  const canceled = await scheduler.schedule({ to: '+14155550109', at: new Date(T0 + 60_000) });
  await scheduler.cancel(canceled.id);
  await scheduler.schedule({ to: '+14155550108', at: new Date(T0) });
  await scheduler.start();
  // The due call is placed, then polled once: ringing.
  await clock.advance(1_000);
  await scheduler.stop();
  return scheduler;
}

describe('scheduler.counts()', () => {
  it('counts the calls of the store by status, every status present', async () => {
    const scheduler = await withCalls(memoryStore());
    expect(await scheduler.counts()).toEqual({
      scheduled: 3,
      queued: 0,
      initiated: 0,
      ringing: 1,
      answered: 0,
      completed: 0,
      busy: 0,
      'no-answer': 0,
      failed: 0,
      canceled: 1,
    });
  });

  it('walks through list() page by page with a store that cannot count', async () => {
    const inner = memoryStore();
    const lists: Array<string | null | undefined> = [];
    // A store without countByStatus, whose pages hold 2 rows: the walk must follow the cursor.
    const store: Store = {
      ...inner,
      countByStatus: undefined,
      list: (query) => {
        lists.push(query.cursor);
        return inner.list({ ...query, limit: 2 });
      },
    };
    const scheduler = await withCalls(store);
    lists.length = 0;
    const counts = await scheduler.counts();
    expect(counts).toMatchObject({ scheduled: 3, ringing: 1, canceled: 1, completed: 0 });
    expect(lists.length).toBe(3);
  });
});
