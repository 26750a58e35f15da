/**
 * `callLog()`: every record of the store, whatever its numbers, newest first, filtered (a
 * campaign's calls by its name); its query checked once, every bad field named.
 */
import { createFakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider } from '@ringkit/simulator';
import { createCampaignRunner } from './campaign/runner.js';
import { describe, expect, it } from 'vitest';
import { isValidationError, type ValidationError } from './errors.js';
import { createScheduler } from './scheduler.js';
import type { Store } from './store.js';
import { createMemoryStore } from './stores/memory/memory.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const APP = '+14155550100';
const A = '+14155552671';
const B = '+13018040009';

async function setup(store: Store = createMemoryStore()) {
  const scheduler = createScheduler({ store, provider: createFakeProvider(), callerId: APP });
  const at = (s: number) => new Date(T0 + s * 1000);
  await scheduler.recordCall({ id: 'o1', from: APP, to: A, status: 'completed', startedAt: at(0) });
  await scheduler.recordCall({ id: 'o2', from: APP, to: B, status: 'busy', startedAt: at(60) });
  await scheduler.recordInbound({
    provider: 'twilio',
    callId: 'CA1',
    from: B,
    to: APP,
    at: at(120),
    status: 'no-answer',
    providerStatus: 'completed',
    raw: {},
  });
  await scheduler.recordCall({ id: 'o3', from: APP, to: A, status: 'failed', startedAt: at(180) });
  return scheduler;
}

describe('callLog', () => {
  it('lists every call of every number, newest first, page by page', async () => {
    const scheduler = await setup();
    const first = await scheduler.callLog({ limit: 3 });
    expect(first.items.map((r) => r.id)).toEqual(['o3', 'twilio:CA1', 'o2']);
    expect(first.items[1]).toMatchObject({
      direction: 'inbound',
      from: B,
      status: 'no-answer',
      startedAt: new Date(T0 + 120_000),
    });
    const second = await scheduler.callLog({ limit: 3, cursor: first.nextCursor });
    expect(second.items.map((r) => r.id)).toEqual(['o1']);
    expect(second.nextCursor).toBeNull();
    expect((await scheduler.callLog()).items).toHaveLength(4);
  });

  it('filters by direction, statuses, time and number (read as schedule() reads one)', async () => {
    const scheduler = await setup();
    const ids = async (options: Parameters<typeof scheduler.callLog>[0]) =>
      (await scheduler.callLog(options)).items.map((r) => r.id);
    expect(await ids({ direction: 'inbound' })).toEqual(['twilio:CA1']);
    expect(await ids({ statuses: ['busy', 'no-answer', 'failed'] })).toEqual([
      'o3',
      'twilio:CA1',
      'o2',
    ]);
    expect(await ids({ since: new Date(T0 + 60_000), until: '2026-06-01T12:03:00Z' })).toEqual([
      'twilio:CA1',
      'o2',
    ]);
    expect(await ids({ phone: '(301) 804-0009' })).toEqual(['twilio:CA1', 'o2']);
    expect(await ids({ phone: B, direction: 'outbound' })).toEqual(['o2']);
  });

  it("lists a campaign's calls by its name, each record naming it, beside the other calls", async () => {
    const clock = createFakeClock(T0);
    const store = createMemoryStore();
    const scheduler = await setup(store);
    const runner = createCampaignRunner({
      store,
      provider: createFakeProvider({ clock, script: (to) => [to === A ? 'busy' : 'completed'] }),
      campaign: 'spring',
      callerId: APP,
      clock,
      concurrency: 1,
      recheckIntervalMs: 0,
      maxAttempts: 1,
      entries: [{ to: A }, { to: B }],
    });
    try {
      await runner.start();
      await clock.advance(60_000);
      const spring = (await scheduler.callLog({ campaign: 'spring' })).items;
      expect(spring.map((r) => [r.to, r.status, r.campaign])).toEqual([
        [B, 'completed', 'spring'],
        [A, 'busy', 'spring'],
      ]);
      const all = (await scheduler.callLog()).items;
      expect(all).toHaveLength(6);
      expect(all.filter((r) => r.campaign === null)).toHaveLength(4);
      expect(
        (await scheduler.callLog({ campaign: 'spring', statuses: ['busy'] })).items.map(
          (r) => r.to,
        ),
      ).toEqual([A]);
      expect((await scheduler.callLog({ campaign: 'autumn' })).items).toEqual([]);
    } finally {
      await runner.close();
    }
  });

  it.each([
    ['an unknown field', { campaigns: ['spring'] }, 'campaigns'],
    ['an empty campaign name', { campaign: '' }, 'campaign'],
    ['a campaign name of 201 characters', { campaign: 'x'.repeat(201) }, 'campaign'],
    ['a campaign name with a NUL', { campaign: 'spr\u0000ing' }, 'campaign'],
    ['a limit of 0', { limit: 0 }, 'limit'],
    ['a limit of 1001', { limit: 1001 }, 'limit'],
    ['a direction that is none', { direction: 'sideways' }, 'direction'],
    ['a status that is none', { statuses: ['rang'] }, 'statuses.0'],
    ['a time without its zone', { since: '2026-06-01T12:00:00' }, 'since'],
    ['an invalid date', { until: new Date(Number.NaN) }, 'until'],
    [
      'a range that ends before it starts',
      { since: new Date(T0), until: new Date(T0 - 1) },
      'until',
    ],
    ['a number that is none', { phone: 'nobody' }, 'phone'],
  ])('refuses %s with a ValidationError naming it', async (_, options, path) => {
    const scheduler = await setup();
    const error = await scheduler.callLog(options as never).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isValidationError(error)).toBe(true);
    expect((error as ValidationError).issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('refuses an unknown cursor', async () => {
    const scheduler = await setup();
    await expect(scheduler.callLog({ cursor: 'nonsense' })).rejects.toSatisfy(isValidationError);
  });
});
