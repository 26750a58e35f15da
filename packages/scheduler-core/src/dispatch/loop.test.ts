/**
 * `createDispatchLoop`: the scheduler and the campaign runners of one store in one process share
 * one timer, one sweep of the calls in flight and one subscription to the store's wakes.
 */
import { isInvalidOptionsError } from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import { countingClock } from '@ringkit/internal/testing';
import { createFakeProvider } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { createCampaignRunner, type CampaignRunner } from '../campaign/runner.js';
import { createScheduler, type Scheduler } from '../scheduler.js';
import { createMemoryStore } from '../stores/memory/memory.js';
import type { Store } from '../store.js';
import { createDispatchLoop, isDispatchLoop, type DispatchLoop } from './loop.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const ME = '+14155550100';
const number = (i: number) => `+1415555${String(2000 + i)}`;

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((part) => part.close()));
});

/** A scheduler and `campaigns` runners of `entries` numbers each, on `loop` when one is given. */
function parts(options: {
  campaigns: number;
  entries: number;
  loop?: (store: Store, clock: ReturnType<typeof countingClock>['clock']) => DispatchLoop;
  callTimeoutMs?: (campaign: number) => number;
  script?: () => ('ringing' | 'answered' | 'completed')[];
}) {
  const fake = createFakeClock(T0);
  const counted = countingClock(fake);
  const store = createMemoryStore();
  const loop = options.loop?.(store, counted.clock);
  const on = loop ? { loop } : { clock: counted.clock };
  // Followed by polling, or, with a script, left without webhooks to end them.
  const provider = createFakeProvider({
    clock: fake,
    ...(options.script ? { script: options.script, follow: 'webhooks' as const } : {}),
  });
  const scheduler = createScheduler({ store, provider, callerId: ME, ...on });
  open.push({ close: () => scheduler.stop() });
  const runners: CampaignRunner[] = [];
  for (let c = 0; c < options.campaigns; c++) {
    const runner = createCampaignRunner({
      store,
      provider,
      callerId: ME,
      campaign: `campaign-${c}`,
      concurrency: 2,
      entries: Array.from({ length: options.entries }, (_, i) => ({ to: number(c * 100 + i) })),
      ...(options.callTimeoutMs ? { callTimeoutMs: options.callTimeoutMs(c) } : {}),
      ...on,
    });
    runners.push(runner);
    open.push(runner);
  }
  return { fake, stats: counted.stats, store, provider, scheduler, runners, loop };
}

async function startAll(scheduler: Scheduler, runners: CampaignRunner[]) {
  await scheduler.start();
  for (const runner of runners) await runner.start();
}

describe('createDispatchLoop', () => {
  it('refuses options without a store or with a bad clock, naming them', () => {
    for (const bad of [undefined, {}, { store: null }, { store: createMemoryStore(), clock: 1 }]) {
      let error: unknown;
      try {
        createDispatchLoop(bad as never);
      } catch (caught) {
        error = caught;
      }
      expect(isInvalidOptionsError(error)).toBe(true);
    }
    expect(isDispatchLoop(createDispatchLoop({ store: createMemoryStore() }))).toBe(true);
    expect(isDispatchLoop({ store: createMemoryStore(), clock: {}, engines: 0, timers: 0 })).toBe(
      false,
    );
  });

  it("refuses a loop of another store, another clock, or that is not a loop, as the scheduler's and the runner's option", () => {
    const store = createMemoryStore();
    const clock = createFakeClock(T0);
    const provider = createFakeProvider({ clock });
    const loop = createDispatchLoop({ store, clock });
    const cases: [object, string][] = [
      [{ loop: createDispatchLoop({ store: createMemoryStore(), clock }) }, 'loop'],
      [{ loop, clock: createFakeClock(T0) }, 'clock'],
      [{ loop: { store, clock } }, 'loop'],
    ];
    for (const [options, path] of cases) {
      for (const make of [
        () => createScheduler({ store, provider, callerId: ME, ...options }),
        () =>
          createCampaignRunner({
            store,
            provider,
            callerId: ME,
            campaign: 'spring',
            entries: [{ to: number(1) }],
            ...options,
          }),
      ]) {
        let error: unknown;
        try {
          make();
        } catch (caught) {
          error = caught;
        }
        expect(isInvalidOptionsError(error)).toBe(true);
        expect((error as { issues: { path: PropertyKey[] }[] }).issues[0]?.path).toEqual([path]);
      }
    }
    // The loop's own clock given again is the same clock: taken.
    expect(() => createScheduler({ store, provider, callerId: ME, loop, clock })).not.toThrow();
  });

  it('holds ONE timer of the clock for a scheduler and 20 campaigns, where each alone holds its own', async () => {
    const shared = parts({
      campaigns: 20,
      entries: 5,
      loop: (store, clock) => createDispatchLoop({ store, clock }),
    });
    const alone = parts({ campaigns: 20, entries: 5 });
    for (const run of [shared, alone]) {
      await startAll(run.scheduler, run.runners);
      await run.scheduler.schedule({ to: number(7000), at: new Date(T0 + 5_000) });
      await run.fake.advance(60_000);
    }
    // Every call of both placed and ended, the same way.
    for (const run of [shared, alone]) {
      expect(run.provider.placed).toHaveLength(20 * 5 + 1);
      for (const runner of run.runners) {
        expect(await runner.counts()).toEqual({ completed: 5 });
      }
    }
    expect(shared.stats.maxLive).toBe(1);
    expect(shared.loop!.engines).toBe(21);
    // Each engine alone: a loop of its own, and its timer.
    expect(alone.stats.live()).toBe(21);

    await shared.scheduler.stop();
    await Promise.all(shared.runners.map((runner) => runner.close()));
    expect(shared.loop!.engines).toBe(0);
    expect(shared.loop!.timers).toBe(0);
    expect(shared.stats.live()).toBe(0);
  });

  it('sweeps every engine in one pass: each ends its own stuck calls at its own callTimeoutMs', async () => {
    const run = parts({
      campaigns: 2,
      entries: 1,
      loop: (store, clock) => createDispatchLoop({ store, clock }),
      callTimeoutMs: (c) => (c === 0 ? 20_000 : 90_000),
      // No webhook ever reaches the engines: only the sweep ends these calls.
      script: () => ['ringing'],
    });
    await startAll(run.scheduler, run.runners);
    await run.scheduler.schedule({ to: number(7000), at: new Date(T0 + 1_000) });
    await run.fake.advance(2_000);
    // Idle but for calls in flight: a wake timer per engine and ONE sweep.
    expect(run.loop!.timers).toBe(3 + 1);

    await run.fake.advance(40_000);
    const [first, second] = run.runners as [CampaignRunner, CampaignRunner];
    expect(await first.counts()).toEqual({ failed: 1 });
    expect(await second.counts()).toEqual({ initiated: 1 });
    await run.fake.advance(80_000);
    expect(await second.counts()).toEqual({ failed: 1 });
    const [scheduled] = (await run.scheduler.list()).items;
    // The scheduler's own calls wait for its own timeout (4 hours by default).
    expect(scheduled?.status).toBe('initiated');
    expect(run.loop!.timers).toBe(3 + 1);
  });

  it("takes the store's wakes through one subscription for every scheduler on it, and ends it with the last", async () => {
    const inner = createMemoryStore();
    const listeners: ((wakeAt: number | null) => void)[] = [];
    let ended = 0;
    const store: Store = Object.assign(Object.create(inner) as Store, {
      subscribe(onWake: (wakeAt: number | null) => void) {
        listeners.push(onWake);
        return Promise.resolve(() => {
          ended += 1;
          return Promise.resolve();
        });
      },
    });
    const clock = createFakeClock(T0);
    const loop = createDispatchLoop({ store, clock });
    const one = createFakeProvider({ clock, name: 'one' });
    const two = createFakeProvider({ clock, name: 'two' });
    const schedulers = [one, two].map((provider) =>
      createScheduler({ store, provider, callerId: ME, loop, recheckIntervalMs: 0 }),
    );
    for (const scheduler of schedulers) await scheduler.start();
    expect(listeners).toHaveLength(1);

    // Calls written by another process, which only the wake tells of.
    const [a, b] = schedulers as [Scheduler, Scheduler];
    const other = createScheduler({ store: inner, provider: one, callerId: ME, clock });
    await other.schedule({ to: number(1), at: new Date(T0 + 1_000) });
    const other2 = createScheduler({ store: inner, provider: two, callerId: ME, clock });
    await other2.schedule({ to: number(2), at: new Date(T0 + 1_000) });
    await clock.advance(500);
    expect(one.placed).toHaveLength(0);
    listeners[0]!(T0 + 1_000);
    await clock.advance(1_000);
    expect(one.placed).toHaveLength(1);
    expect(two.placed).toHaveLength(1);

    await a.stop();
    expect(ended).toBe(0);
    await b.stop();
    expect(ended).toBe(1);
  });
});
