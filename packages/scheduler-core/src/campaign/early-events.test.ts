/**
 * `maxEarlyEvents`: how many statuses of calls whose placement is not answered yet a campaign's
 * worker keeps (the oldest go first), checked with the runner's other options.
 */
import { isInvalidOptionsError } from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider } from '@ringkit/simulator';
import { afterEach, expect, it } from 'vitest';
import { createMemoryStore } from '../stores/memory/memory.js';
import { createCampaignRunner, type CampaignRunner } from './runner.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const NUMBERS = ['+14155552001', '+14155552002'];

const runners: CampaignRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.close()));
});

function setup(maxEarlyEvents: number) {
  const clock = createFakeClock(T0);
  const provider = createFakeProvider({ clock, follow: 'webhooks', manual: true });
  const runner = createCampaignRunner({
    store: createMemoryStore(),
    provider,
    campaign: 'spring',
    callerId: '+14155550100',
    clock,
    concurrency: 2,
    recheckIntervalMs: 0,
    maxEarlyEvents,
    entries: NUMBERS.map((to) => ({ to })),
  });
  runners.push(runner);
  return { clock, provider, runner };
}

async function settle(clock: ReturnType<typeof createFakeClock>) {
  for (let i = 0; i < 5; i += 1) await clock.advance(0);
}

it.each([
  [1, ['initiated', 'ringing']],
  [2, ['completed', 'ringing']],
  [0, ['initiated', 'initiated']],
])('with maxEarlyEvents %s, keeps the newest early statuses only', async (max, after) => {
  const { clock, provider, runner } = setup(max);
  await runner.start();
  await settle(clock);
  // Both webhooks outrun their POSTs' answers.
  await runner.handleStatus({
    callId: 'c0',
    status: 'completed',
    providerStatus: 'completed',
    at: new Date(T0),
  });
  await runner.handleStatus({
    callId: 'c1',
    status: 'ringing',
    providerStatus: 'ringing',
    at: new Date(T0),
  });
  provider.placed[0]!.answer('c0');
  provider.placed[1]!.answer('c1');
  await settle(clock);
  const rows = await runner.calls({ limit: 10 });
  expect(rows.map((r) => r.status)).toEqual(after);
});

it.each([-1, 1.5, '3'])('refuses a maxEarlyEvents of %s with an InvalidOptionsError', (bad) => {
  let caught: unknown;
  try {
    setup(bad as number);
  } catch (error) {
    caught = error;
  }
  expect(isInvalidOptionsError(caught)).toBe(true);
  expect((caught as Error).message).toMatch(/maxEarlyEvents/);
});
