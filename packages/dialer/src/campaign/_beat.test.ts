/**
 * The campaigns of a process keep one beat: each one's re-read of the store (`refreshIntervalMs`)
 * and its dispatch loop's re-check come at the multiples of their interval on the clock, so two
 * campaigns started apart read together (a store that batches, PostgreSQL, answers them in one
 * statement), and none reads later than one interval after the last. A re-read that finds the
 * campaign moved claims at once; while nothing moves, the claims look again only every ten.
 */
import { createFakeClock, type FakeClock } from '@ringkit/call-client/testing';
import type { Store } from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { afterEach, expect, it } from 'vitest';
import { manualProvider, T0 } from '../../test/utils.js';
import { createDialer } from '../dialer.js';
import type { CampaignDialer } from '../types.js';

const INTERVAL = 1000;
const open: CampaignDialer[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

/**
 * Starts a dialer of `campaign` on `store` and answers its placements `initiated`: its calls go
 * on, and the campaign waits, reading the store on its beat.
 */
async function startWaiting(
  world: { store: Store; provider: ReturnType<typeof manualProvider>; clock: FakeClock },
  campaign: string,
  numbers: string[],
  concurrency = 1,
) {
  const { store, provider, clock } = world;
  const dialer = createDialer({
    provider,
    store,
    campaign,
    numbers,
    concurrency,
    callerId: '+14155550100',
    clock,
    refreshIntervalMs: INTERVAL,
  });
  open.push(dialer);
  await dialer.start();
  await clock.flush();
  answerAll(provider);
  await clock.flush();
}

/** Answers every placement still pending `initiated`. */
function answerAll(provider: ReturnType<typeof manualProvider>) {
  for (const [n, placement] of provider.placed.entries()) {
    if (placement.state === 'pending') placement.answer(`call-${n}`, 'initiated');
  }
}

it('reads two campaigns started apart on the same beats, each at least once an interval', async () => {
  const clock = createFakeClock(T0 + 130);
  const inner = createMemoryStore();
  /** When each campaign's row was read, by campaign. */
  const reads = new Map<string, number[]>();
  const store: Store = Object.assign(Object.create(inner) as Store, {
    getCampaign: async (id: string) => {
      reads.set(id, [...(reads.get(id) ?? []), clock.now()]);
      return inner.getCampaign!(id);
    },
  });
  const world = { store, provider: manualProvider({ clock }), clock };
  await startWaiting(world, 'early', ['+14155552671']);
  await clock.advance(640);
  await startWaiting(world, 'late', ['+14155552671']);
  reads.clear();
  await clock.advance(4 * INTERVAL);

  const early = reads.get('early') ?? [];
  const late = reads.get('late') ?? [];
  expect(early.length).toBeGreaterThanOrEqual(4);
  expect(late).toEqual(early);
  for (const at of early) expect(at % INTERVAL).toBe(0);
});

/** A campaign of `numbers` on a counting memory store, worked by one dialer on a fake clock. */
async function oneCampaign(numbers: string[], concurrency: number) {
  const clock = createFakeClock(T0);
  const inner = createMemoryStore();
  let claims = 0;
  const store: Store = Object.assign(Object.create(inner) as Store, {
    claimCampaign: (...args: Parameters<NonNullable<Store['claimCampaign']>>) => {
      claims += 1;
      return inner.claimCampaign!(...args);
    },
  });
  const provider = manualProvider({ clock });
  await startWaiting({ store, provider, clock }, 'quiet', numbers, concurrency);
  const answer = () => answerAll(provider);
  return { clock, inner, provider, answer, claims: () => claims };
}

it('claims only every ten re-reads while nothing moves', async () => {
  const { clock, claims } = await oneCampaign(['+14155552671', '+13018040009'], 1);
  const before = claims();
  await clock.advance(20 * INTERVAL);
  // Twenty re-reads of the campaign, its one place taken all along: two re-checks, not twenty.
  expect(claims() - before).toBeLessThanOrEqual(3);
  expect(claims() - before).toBeGreaterThanOrEqual(1);
});

it('claims at the re-read that finds the campaign moved by another process, not at the re-check', async () => {
  const { clock, inner, provider, answer } = await oneCampaign(['+14155552671', '+13018040009'], 1);
  expect(provider.placed).toHaveLength(1);
  await clock.advance(3 * INTERVAL);
  // Another process raises the campaign's concurrency (as its `setConcurrency` writes it).
  const row = (await inner.getCampaign!('quiet'))!;
  await inner.updateCampaign!('quiet', row.version, { concurrency: 2, updatedAt: clock.now() });
  await clock.advance(INTERVAL);
  expect(provider.placed).toHaveLength(2);
  answer();
  await clock.flush();
});
