/**
 * `runner.start({ beforeClaims })`: the campaign as it stood when the worker joined, read before
 * the worker's first claim, and a failure there that leaves the campaign untouched.
 */
import type { CallProvider } from '@ringkit/call-client';
import { createFakeClock, type FakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../stores/memory/memory.js';
import type { Store, StoredCall } from '../store.js';
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
  const provider = createFakeProvider({ clock, script: () => ['completed'] });
  return { clock, store, provider, runner: runnerOn(store, provider, clock) };
}

function runnerOn(
  store: Store,
  provider: CallProvider,
  clock: FakeClock,
  workerId?: string,
): CampaignRunner {
  const runner = createCampaignRunner({
    store,
    provider,
    campaign: 'spring',
    callerId: '+14155550100',
    clock,
    concurrency: 2,
    recheckIntervalMs: 0,
    entries: NUMBERS.map((to) => ({ to })),
    ...(workerId === undefined ? {} : { workerId }),
  });
  runners.push(runner);
  return runner;
}

describe('a campaign runner started with beforeClaims', () => {
  it('runs it once the campaign is created, before its first claim, and claims once it resolves', async () => {
    const { clock, provider, runner } = setup();
    let seen: StoredCall[] = [];
    let placedMeanwhile = -1;
    const campaign = await runner.start({
      beforeClaims: async (joined) => {
        expect(joined.id).toBe('spring');
        seen = await runner.calls({ limit: 10 });
        // A turn of the clock and of the loop: still nothing claimed.
        await clock.advance(5000);
        placedMeanwhile = provider.placed.length;
      },
    });
    expect(campaign.id).toBe('spring');
    expect(seen.map((row) => [row.status, row.leaseOwner])).toEqual(
      NUMBERS.map(() => ['scheduled', null]),
    );
    expect(placedMeanwhile).toBe(0);
    await clock.advance(10_000);
    expect(provider.placed.map((p) => p.to)).toEqual(NUMBERS);
  });

  it('gives the rows this worker wrote when it created the campaign, and null when it joined', async () => {
    const { clock, store, provider, runner } = setup();
    let written: readonly StoredCall[] | null | undefined;
    await runner.start({
      beforeClaims: (_campaign, created) => {
        written = created;
      },
    });
    const stored = await runner.calls({ limit: 10 });
    expect(written?.map((row) => [row.id, row.position, row.to, row.status])).toEqual(
      stored.map((row) => [row.id, row.position, row.to, 'scheduled']),
    );

    const joining = runnerOn(store, provider, clock, 'second');
    let joined: readonly StoredCall[] | null | undefined;
    await joining.start({
      beforeClaims: (_campaign, created) => {
        joined = created;
      },
    });
    expect(joined).toBeNull();
  });

  it('rejects start() with its error, and nothing is claimed', async () => {
    const { clock, store, provider, runner } = setup();
    const failure = new Error('the mirror could not be read');
    await expect(
      runner.start({
        beforeClaims: () => {
          throw failure;
        },
      }),
    ).rejects.toBe(failure);
    await clock.advance(10_000);
    expect(provider.placed).toEqual([]);
    const rows = await store.listCampaignCalls!('spring', { limit: 10 });
    expect(rows.map((row) => row.status)).toEqual(NUMBERS.map(() => 'scheduled'));
  });
});
