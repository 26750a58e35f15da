/**
 * Fair shares end to end: a scheduler and a campaign placing through one provider share one
 * named budget of 10 calls a second, by weight (1 and 3), on the fake clock, on the memory and
 * SQLite stores. (On PostgreSQL the store contract's cases race the same split across two
 * connections; its claims answer over a socket, which the fake clock does not wait for.)
 */
import { mostInOneSecond } from '@ringkit/internal/testing';
import { InvalidOptionsError } from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider } from '@ringkit/simulator';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createCampaignRunner } from './campaign/runner.js';
import { createScheduler } from './scheduler.js';
import type { SendBudget, Store } from './store.js';
import { createMemoryStore } from './stores/memory/memory.js';
import { createSqliteStore } from './stores/sqlite/sqlite.js';

const CALLER_ID = '+14155550100';
const START = Date.parse('2026-06-01T15:00:00Z');
const dir = mkdtempSync(join(tmpdir(), 'ringkit-shares-'));
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
});

const stores: [string, () => Store][] = [
  ['memory', () => createMemoryStore()],
  ['sqlite', () => createSqliteStore({ path: join(dir, `${Math.random()}.db`) })],
];

describe.each(stores)('one budget shared by weight (%s store)', (_name, create) => {
  it('gives a weight-3 campaign three times the weight-1 scheduler over a minute, within 5 %, never above 10 a second', async () => {
    const clock = createFakeClock(START);
    const provider = createFakeProvider({ clock, initialStatus: () => 'completed' });
    const store = create();
    const budget = { name: 'provider', weight: 1 };
    const scheduler = createScheduler({
      store,
      provider,
      clock,
      callerId: CALLER_ID,
      concurrency: 50,
      callsPerSecond: 10,
      budget,
    });
    const runner = createCampaignRunner({
      store,
      provider,
      clock,
      campaign: 'spring',
      callerId: CALLER_ID,
      entries: Array.from({ length: 800 }, (_, i) => ({
        to: `+1212555${String(i).padStart(4, '0')}`,
      })),
      concurrency: 50,
      callsPerSecond: 10,
      budget: { name: 'provider', weight: 3 },
      recheckIntervalMs: 0,
    });
    closers.push(() => store.close());
    await scheduler.scheduleMany(
      Array.from({ length: 800 }, (_, i) => ({
        to: `+1415555${String(i).padStart(4, '0')}`,
        at: new Date(START),
      })),
    );
    const errors: unknown[] = [];
    scheduler.on('error', (e) => errors.push(e.error));
    runner.on('error', (e) => errors.push(e.error));
    await scheduler.start();
    await runner.start();
    for (let t = START; t <= START + 62_000; t += 50) await clock.advanceTo(t);

    expect(errors).toEqual([]);
    const placed = provider.placed.map((p) => ({ to: p.request.to, at: p.at.getTime() }));
    const minute = placed.filter((p) => p.at >= START + 1000 && p.at < START + 61_000);
    const campaign = minute.filter((p) => p.to.startsWith('+1212')).length;
    const own = minute.filter((p) => p.to.startsWith('+1415')).length;
    expect(campaign + own).toBeGreaterThan(500);
    expect(Math.abs(campaign / (campaign + own) - 0.75)).toBeLessThanOrEqual(0.75 * 0.05);
    expect(Math.abs(own / (campaign + own) - 0.25)).toBeLessThanOrEqual(0.25 * 0.05);
    expect(mostInOneSecond(placed.map((p) => p.at))).toBeLessThanOrEqual(10);
    // Each number once.
    expect(new Set(placed.map((p) => p.to)).size).toBe(placed.length);
    // Calls claimed and waiting for their slot wait on the fake clock: keep it going while both stop.
    let stopped = false;
    const stopping = Promise.all([scheduler.stop(), runner.close()]).then(() => (stopped = true));
    while (!stopped) await clock.advance(200);
    await stopping;
  });
});

describe('createScheduler({ budget })', () => {
  const provider = createFakeProvider();
  it('refuses a budget without callsPerSecond, an empty name or a weight of 0', () => {
    const base = { store: createMemoryStore(), provider, callerId: CALLER_ID };
    expect(() => createScheduler({ ...base, budget: { name: 'p' } })).toThrow(/callsPerSecond/);
    expect(() => createScheduler({ ...base, callsPerSecond: 1, budget: { name: '' } })).toThrow(
      InvalidOptionsError,
    );
    expect(() =>
      createScheduler({ ...base, callsPerSecond: 1, budget: { name: 'p', weight: 0 } }),
    ).toThrow(InvalidOptionsError);
    expect(() =>
      createScheduler({ ...base, callsPerSecond: 1, budget: { name: 'p', wieght: 2 } as never }),
    ).toThrow(InvalidOptionsError);
  });

  it('refuses a budget on a store that keeps none', () => {
    const bare = createMemoryStore();
    const store: Store = { ...bare, reserveSendSlot: undefined };
    expect(() =>
      createScheduler({
        store,
        provider,
        callerId: CALLER_ID,
        callsPerSecond: 1,
        budget: { name: 'p' },
      }),
    ).toThrow(/keeps no shared budgets/);
  });
});

describe('a campaign placement that missed its slot under a named budget', () => {
  it('takes a fresh slot from the named budget, not from the campaign row, and then places the call', async () => {
    const clock = createFakeClock(START);
    const provider = createFakeProvider({ clock, initialStatus: () => 'completed' });
    const inner = createMemoryStore();
    let release!: () => void;
    const marked = new Promise<void>((resolve) => (release = resolve));
    const reserved: { at: number; share: unknown; slot: number }[] = [];
    const store: Store = Object.assign(Object.create(inner) as Store, {
      // The mark of the call (its `placingAt`) is slow: the call's turn goes by meanwhile.
      async update(...args: Parameters<Store['update']>) {
        if (args[2].placingAt != null) await marked;
        return inner.update(...args);
      },
      async reserveSendSlot(now: number, budget: SendBudget) {
        const slot = await inner.reserveSendSlot!(now, budget);
        reserved.push({ at: now, share: budget.share, slot });
        return slot;
      },
    });
    const runner = createCampaignRunner({
      store,
      provider,
      clock,
      campaign: 'late',
      callerId: CALLER_ID,
      entries: [{ to: '+14155552671' }],
      callsPerSecond: 10,
      budget: { name: 'account', weight: 2 },
      recheckIntervalMs: 0,
    });
    await runner.start();
    await clock.advance(10);
    expect(provider.placed).toHaveLength(0);
    await clock.advance(500);
    release();
    for (let i = 0; i < 20; i++) await clock.advance(50);
    expect(reserved).toHaveLength(1);
    expect(reserved[0]!.share).toEqual({ name: 'account', key: 'campaign:late', weight: 2 });
    expect(provider.placed).toHaveLength(1);
    expect(provider.placed[0]!.at.getTime()).toBeGreaterThanOrEqual(reserved[0]!.slot);
    expect((await store.getCampaign!('late'))!.nextSlotAt).toBe(0);
    await runner.close();
  });
});
