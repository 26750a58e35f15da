/**
 * `runner.claimNow()`: a worker told that another process moved the campaign (raised its
 * concurrency here) claims at once, with no re-check of its own; before `start()` and after
 * `close()` it does nothing.
 */
import { createFakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider } from '@ringkit/simulator';
import { afterEach, expect, it } from 'vitest';
import { createMemoryStore } from '../stores/memory/memory.js';
import { createCampaignRunner, type CampaignRunner } from './runner.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const NUMBERS = ['+14155552001', '+14155552002', '+14155552003'];

const runners: CampaignRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.close()));
});

function setup() {
  const clock = createFakeClock(T0);
  const store = createMemoryStore();
  // Calls that stay in flight: a place frees only when the cap is raised.
  const provider = createFakeProvider({ clock, script: () => ['ringing'] });
  const runner = createCampaignRunner({
    store,
    provider,
    campaign: 'spring',
    callerId: '+14155550100',
    clock,
    concurrency: 1,
    recheckIntervalMs: 0,
    entries: NUMBERS.map((to) => ({ to })),
  });
  runners.push(runner);
  return { clock, store, provider, runner };
}

it('claims at once when told, where only a re-check would have found the place', async () => {
  const { clock, store, provider, runner } = setup();
  runner.claimNow(); // not started: nothing
  await runner.start();
  await clock.advance(1000);
  expect(provider.placed).toHaveLength(1);
  // Another process raises the cap in the store: this worker does not know, and waits.
  const row = (await store.getCampaign!('spring'))!;
  await store.updateCampaign!('spring', row.version, { concurrency: 3, updatedAt: clock.now() });
  await clock.advance(5_000);
  expect(provider.placed).toHaveLength(1);
  runner.claimNow();
  await clock.advance(1000);
  expect(provider.placed).toHaveLength(3);
  await runner.close();
  runner.claimNow(); // closed: nothing, no error
});
