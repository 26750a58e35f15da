/**
 * The call center's one dispatch loop: its scheduler and every campaign it works wait on one
 * timer of the clock, however many campaigns run.
 */
import { createFakeClock } from '@ringkit/call-client/testing';
import { countingClock } from '@ringkit/internal/testing';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { createFakeProvider } from '@ringkit/simulator';
import { expect, it } from 'vitest';
import { createCallCenter } from './center.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');

it('works scheduled calls and eight campaigns on one loop and one timer of the clock', async () => {
  const fake = createFakeClock(T0);
  const { clock, stats } = countingClock(fake);
  const provider = createFakeProvider({ clock: fake });
  const center = createCallCenter({
    store: createMemoryStore(),
    provider,
    callerId: '+14155550100',
    clock,
  });
  await center.start();
  const campaigns = center.campaigns!;
  for (let c = 0; c < 8; c++) {
    const numbers = Array.from({ length: 4 }, (_, i) => `+1415555${3000 + c * 10 + i}`);
    await campaigns.create(`list-${c}`, numbers, { concurrency: 2 });
  }
  for (let i = 0; i < 3; i++) {
    await center.schedule({ to: `+1415555${4000 + i}`, at: new Date(T0 + 2_000 + i * 1_000) });
  }
  expect(center.loop.engines).toBe(1 + 8);

  await fake.advance(120_000);
  expect(provider.placed).toHaveLength(8 * 4 + 3);
  for (let c = 0; c < 8; c++) {
    expect((await campaigns.get(`list-${c}`)).progress.completed).toBe(4);
  }
  expect((await center.scheduler.list({ status: 'completed' })).items).toHaveLength(3);
  // The scheduler, the eight campaigns, their refreshes and the status router: one timer.
  expect(stats.maxLive).toBe(1);

  await center.stop();
  expect(center.loop.engines).toBe(0);
  expect(stats.live()).toBe(0);
});
