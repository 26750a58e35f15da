/**
 * Every step of a call is told with a version of its own, also the steps one write carries (a
 * placement answered `ringing` or already final, statuses that come together), and the last
 * one told is the row's: a view that keeps the newest version of each call (the demo's live
 * list) shows where the call stands.
 */
import type { CallProvider, CallStatus } from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import { describe, expect, it } from 'vitest';
import type { SchedulerEvents } from './events.js';
import { createScheduler } from './scheduler.js';
import { createMemoryStore } from './stores/memory/memory.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const BOB = '+14155552671';

/** A provider whose every call is answered with `answer`; its statuses come by webhook. */
const answering = (answer: CallStatus): CallProvider => ({
  name: 'answering',
  capabilities: { polling: false, webhooks: true },
  placeCall: async () => ({ id: 'p1', status: answer, providerStatus: answer, raw: null }),
});

/** What a view keeping the newest version of each call shows after `events`. */
function newest(events: SchedulerEvents['status'][]) {
  let shown: { version: number; status: string } | null = null;
  for (const { call } of events) {
    if (!shown || call.version > shown.version) shown = call;
  }
  return shown;
}

async function placed(answer: CallStatus) {
  const clock = createFakeClock(T0);
  const store = createMemoryStore();
  const scheduler = createScheduler({
    store,
    clock,
    provider: answering(answer),
    callerId: '+14155550100',
  });
  const statuses: SchedulerEvents['status'][] = [];
  scheduler.on('status', (e) => statuses.push(e));
  await scheduler.start();
  const call = await scheduler.schedule({ to: BOB, at: new Date(T0 + 1000) });
  await clock.advance(1000);
  return { scheduler, store, statuses, id: call.id };
}

describe('the versions of the steps of a call', () => {
  for (const answer of ['ringing', 'answered', 'completed', 'busy'] as const) {
    it(`a placement answered ${answer}: initiated and ${answer} each with a version of its own`, async () => {
      const { scheduler, store, statuses, id } = await placed(answer);
      const steps = statuses.slice(-2);
      expect(steps.map((e) => e.status)).toEqual(['initiated', answer]);
      const row = await store.get(id);
      expect(steps[1]!.call.version).toBe(row!.version);
      expect(steps[0]!.call.version).toBe(row!.version - 1);
      expect(steps[0]!.call.status).toBe('initiated');
      expect(newest(statuses)).toMatchObject({ status: answer, version: row!.version });
      await scheduler.stop();
    });
  }

  it('statuses that come together: fewer writes, each told with its own version, the last the row’s', async () => {
    const { scheduler, store, statuses, id } = await placed('initiated');
    const at = new Date(T0 + 2000);
    const webhook = (status: CallStatus) =>
      scheduler.handleStatus({ callId: 'p1', status, providerStatus: status, at });
    let writes = 0;
    const update = store.update.bind(store);
    store.update = (...args) => {
      writes += 1;
      return update(...args);
    };
    // Sent together: handled together, in one write of three steps.
    await Promise.all([webhook('ringing'), webhook('answered'), webhook('completed')]);
    expect(writes).toBe(1);
    const row = await store.get(id);
    expect(row).toMatchObject({ status: 'completed' });
    const told = statuses.slice(-3);
    expect(told.map((e) => [e.status, e.call.status])).toEqual([
      ['ringing', 'ringing'],
      ['answered', 'answered'],
      ['completed', 'completed'],
    ]);
    const versions = told.map((e) => e.call.version);
    expect(versions).toEqual([row!.version - 2, row!.version - 1, row!.version]);
    expect(newest(statuses)).toMatchObject({ status: 'completed', version: row!.version });
    await scheduler.stop();
  });
});
