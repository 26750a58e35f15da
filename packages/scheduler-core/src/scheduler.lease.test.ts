import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from './stores/memory/memory.js';
import { createSqliteStore } from './stores/sqlite/sqlite.js';
import { createFakeProvider } from '@ringkit/simulator';
import { deferred } from '../test/fakes.js';
import { createScheduler } from './scheduler.js';
import { createDispatchLoop } from './dispatch/loop.js';
import type { Store, StoredCallPatch, StoredCallUpdate } from './store.js';
import { createFakeClock } from '@ringkit/call-client/testing';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const ME = '+14155550100';

/** A store (memory by default) whose lease renewals can be held mid-write, counting them. */
function slowRenewals(inner: Store = createMemoryStore()) {
  let renewals = 0;
  let hold: Promise<void> | null = null;
  const isRenewal = (patch: StoredCallPatch) =>
    Object.keys(patch).sort().join() === 'leaseUntil,updatedAt';
  const store: Store = Object.assign(Object.create(inner) as Store, {
    async update(id: string, version: number, patch: StoredCallPatch) {
      if (isRenewal(patch)) {
        renewals += 1;
        if (hold) await hold;
      }
      return inner.update(id, version, patch);
    },
  });
  if (inner.updateMany) {
    const updateMany = inner.updateMany.bind(inner);
    store.updateMany = async (updates: StoredCallUpdate[]) => {
      if (updates.some((u) => isRenewal(u.patch))) {
        renewals += 1;
        if (hold) await hold;
      }
      return updateMany(updates);
    };
  }
  return {
    store,
    renewals: () => renewals,
    holdRenewals: (until: Promise<void>) => (hold = until),
  };
}

describe('lease renewal while a placement is in progress', () => {
  it('renews the lease while the provider is slow, and stops once the answer is recorded', async () => {
    const clock = createFakeClock(T0);
    const slow = slowRenewals();
    const answer = deferred();
    const provider = createFakeProvider({
      clock,
      follow: 'webhooks',
      onPlace: () => answer.promise,
    });
    const loop = createDispatchLoop({ store: slow.store, clock });
    const scheduler = createScheduler({
      store: slow.store,
      provider,
      loop,
      callerId: ME,
      leaseMs: 3_000,
    });
    await scheduler.start();
    const { id } = await scheduler.schedule({ to: '+14155552671', at: new Date(T0 + 1_000) });
    await clock.advance(1_000);
    await clock.advance(2_500); // two renewals (every leaseMs / 3)
    expect(slow.renewals()).toBe(2);

    // A renewal is in the middle of its write when the provider answers.
    const release = deferred();
    slow.holdRenewals(release.promise);
    await clock.advance(1_000);
    expect(slow.renewals()).toBe(3);
    answer.resolve();
    await clock.flush();
    release.resolve();
    await clock.flush();

    const call = await scheduler.get(id);
    expect(call.status).toBe('initiated');
    const before = slow.renewals();
    await clock.advance(60_000);
    expect(slow.renewals()).toBe(before);
    // Nothing left running but the dispatch timer and the in-flight sweep: no renewal loop.
    expect(loop.timers).toBe(2);
    expect(clock.pending).toBe(1);
    await scheduler.stop();
  });
});

const dir = mkdtempSync(join(tmpdir(), 'ringkit-lease-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One store for both workers, or two connections to one SQLite file (two processes would). */
const shared: { name: string; open: () => [Store, Store] }[] = [
  {
    name: 'one memory store',
    open: () => {
      const store = createMemoryStore();
      return [store, store];
    },
  },
  {
    name: 'one SQLite file',
    open: () => {
      const path = join(dir, `${randomUUID()}.db`);
      return [createSqliteStore({ path }), createSqliteStore({ path })];
    },
  },
];

describe.each(shared)('a placement answered after its lease was lost ($name)', ({ open }) => {
  it('records the answer the provider gave and follows the call to its end, placed once', async () => {
    const clock = createFakeClock(T0);
    const [mine, theirs] = open();
    const slow = slowRenewals(mine);
    const answer = deferred();
    const provider = createFakeProvider({
      clock,
      follow: 'webhooks',
      onPlace: () => answer.promise,
    });
    const options = { provider, clock, callerId: ME, leaseMs: 3_000 };
    const first = createScheduler({ ...options, store: slow.store, workerId: 'first' });
    const second = createScheduler({ ...options, store: theirs, workerId: 'second' });
    const failed: string[] = [];
    for (const worker of [first, second]) worker.on('failed', (e) => failed.push(e.reason));
    await first.start();
    await second.start();
    const { id } = await first.schedule({ to: '+14155552671', at: new Date(T0 + 1_000) });
    // The first worker sends the request; its event loop stalls, so its renewals never land,
    // the lease runs out, and a worker reclaims the call: sent, so never placed again.
    const stall = deferred();
    slow.holdRenewals(stall.promise);
    await clock.advance(1_000);
    expect(provider.placed.map((p) => p.state)).toEqual(['pending']);
    await clock.advance(5_000);
    expect(await first.get(id)).toMatchObject({ status: 'failed', reason: 'outcome_unknown' });
    expect(failed).toEqual(['outcome_unknown']);

    // The stall ends and the provider answers the first worker: the attempt, not the lease,
    // decides what is recorded.
    stall.resolve();
    answer.resolve();
    await clock.flush();
    const placed = await first.get(id);
    expect(placed).toMatchObject({ status: 'initiated', providerCallId: 'p0', reason: null });
    await second.handleStatus({
      callId: 'p0',
      status: 'answered',
      providerStatus: 'answered',
      at: new Date(clock.now()),
    });
    await clock.advance(30_000);
    await second.handleStatus({
      callId: 'p0',
      status: 'completed',
      providerStatus: 'completed',
      at: new Date(clock.now()),
    });
    expect(await first.get(id)).toMatchObject({ status: 'completed', attempt: 1 });
    expect(provider.placed).toHaveLength(1);
    expect((await first.history('+14155552671')).items).toMatchObject([
      { type: 'Completed Inbound', duration: 30 },
    ]);
    const [record] = (await theirs.listCallLog({ phone: '+14155552671', limit: 5 })).items;
    expect(record).toMatchObject({ status: 'completed', outcomeUnknown: false });
    await first.stop();
    await second.stop();
    await mine.close();
    if (theirs !== mine) await theirs.close();
  });
});
