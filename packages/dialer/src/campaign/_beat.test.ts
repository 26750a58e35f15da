/**
 * The campaigns of a process keep one beat: each one's re-read of the store (`refreshIntervalMs`)
 * and its dispatch loop's re-check come at the multiples of their interval on the clock, so two
 * campaigns started apart read together (a store that batches, PostgreSQL, answers them in one
 * statement), and none reads later than one interval after the last.
 */
import { createFakeClock } from '@ringkit/call-client/testing';
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
  const provider = manualProvider({ clock });
  const start = async (campaign: string) => {
    const dialer = createDialer({
      provider,
      store,
      campaign,
      numbers: ['+14155552671'],
      callerId: '+14155550100',
      clock,
      refreshIntervalMs: INTERVAL,
    });
    open.push(dialer);
    await dialer.start();
    await clock.flush();
    // The call is placed and goes on: the campaign waits, reading the store on its beat.
    for (const placement of provider.placed) {
      if (placement.state === 'pending') placement.answer(`call-${campaign}`, 'initiated');
    }
  };
  await start('early');
  await clock.advance(640);
  await start('late');
  reads.clear();
  await clock.advance(4 * INTERVAL);

  const early = reads.get('early') ?? [];
  const late = reads.get('late') ?? [];
  expect(early.length).toBeGreaterThanOrEqual(4);
  expect(late).toEqual(early);
  for (const at of early) expect(at % INTERVAL).toBe(0);
});
