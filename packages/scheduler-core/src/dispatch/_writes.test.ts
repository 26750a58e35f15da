import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../stores/memory/memory.js';
import type { Store, StoredCallRecord, StoredCallUpdate } from '../store.js';
import { storedCall } from '../testing/store-contract.js';
import { createFakeClock } from '@ringkit/call-client/testing';
import { createMutate, createWriter } from './_writes.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const record = (id: string): StoredCallRecord => ({
  id,
  from: '+14155550100',
  to: '+14155552671',
  direction: 'outbound',
  status: 'initiated',
  startedAt: T0,
  answeredAt: null,
  endedAt: null,
  durationS: null,
});

/**
 * A memory store with an `updateMany` that applies each update in turn, one batch after the other
 * (as a transaction would), and keeps the batches.
 */
function batchingStore(fail?: unknown) {
  const inner = createMemoryStore();
  const batches: StoredCallUpdate[][] = [];
  let last: Promise<unknown> = Promise.resolve();
  const apply = async (updates: StoredCallUpdate[]) => {
    const applied: boolean[] = [];
    for (const u of updates) {
      const row = await inner.get(u.id);
      const ok = row?.version === u.expectedVersion;
      if (ok) await inner.update(u.id, u.expectedVersion, u.patch);
      if (ok && u.record) await inner.saveCallRecord(u.record);
      applied.push(ok);
    }
    return applied;
  };
  const store: Store = Object.assign(Object.create(inner) as Store, {
    updateMany(updates: StoredCallUpdate[]) {
      batches.push(updates);
      if (fail) return Promise.reject(fail);
      const done = last.then(() => apply(updates));
      last = done;
      return done;
    },
  });
  return { store, batches };
}

describe('createWriter', () => {
  it('sends the writes of one tick to updateMany as one batch, a row at most once per batch', async () => {
    const { store, batches } = batchingStore();
    await store.insert(storedCall({ id: 'a' }));
    await store.insert(storedCall({ id: 'b' }));
    const write = createWriter(store);
    const a = (await store.get('a'))!;
    const b = (await store.get('b'))!;
    const results = await Promise.all([
      write(a, { reason: 'a1' }, record('a-1')),
      write(b, { reason: 'b1' }, null),
      write(a, { reason: 'stale' }, record('a-stale')),
    ]);
    expect(batches.map((batch) => batch.map((u) => u.id))).toEqual([['a', 'b'], ['a']]);
    expect(results.map((row) => row?.reason ?? null)).toEqual(['a1', 'b1', null]);
    // The row written is the row read with the patch, one version on: what the store holds.
    expect(results[0]).toEqual(await store.get('a'));
    expect(
      (await store.listCallLog({ phone: '+14155552671', limit: 5 })).items.map((r) => r.id),
    ).toEqual(['a-1']);
  });

  it('rejects every write of a batch the store refused', async () => {
    const failure = new Error('disk full');
    const { store } = batchingStore(failure);
    await store.insert(storedCall({ id: 'a' }));
    await store.insert(storedCall({ id: 'b' }));
    const write = createWriter(store);
    const outcomes = await Promise.allSettled([
      write((await store.get('a'))!, { reason: 'x' }, null),
      write((await store.get('b'))!, { reason: 'y' }, null),
    ]);
    expect(outcomes.map((o) => (o.status === 'rejected' ? o.reason : o.value))).toEqual([
      failure,
      failure,
    ]);
  });

  it('updates and then saves the record, only when the update applied, without updateMany', async () => {
    const store = createMemoryStore();
    await store.insert(storedCall({ id: 'a' }));
    const write = createWriter(store);
    const row = (await store.get('a'))!;
    expect(await write(row, { reason: 'first' }, record('a-1'))).toMatchObject({ version: 2 });
    expect(await write(row, { reason: 'stale' }, record('a-2'))).toBeNull();
    expect(await write(storedCall({ id: 'gone' }), { reason: 'x' }, null)).toBeNull();
    expect(
      (await store.listCallLog({ phone: '+14155552671', limit: 5 })).items.map((r) => r.id),
    ).toEqual(['a-1']);
  });
});

describe('createMutate', () => {
  it('decides again on the row as stored when the row it was given is stale', async () => {
    const { store } = batchingStore();
    await store.insert(storedCall({ id: 'a' }));
    const stale = (await store.get('a'))!;
    await store.update('a', 1, { reason: 'moved' });
    const mutate = createMutate(store, createFakeClock(T0), createWriter(store));
    const seen: (string | null)[] = [];
    const { row, changed } = await mutate(
      'a',
      (r) => {
        seen.push(r.reason);
        return { attempt: r.attempt + 1 };
      },
      { fresh: stale },
    );
    expect(seen).toEqual([null, 'moved']);
    expect(changed).toBe(true);
    expect(row).toMatchObject({ reason: 'moved', attempt: 2, version: 3, updatedAt: T0 });
  });
});
