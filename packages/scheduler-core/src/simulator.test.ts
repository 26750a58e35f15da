import { createMockCallApiClient } from '@ringkit/call-client';
import { startCallApiSimulator } from '@ringkit/simulator';
import { describe, expect, it } from 'vitest';
import { createSqliteStore } from './stores/sqlite/sqlite.js';
import { createScheduler } from './scheduler.js';

describe('against the polling simulator', () => {
  it('places a scheduled call, follows it to completion and lists it in history', async () => {
    const sim = await startCallApiSimulator({ flavour: 'polling', port: 0, stepMs: 20, seed: 7 });
    const store = createSqliteStore({ path: ':memory:' });
    const scheduler = createScheduler({
      store,
      provider: createMockCallApiClient({ baseUrl: sim.url, retry: 0 }),
      callerId: '+14155550100',
      watchIntervalMs: 10,
    });
    try {
      await scheduler.start();
      const completed = new Promise((resolve) => scheduler.on('completed', resolve));
      const call = await scheduler.schedule({ to: '+14155552671', at: new Date(Date.now() + 50) });
      await completed;
      const done = await scheduler.get(call.id);
      expect(done.status).toBe('completed');
      expect(done.events.map((e) => e.status)).toEqual(
        expect.arrayContaining(['scheduled', 'queued', 'initiated', 'completed']),
      );
      expect(sim.calls()).toHaveLength(1);
      expect(sim.calls()[0]).toMatchObject({ id: done.providerCallId, phone: '+14155552671' });
      const history = await scheduler.history('+14155552671');
      expect(history.items).toHaveLength(1);
      expect(history.items[0]).toMatchObject({
        counterparty: '+14155550100',
        type: 'Completed Inbound',
      });
      expect(typeof history.items[0]!.duration).toBe('number');
    } finally {
      await scheduler.stop();
      await store.close();
      await sim.close();
    }
  });
});
