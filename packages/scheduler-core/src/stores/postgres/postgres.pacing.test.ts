import { mostInOneSecond } from '@ringkit/internal/testing';
import { startCallApiSimulator } from '@ringkit/simulator';
import { expect, it } from 'vitest';
import { createFakeProvider } from '@ringkit/simulator';
import { describeWithDatabase } from '../../../test/pg-testing.js';
import { startWorker, workerSuite } from '../../../test/pg-workers.js';
import { createScheduler } from '../../scheduler.js';
import { systemClock } from '@ringkit/call-client';

const CALLS = 400;
const WORKERS = 4;
const CALLS_PER_SECOND = 40;

describeWithDatabase('callsPerSecond over PostgreSQL: one budget for every worker', (url) => {
  const { schema, workers, openStore } = workerSuite(url);

  it('4 workers with a budget of 40/s place 400 calls due at once, never more than 40 in a second, each once', async () => {
    const sim = await startCallApiSimulator({ flavour: 'polling', port: 0, stepMs: 20, seed: 11 });
    try {
      const store = await openStore();
      workers.push(
        ...(await Promise.all(
          Array.from({ length: WORKERS }, (_, n) =>
            startWorker({
              url,
              schema,
              workerId: `w${n}`,
              baseUrl: sim.url,
              concurrency: 50,
              leaseMs: 30_000,
              callTimeoutMs: 60_000,
              poolSize: 4,
              callsPerSecond: CALLS_PER_SECOND,
              recordSends: true,
            }),
          ),
        )),
      );

      // Another process schedules them: NOTIFY wakes the workers.
      const scheduler = createScheduler({
        store,
        // The workers' provider: a call is placed only through the provider it was made for.
        provider: createFakeProvider({ clock: systemClock, name: 'mock-call-api' }),
        callerId: '+14155550100',
      });
      const at = new Date(Date.now() + 1_000);
      const numbers = Array.from({ length: CALLS }, (_, i) => `+1415${3_000_000 + i}`);
      await scheduler.scheduleMany(numbers.map((to) => ({ to, at })));

      const deadline = Date.now() + 60_000;
      while (sim.calls().length < CALLS && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      for (const worker of workers) worker.child.send('stop');
      await Promise.all(workers.map((w) => w.exited));

      // Counted at the simulator: every call placed, none twice.
      const phones = sim.calls().map((c) => c.phone);
      expect(phones).toHaveLength(CALLS);
      expect(new Set(phones)).toEqual(new Set(numbers));

      // Measured where each request left: the fetch of its worker, on one clock for all.
      const sends = workers.flatMap((w) => {
        const stopped = w.messages.at(-1);
        expect(stopped).toMatchObject({ type: 'stopped', errors: {} });
        return stopped?.type === 'stopped' ? (stopped.sends ?? []) : [];
      });
      expect(sends).toHaveLength(CALLS);
      expect(mostInOneSecond(sends)).toBeLessThanOrEqual(CALLS_PER_SECOND);
      // The budget was shared, not merely split: more than one worker sent.
      const senders = workers.filter((w) => {
        const stopped = w.messages.at(-1);
        return stopped?.type === 'stopped' && (stopped.sends?.length ?? 0) > 0;
      });
      expect(senders.length).toBeGreaterThan(1);
    } finally {
      await sim.close();
    }
  }, 120_000);
});
