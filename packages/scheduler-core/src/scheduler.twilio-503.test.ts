import {
  startCallApiSimulator,
  TWILIO_TEST_CREDENTIALS,
  type SimulatorEvent,
} from '@ringkit/simulator';
import { createTwilioClient } from '@ringkit/call-client/twilio';
import { describe, expect, it } from 'vitest';
import { createScheduler } from './scheduler.js';
import { createSqliteStore } from './stores/sqlite/sqlite.js';
import type { ScheduledCall } from './types.js';

const ME = '+14155550100';
const BOB = '+14155552671';

describe('a Twilio 503 on the create request', () => {
  for (const maxAttempts of [1, 3]) {
    it(`sends one create request and ends the call outcome_unknown (maxAttempts ${maxAttempts})`, async () => {
      // Every create request is answered 503: Twilio does not document that one created nothing.
      let creates = 0;
      const sim = await startCallApiSimulator({
        flavour: 'twilio',
        port: 0,
        stepMs: 20,
        errorRate: 1,
        onEvent(event: SimulatorEvent) {
          if (event.type === 'rejected' && event.method === 'POST' && event.httpStatus === 503)
            creates += 1;
          if (event.type === 'created') creates += 1;
        },
      });
      const store = createSqliteStore({ path: ':memory:' });
      const scheduler = createScheduler({
        store,
        provider: createTwilioClient({
          ...TWILIO_TEST_CREDENTIALS,
          baseUrl: sim.url,
          from: ME,
          retry: { limit: 5, baseDelayMs: 1 },
          reconcile: { attempts: 1, delayMs: 1, skewMs: 1000 },
        }),
        callerId: ME,
        watchIntervalMs: 10,
      });
      scheduler.on('error', () => {});
      try {
        await scheduler.start();
        const failed = new Promise<ScheduledCall>((resolve) =>
          scheduler.on('failed', (event) => resolve(event.call)),
        );
        const call = await scheduler.schedule({
          to: BOB,
          at: new Date(Date.now() + 20),
          maxAttempts,
          retryBackoff: { delayMs: 5 },
          call: { say: 'Your order is ready.' },
        });
        await failed;
        expect(await scheduler.get(call.id)).toMatchObject({
          status: 'failed',
          reason: 'outcome_unknown',
          attempt: 1,
        });
        expect(creates).toBe(1);
        expect(sim.calls()).toEqual([]);
        expect((await scheduler.history(BOB)).items).toMatchObject([
          { counterparty: ME, type: 'Unknown Inbound' },
        ]);
      } finally {
        await scheduler.stop();
        await store.close();
        await sim.close();
      }
    });
  }
});
