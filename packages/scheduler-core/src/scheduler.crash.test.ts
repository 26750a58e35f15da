import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallProvider, CallStatus } from '@ringkit/call-client';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from './stores/memory/memory.js';
import { createSqliteStore } from './stores/sqlite/sqlite.js';
import { createFakeProvider } from '@ringkit/simulator';
import { createScheduler } from './scheduler.js';
import type { Store } from './store.js';
import { createFakeClock } from '@ringkit/call-client/testing';
import { storedCall } from './testing/store-contract.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const ME = '+14155550100';
const BOB = '+14155552671';
const dir = mkdtempSync(join(tmpdir(), 'ringkit-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stores: { name: string; open: (file: string) => Store; shared: boolean }[] = [
  { name: 'memory', open: () => createMemoryStore(), shared: false },
  { name: 'sqlite', open: (file) => createSqliteStore({ path: join(dir, file) }), shared: true },
];

/** A polled provider whose calls are looked up by id: `getCall` answers `status(id)`. */
function lookupProvider(status: (id: string) => CallStatus) {
  const looked: string[] = [];
  const provider: CallProvider = {
    name: 'lookup',
    capabilities: { polling: true, webhooks: false },
    placeCall: () => Promise.reject(new Error('not used')),
    getCall: async (id) => {
      looked.push(id);
      const now = status(id);
      return { id, status: now, providerStatus: now, raw: {} };
    },
  };
  return { provider, looked };
}

/**
 * A worker's store and provider that stop answering once `kill()` is called, as after kill -9:
 * every later call hangs, so nothing it started is ever written.
 */
function killable(store: Store, provider: CallProvider) {
  let dead = false;
  const hang = () => new Promise<never>(() => {});
  const guard = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(inner, key, receiver) {
        const value: unknown = Reflect.get(inner, key, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) =>
          dead ? hang() : (value as (...a: unknown[]) => unknown).apply(inner, args);
      },
    });
  return {
    store: guard(store),
    provider: guard(provider),
    kill: () => {
      dead = true;
    },
  };
}

describe.each(stores)('crash safety with the $name store', ({ name, open, shared }) => {
  it('adopts a call a dead worker was following as soon as its follow lease runs out', async () => {
    const clock = createFakeClock(T0);
    const store = open(`adopt-${name}.db`);
    const ringing = storedCall({
      id: 'orphan',
      to: BOB,
      status: 'ringing',
      dueAt: T0 - 30_000,
      providerCallId: 'px',
      placingAt: T0 - 30_000,
      leaseOwner: 'dead-worker',
      leaseUntil: T0 + 20_000,
      events: [{ status: 'initiated', at: T0 - 29_000, attempt: 1 }],
    });
    await store.insert(ringing);
    const { provider, looked } = lookupProvider(() => 'completed');
    const scheduler = createScheduler({
      store,
      provider,
      clock,
      callerId: ME,
      recheckIntervalMs: 0,
      leaseMs: 30_000,
      watchIntervalMs: 1_000,
    });
    await scheduler.start();
    await clock.advance(19_999);
    expect(looked).toEqual([]); // the lease is alive: someone follows it
    await clock.advance(1_500);
    expect(looked).toEqual(['px']);
    expect(await scheduler.get('orphan')).toMatchObject({ status: 'completed' });
    await scheduler.stop();
    await store.close();
  });

  it('adopts the calls a worker killed mid-call was following within a lease, not at the next sweep', async () => {
    const clock = createFakeClock(T0);
    const file = `killed-follower-${name}.db`;
    const storeA = open(file);
    const storeB = shared ? open(file) : storeA;
    const statuses = new Map<string, CallStatus>();
    const dialed = lookupProvider((id) => statuses.get(id) ?? 'ringing');
    let n = 0;
    dialed.provider.placeCall = async () => {
      const id = `p${n++}`;
      statuses.set(id, 'ringing');
      return { id, status: 'initiated', providerStatus: 'initiated', raw: {} };
    };
    const victim = killable(storeA, dialed.provider);
    const survivor = lookupProvider((id) => statuses.get(id) ?? 'ringing');
    const options = {
      clock,
      callerId: ME,
      recheckIntervalMs: 0,
      leaseMs: 3_000,
      callTimeoutMs: 600_000,
    };
    const a = createScheduler({
      ...options,
      store: victim.store,
      provider: victim.provider,
      workerId: 'a',
    });
    const b = createScheduler({
      ...options,
      store: storeB,
      provider: survivor.provider,
      workerId: 'b',
    });
    await a.start();
    const calls = await Promise.all(
      [BOB, '+14155552672', '+14155552673'].map((to) =>
        a.schedule({ to, at: new Date(T0 + 1_000) }),
      ),
    );
    await b.start(); // running before the calls are placed: its start finds nothing to adopt
    await clock.advance(2_000); // placed at 1 s, first polled one interval later
    for (const call of calls) {
      expect(await storeB.get(call.id)).toMatchObject({ status: 'ringing', leaseOwner: 'a' });
    }
    await clock.advance(10_000); // a renews its follow leases; b leaves the calls alone
    expect(survivor.looked).toEqual([]);

    victim.kill(); // kill -9: no renewal, no release, no answer
    const killedAt = clock.now();
    for (const id of statuses.keys()) statuses.set(id, 'completed');
    await clock.advance(options.leaseMs + 1_000);
    expect(survivor.looked.sort()).toEqual(['p0', 'p1', 'p2']);
    for (const call of calls) {
      const row = await storeB.get(call.id);
      expect(row).toMatchObject({ status: 'completed', attempt: 1 });
      expect(row!.updatedAt).toBeLessThanOrEqual(killedAt + options.leaseMs + 1_000);
    }
    expect(n).toBe(3);
    await b.stop();
    if (shared) await storeB.close();
    await storeA.close();
  });

  it('leaves a call to the live worker following it, which renews its lease', async () => {
    const clock = createFakeClock(T0);
    const store = open(`follow-lease-${name}.db`);
    const { provider, looked } = lookupProvider(() => 'ringing');
    let n = 0;
    provider.placeCall = async () => ({
      id: `p${n++}`,
      status: 'initiated',
      providerStatus: 'initiated',
      raw: {},
    });
    const options = { store, provider, clock, callerId: ME, recheckIntervalMs: 0, leaseMs: 3_000 };
    const follower = createScheduler({ ...options, workerId: 'follower' });
    await follower.start();
    const { id } = await follower.schedule({ to: BOB, at: new Date(T0 + 1_000) });
    await clock.advance(2_000); // placed at 1 s, first polled one interval later
    expect(await follower.get(id)).toMatchObject({ status: 'ringing', providerCallId: 'p0' });
    const other = createScheduler({ ...options, workerId: 'other' });
    await other.start();
    await clock.advance(120_000);
    const row = await store.get(id);
    expect(row).toMatchObject({ leaseOwner: 'follower' });
    expect(row!.leaseUntil).toBeGreaterThan(clock.now());
    const polls = looked.length;
    // Stopped, it gives its lease up, and the other worker follows the call from then on.
    await follower.stop();
    expect(await store.get(id)).toMatchObject({ leaseOwner: null, leaseUntil: clock.now() });
    await clock.advance(3_000);
    expect(await store.get(id)).toMatchObject({ leaseOwner: 'other' });
    expect(looked.length).toBeGreaterThan(polls);
    await other.stop();
    await store.close();
  });

  it('places a call that fell due while no scheduler ran exactly once after a restart', async () => {
    const file = `restart-${name}.db`;
    const clock = createFakeClock(T0);
    const first = open(file);
    const provider = createFakeProvider({ clock, script: () => ['completed'] });
    const before = createScheduler({
      store: first,
      provider,
      clock,
      callerId: ME,
      recheckIntervalMs: 0,
    });
    await before.start();
    const { id } = await before.schedule({ to: BOB, at: new Date(T0 + 60_000) });
    await before.stop();
    await clock.advance(3_600_000);
    expect(provider.placed).toHaveLength(0);
    // A new process: a new store on the same file (sqlite), or the same memory.
    const second = shared ? open(file) : first;
    if (shared) await first.close();
    const after = createScheduler({
      store: second,
      provider,
      clock,
      callerId: ME,
      recheckIntervalMs: 0,
    });
    await after.start();
    await clock.advance(5000);
    expect(provider.placed.map((p) => p.at.getTime())).toEqual([T0 + 3_600_000]);
    expect((await after.get(id)).status).toBe('completed');
    await after.stop();
    await second.close();
  });

  it('fails with an unknown outcome, records it, never places again, a call left mid-placement by a dead worker', async () => {
    const clock = createFakeClock(T0);
    const store = open(`interrupted-${name}.db`);
    await store.insert(
      storedCall({
        id: 'left-behind',
        to: BOB,
        status: 'queued',
        dueAt: T0 - 10_000,
        leaseOwner: 'dead-worker',
        leaseUntil: T0 + 20_000,
        placingAt: T0 - 10_000,
      }),
    );
    const provider = createFakeProvider({ clock });
    const scheduler = createScheduler({
      store,
      provider,
      clock,
      callerId: ME,
      recheckIntervalMs: 0,
    });
    const failed: string[] = [];
    scheduler.on('failed', (e) => failed.push(`${e.call.id}:${e.reason}`));
    await scheduler.start();
    await clock.advance(19_999);
    expect((await scheduler.get('left-behind')).status).toBe('queued');
    await clock.advance(1);
    expect(await scheduler.get('left-behind')).toMatchObject({
      status: 'failed',
      reason: 'outcome_unknown',
    });
    await clock.advance(120_000);
    expect(provider.placed).toHaveLength(0);
    expect(failed).toEqual(['left-behind:outcome_unknown']);
    const { items } = await scheduler.history(BOB);
    expect(items).toEqual([
      {
        id: 'left-behind-1',
        createdAt: new Date(T0 - 10_000),
        counterparty: ME,
        type: 'Unknown Inbound',
      },
    ]);
    await scheduler.stop();
    await store.close();
  });

  it('places a call claimed by a dead worker before it sent anything once its lease expires', async () => {
    const clock = createFakeClock(T0);
    const store = open(`reclaim-${name}.db`);
    await store.insert(
      storedCall({
        id: 'claimed',
        to: BOB,
        status: 'queued',
        dueAt: T0,
        leaseOwner: 'dead',
        leaseUntil: T0 + 5000,
      }),
    );
    const provider = createFakeProvider({ clock, script: () => ['completed'] });
    const scheduler = createScheduler({
      store,
      provider,
      clock,
      callerId: ME,
      recheckIntervalMs: 0,
    });
    await scheduler.start();
    await clock.advance(10_000);
    expect(provider.placed.map((p) => p.at.getTime())).toEqual([T0 + 5000]);
    await scheduler.stop();
    await store.close();
  });

  it('two schedulers sharing one store never place the same call', async () => {
    const clock = createFakeClock(T0);
    const file = `two-${name}.db`;
    const storeA = open(file);
    const storeB = shared ? open(file) : storeA;
    const provider = createFakeProvider({ clock, script: () => ['completed'] });
    const a = createScheduler({
      store: storeA,
      provider,
      clock,
      callerId: ME,
      workerId: 'a',
      concurrency: 4,
    });
    const b = createScheduler({
      store: storeB,
      provider,
      clock,
      callerId: ME,
      workerId: 'b',
      concurrency: 4,
    });
    await a.start();
    await b.start();
    for (let i = 0; i < 60; i++) {
      await (i % 2 ? a : b).schedule({ to: BOB, at: new Date(T0 + 1000 + (i % 5)) });
    }
    await clock.advance(60_000);
    expect(provider.placed).toHaveLength(60);
    const page = await storeA.list({ limit: 100 });
    expect(new Set(page.items.map((r) => r.providerCallId)).size).toBe(60);
    expect(page.items.every((r) => r.status === 'completed')).toBe(true);
    await a.stop();
    await b.stop();
    if (shared) await storeB.close();
    await storeA.close();
  });
});
