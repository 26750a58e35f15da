/**
 * `refresh()` reads the store from the moment it is called: a read already under way may have
 * read the campaign before what another worker just did, so it is followed by a read of its own.
 * And a read that began before this worker's own pause or resume never undoes it.
 */
import type { Store } from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { afterEach, expect, it } from 'vitest';
import { manualProvider } from '../../test/utils.js';
import { createDialer } from '../dialer.js';
import type { CampaignDialer } from '../types.js';

const provider = manualProvider();
const open: CampaignDialer[] = [];
afterEach(async () => {
  // Every placement answered: a worker closes once its requests are written.
  for (const [n, placement] of provider.placed.entries()) {
    if (placement.state === 'pending') placement.answer(`call-${n}`, 'initiated');
  }
  while (open.length > 0) await open.pop()!.close();
});

/**
 * `store`, whose reads of a campaign answer as they read it and then wait for `hold` while it is
 * set: a read that began before a change elsewhere ends after it, with what it read.
 */
function withHeldReads(store: Store) {
  /** `once`: only the next read waits. */
  const gate: { hold: Promise<void> | null; once?: boolean } = { hold: null };
  const held = new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (key !== 'getCampaign' || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const answer = (await (value as (...a: unknown[]) => Promise<unknown>).apply(
          target,
          args,
        )) as unknown;
        const hold = gate.hold;
        if (gate.once) gate.hold = null;
        if (hold) await hold;
        return answer;
      };
    },
  });
  return { held, gate };
}

it('sees a pause another worker stored while a read of its own was under way', async () => {
  const store = createMemoryStore();
  const options = {
    provider,
    campaign: 'spring',
    numbers: ['+14155552671', '+13018040009', '+12025550123'],
    concurrency: 1,
    callerId: '+14155550100',
    // No read on a beat during the test: only the ones it asks for.
    refreshIntervalMs: 3_600_000,
  };
  const a = createDialer({ ...options, store, workerId: 'a' });
  const { held, gate } = withHeldReads(store);
  const b = createDialer({ ...options, store: held, workerId: 'b' });
  open.push(a, b);
  await a.start();
  await b.start();
  expect(b.snapshot().state).toBe('running');

  let release!: () => void;
  gate.hold = new Promise<void>((resolve) => (release = resolve));
  // A read under way: it has read the campaign running, and waits.
  const under = b.refresh();
  await new Promise((resolve) => setImmediate(resolve));
  await a.pause();
  const asked = b.refresh();
  const alsoAsked = b.refresh();
  gate.hold = null;
  release();
  await under;
  await asked;
  expect(b.snapshot().state).toBe('paused');
  // Every caller meanwhile shares the one read that follows.
  expect(alsoAsked).toBe(asked);
});

it('keeps its own resume when a read that began before it ends after it', async () => {
  const store = createMemoryStore();
  const { held, gate } = withHeldReads(store);
  const dialer = createDialer({
    provider,
    store: held,
    campaign: 'summer',
    numbers: ['+14155552671', '+13018040009'],
    concurrency: 1,
    callerId: '+14155550100',
    refreshIntervalMs: 3_600_000,
  });
  open.push(dialer);
  await dialer.start();
  await dialer.pause();
  expect(dialer.snapshot().state).toBe('paused');

  let release!: () => void;
  gate.once = true;
  gate.hold = new Promise<void>((resolve) => (release = resolve));
  // A read under way: it has read the campaign paused, and waits.
  const under = dialer.refresh();
  await new Promise((resolve) => setImmediate(resolve));
  await dialer.resume();
  expect(dialer.snapshot().state).toBe('running');
  release();
  await under;
  expect(dialer.snapshot().state).toBe('running');
  await dialer.setConcurrency(2);
  expect(dialer.snapshot().concurrency).toBe(2);
});
