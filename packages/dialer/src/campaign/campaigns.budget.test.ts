/**
 * Campaigns given a named `budget`: two campaigns of one process share one `callsPerSecond` by
 * weight (scheduler-core's fair shares), and the budget is stored with each campaign.
 */
import { createFakeClock } from '@ringkit/call-client/testing';
import { mostInOneSecond } from '@ringkit/internal/testing';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { createFakeProvider } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { createCampaigns } from './campaigns.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const CALLER_ID = '+14155550100';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const list = (prefix: string) =>
  Array.from({ length: 400 }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);

describe('campaigns sharing a named budget', () => {
  it('split 10 a second 2:1 while both have numbers waiting, and store the budget with each', async () => {
    const clock = createFakeClock(T0);
    const provider = createFakeProvider({ clock, initialStatus: () => 'completed' });
    const store = createMemoryStore();
    const campaigns = createCampaigns({ store, provider, callerId: CALLER_ID, clock });
    cleanups.push(() => campaigns.close());
    await campaigns.start();
    const shared = (weight: number) => ({
      concurrency: 20,
      callsPerSecond: 10,
      budget: { name: 'account', weight },
    });
    await campaigns.create('big', list('+1212555'), shared(2));
    await campaigns.create('small', list('+1415555'), shared(1));
    for (let t = T0; t <= T0 + 32_000; t += 50) await clock.advanceTo(t);

    const placed = provider.placed.map((p) => ({ to: p.request.to, at: p.at.getTime() }));
    const window = placed.filter((p) => p.at >= T0 + 1000 && p.at < T0 + 31_000);
    const big = window.filter((p) => p.to.startsWith('+1212')).length;
    const small = window.filter((p) => p.to.startsWith('+1415')).length;
    expect(big + small).toBeGreaterThan(250);
    expect(Math.abs(big / (big + small) - 2 / 3)).toBeLessThanOrEqual((2 / 3) * 0.05);
    expect(mostInOneSecond(placed.map((p) => p.at))).toBeLessThanOrEqual(10);
    expect((await store.getCampaign!('big'))!.settings).toMatchObject({
      callsPerSecond: 10,
      budget: { name: 'account', weight: 2 },
    });
    // Stopping waits for calls waiting their slot on the fake clock.
    let closed = false;
    const closing = campaigns.close().then(() => (closed = true));
    while (!closed) await clock.advance(200);
    await closing;
  });

  it('refuses a budget without callsPerSecond, and creates nothing', async () => {
    const clock = createFakeClock(T0);
    const campaigns = createCampaigns({
      store: createMemoryStore(),
      provider: createFakeProvider({ clock }),
      callerId: CALLER_ID,
      clock,
    });
    cleanups.push(() => campaigns.close());
    await campaigns.start();
    const error = await campaigns
      .create('plain', ['+14155552671'], { budget: { name: 'account' } })
      .catch((e: unknown) => e);
    expect(String(error)).toMatch(/budget.*callsPerSecond/s);
    expect((await campaigns.list()).items).toEqual([]);
  });
});
