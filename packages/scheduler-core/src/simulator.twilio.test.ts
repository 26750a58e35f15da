import type { CallStatusEvent } from '@ringkit/call-client';
import { startCallApiSimulator, TWILIO_TEST_CREDENTIALS } from '@ringkit/simulator';
import { createTwilioClient, parseTwilioStatusCallback } from '@ringkit/call-client/twilio';
import { describe, expect, it } from 'vitest';
import { createScheduler, type Scheduler } from './scheduler.js';
import { createSqliteStore } from './stores/sqlite/sqlite.js';

const ME = '+14155550100';
const BOB = '+14155552671';

describe('against the Twilio simulator', () => {
  it('places a scheduled call with its message and machine detection, and its history says a machine answered', async () => {
    // The scheduler needs the simulator's address, the simulator the scheduler's handleStatus.
    const late: { scheduler?: Scheduler } = {};
    const handled: Promise<unknown>[] = [];
    const sim = await startCallApiSimulator({
      flavour: 'twilio',
      port: 0,
      stepMs: 20,
      seed: 11,
      outcomes: { completed: 1 },
      machineRate: 1,
      callsPerSecond: 100,
      // The status callbacks, straight to the scheduler, as a webhook route would pass them.
      deliverStatusCallback: async (request) => {
        const event: CallStatusEvent = parseTwilioStatusCallback(request.params);
        const done = late.scheduler!.handleStatus(event);
        handled.push(done);
        await done;
      },
    });
    const store = createSqliteStore({ path: ':memory:' });
    const scheduler = createScheduler({
      store,
      provider: createTwilioClient({
        ...TWILIO_TEST_CREDENTIALS,
        baseUrl: sim.url,
        from: ME,
        statusCallbackUrl: 'https://app.example/webhooks/twilio',
      }),
      callerId: ME,
    });
    late.scheduler = scheduler;
    try {
      await scheduler.start();
      const completed = new Promise((resolve) => scheduler.on('completed', resolve));
      const call = await scheduler.schedule({
        to: BOB,
        at: new Date(Date.now() + 50),
        call: {
          say: 'Your appointment is tomorrow at 9:30 & bring <ID>.',
          machineDetection: 'detect',
        },
      });
      await completed;
      await Promise.all(handled);
      const [placed] = sim.calls();
      expect(sim.calls()).toHaveLength(1);
      expect(placed).toMatchObject({
        id: (await scheduler.get(call.id)).providerCallId,
        phone: BOB,
        from: ME,
        twiml:
          '<Response><Say>Your appointment is tomorrow at 9:30 &amp; bring &lt;ID&gt;.</Say></Response>',
        machineDetection: 'Enable',
        answeredBy: 'machine_start',
      });
      expect(placed!.createParams).toMatchObject({ MachineDetection: ['Enable'] });
      const history = await scheduler.history(BOB);
      expect(history.items).toEqual([
        expect.objectContaining({
          counterparty: ME,
          type: 'Completed Inbound',
          answeredBy: 'machine',
        }),
      ]);
      expect((await scheduler.history(ME)).items[0]).toMatchObject({ answeredBy: 'machine' });
    } finally {
      await scheduler.stop();
      await store.close();
      await sim.close();
    }
  });
});
