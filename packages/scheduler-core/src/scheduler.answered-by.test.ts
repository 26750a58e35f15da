/**
 * Who answered a call (`machineDetection`): from the placement's answer, a webhook or a poll, the
 * first word stands, on the timeline, in the call record, in history and on the status events.
 */
import type { AnsweredBy, CallStatus } from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import { describe, expect, it } from 'vitest';
import { isValidationError, type ValidationError } from './errors.js';
import type { SchedulerEvents } from './events.js';
import { createScheduler } from './scheduler.js';
import { createMemoryStore } from './stores/memory/memory.js';
import { createFakeProvider, type FakeProviderOptions } from '@ringkit/simulator';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const ME = '+14155550100';
const BOB = '+14155552671';

function setup(provider: Partial<FakeProviderOptions> = {}) {
  const clock = createFakeClock(T0);
  const store = createMemoryStore();
  const fake = createFakeProvider({ clock, callOptions: ['machineDetection'], ...provider });
  const scheduler = createScheduler({ store, clock, provider: fake, callerId: ME });
  const statuses: SchedulerEvents['status'][] = [];
  const placements: SchedulerEvents['placement'][] = [];
  scheduler.on('status', (e) => statuses.push(e));
  scheduler.on('placement', (e) => placements.push(e));
  return { clock, store, scheduler, statuses, placements };
}

const event = (status: CallStatus, at: number, answeredBy?: AnsweredBy) => ({
  callId: 'p0',
  status,
  providerStatus: status,
  at: new Date(at),
  ...(answeredBy === undefined ? {} : { answeredBy }),
});

/** Schedules one call with machine detection and lets it be placed (at T0 + 1 s). */
async function placeOne(
  scheduler: ReturnType<typeof setup>['scheduler'],
  clock: { advance(ms: number): Promise<void> },
) {
  await scheduler.start();
  const call = await scheduler.schedule({
    to: BOB,
    at: new Date(T0 + 1000),
    call: { machineDetection: 'detect' },
  });
  await clock.advance(1000);
  return call.id;
}

describe('who answered', () => {
  it("puts who answered in history from the placement's answer, and on the placement and status events", async () => {
    const { clock, scheduler, statuses, placements } = setup({ answeredBy: () => 'machine' });
    const id = await placeOne(scheduler, clock);
    await clock.advance(5000);
    expect((await scheduler.get(id)).status).toBe('completed');
    expect((await scheduler.history(BOB)).items).toMatchObject([
      { type: 'Completed Inbound', answeredBy: 'machine' },
    ]);
    expect(placements.map((p) => p.answeredBy)).toEqual(['machine']);
    expect(statuses.map((s) => [s.status, s.answeredBy])).toEqual([
      ['queued', undefined],
      ['initiated', 'machine'],
      ['ringing', 'machine'],
      ['answered', 'machine'],
      ['completed', 'machine'],
    ]);
    await scheduler.stop();
  });

  it('puts who answered in history from a webhook, and a later event without it does not erase it', async () => {
    const { clock, store, scheduler, statuses } = setup({ follow: 'webhooks' });
    const id = await placeOne(scheduler, clock);
    await scheduler.handleStatus(event('answered', T0 + 3000, 'human'));
    await scheduler.handleStatus(event('completed', T0 + 9000));
    // A repeated status with another word changes nothing: the first word stands.
    await scheduler.handleStatus(event('completed', T0 + 9000, 'machine'));
    const call = await scheduler.get(id);
    expect(call.events.filter((e) => e.answeredBy).map((e) => [e.status, e.answeredBy])).toEqual([
      ['answered', 'human'],
    ]);
    expect((await scheduler.history(BOB)).items).toMatchObject([
      { type: 'Completed Inbound', answeredBy: 'human' },
    ]);
    const [record] = (await store.listCallLog({ phone: BOB, limit: 1 })).items;
    expect(record).toMatchObject({ from: ME, answeredBy: 'human' });
    expect(statuses.at(-1)).toMatchObject({ status: 'completed', answeredBy: 'human' });
    await scheduler.stop();
  });

  it('learns who answered from a repeated status when the first one did not say', async () => {
    const { clock, scheduler } = setup({ follow: 'webhooks' });
    await placeOne(scheduler, clock);
    await scheduler.handleStatus(event('answered', T0 + 3000));
    await scheduler.handleStatus(event('answered', T0 + 3000, 'machine'));
    expect((await scheduler.history(BOB)).items).toMatchObject([
      { type: 'In progress Inbound', answeredBy: 'machine' },
    ]);
    await scheduler.handleStatus(event('completed', T0 + 9000, 'human'));
    expect((await scheduler.history(BOB)).items).toMatchObject([
      { type: 'Completed Inbound', answeredBy: 'machine' },
    ]);
    await scheduler.stop();
  });

  it('learns who answered from a late answered webhook that arrives after the end', async () => {
    const { clock, scheduler } = setup({ follow: 'webhooks' });
    await placeOne(scheduler, clock);
    await scheduler.handleStatus(event('completed', T0 + 9000));
    await scheduler.handleStatus(event('answered', T0 + 3000, 'fax'));
    expect((await scheduler.history(BOB)).items).toMatchObject([
      { type: 'Completed Inbound', answeredBy: 'fax' },
    ]);
    await scheduler.stop();
  });

  it('leaves answeredBy out of history and status events where the provider detected nothing', async () => {
    const { clock, scheduler, statuses } = setup();
    await placeOne(scheduler, clock);
    await clock.advance(5000);
    const [entry] = (await scheduler.history(BOB)).items;
    expect(entry).toMatchObject({ type: 'Completed Inbound' });
    expect('answeredBy' in entry!).toBe(false);
    expect(statuses.some((s) => 'answeredBy' in s)).toBe(false);
    await scheduler.stop();
  });

  it('keeps who answered a call given to recordCall, and refuses a word it does not know', async () => {
    const { scheduler } = setup();
    const call = { from: ME, to: BOB, status: 'completed', startedAt: new Date(T0) } as const;
    const record = await scheduler.recordCall({
      ...call,
      answeredAt: new Date(T0 + 1000),
      answeredBy: 'human',
    });
    expect(record).toMatchObject({ direction: 'outbound', answeredBy: 'human' });
    expect((await scheduler.recordCall({ ...call, id: 'plain' })).answeredBy).toBeNull();
    expect((await scheduler.history(BOB)).items.map((i) => i.answeredBy)).toContain('human');
    const error = await scheduler
      .recordCall({ ...call, answeredBy: 'robot' as never })
      .catch((e: unknown) => e);
    expect(isValidationError(error)).toBe(true);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([['answeredBy']]);
  });
});
