/**
 * The cases of `testStore()` for batches: `updateMany` as if one by one, and `insertMany` all
 * or nothing.
 */
import { expect, it } from 'vitest';
import { isConflictError } from '../../errors.js';
import type { Store } from '../../store.js';
import { expectRejects, record, storedCall, T0 } from './_fixtures.js';

/** Registers the cases; `store()` is the store of the running test. */
export function batchCases(store: () => Store): void {
  it('applies a batch of compare-and-sets, skipping only stale ones, when it offers updateMany', async () => {
    if (!store().updateMany) return;
    const events = [{ status: 'queued' as const, at: T0, attempt: 1 }];
    await store().insert(storedCall({ id: 'a', idempotencyKey: 'key-a' }));
    await store().insert(storedCall({ id: 'b' }));
    await store().insert(
      storedCall({ id: 'c', status: 'queued', leaseOwner: 'w0', leaseUntil: T0, events }),
    );
    await store().update('b', 1, { reason: 'moved' });
    const results = await store().updateMany!([
      {
        id: 'a',
        expectedVersion: 1,
        patch: { status: 'queued', placingAt: T0, leaseUntil: T0 + 1000, events },
      },
      { id: 'b', expectedVersion: 1, patch: { reason: 'stale' } },
      { id: 'missing', expectedVersion: 1, patch: { reason: 'x' } },
      {
        id: 'c',
        expectedVersion: 1,
        patch: { leaseOwner: null, leaseUntil: null, events: null },
      },
    ]);
    expect(results).toEqual([true, false, false, true]);
    expect(await store().get('a')).toEqual(
      storedCall({
        id: 'a',
        idempotencyKey: 'key-a',
        status: 'queued',
        placingAt: T0,
        leaseUntil: T0 + 1000,
        events,
        version: 2,
      }),
    );
    expect(await store().get('b')).toMatchObject({ reason: 'moved', version: 2 });
    expect(await store().get('c')).toEqual(storedCall({ id: 'c', status: 'queued', version: 2 }));
    expect(await store().updateMany!([])).toEqual([]);
  });

  it('applies updates of one row in a batch in order, as if one by one', async () => {
    if (!store().updateMany) return;
    await store().insert(storedCall({ id: 'a' }));
    const results = await store().updateMany!([
      { id: 'a', expectedVersion: 1, patch: { reason: 'one' } },
      { id: 'a', expectedVersion: 2, patch: { reason: 'two' } },
      { id: 'a', expectedVersion: 2, patch: { reason: 'stale' } },
    ]);
    expect(results).toEqual([true, true, false]);
    expect(await store().get('a')).toMatchObject({ reason: 'two', version: 3 });
  });

  it('moves each version of a batch on by the steps its update carries', async () => {
    if (!store().updateMany) return;
    for (const id of ['a', 'b', 'c']) await store().insert(storedCall({ id }));
    const results = await store().updateMany!([
      { id: 'a', expectedVersion: 1, patch: { reason: 'three' }, steps: 3 },
      { id: 'b', expectedVersion: 1, patch: { reason: 'one' } },
      { id: 'c', expectedVersion: 1, patch: { reason: 'two' }, steps: 2 },
      // The same row again, at the version its first update led to.
      { id: 'a', expectedVersion: 4, patch: { reason: 'four' }, steps: 2 },
    ]);
    expect(results).toEqual([true, true, true, true]);
    expect(await store().get('a')).toMatchObject({ version: 6, reason: 'four' });
    expect(await store().get('b')).toMatchObject({ version: 2, reason: 'one' });
    expect(await store().get('c')).toMatchObject({ version: 3, reason: 'two' });
    // One update alone goes by the cheapest statement a store has for it: its steps still count.
    expect(
      await store().updateMany!([
        { id: 'b', expectedVersion: 2, patch: { reason: 'x' }, steps: 4 },
      ]),
    ).toEqual([true]);
    expect(await store().get('b')).toMatchObject({ version: 6 });
  });

  it('saves the call record of a batched update only when that update applies', async () => {
    if (!store().updateMany) return;
    const me = '+14155550100';
    await store().insert(storedCall({ id: 'a' }));
    await store().insert(storedCall({ id: 'b' }));
    await store().update('b', 1, { reason: 'moved' });
    await store().saveCallRecord({ ...record('a-1', me, '+14155550001', T0), status: 'initiated' });
    const saved = record('a-1', me, '+14155550001', T0);
    await store().updateMany!([
      { id: 'a', expectedVersion: 1, patch: { status: 'completed' }, record: saved },
      {
        id: 'b',
        expectedVersion: 1,
        patch: { status: 'completed' },
        record: record('b-1', me, '+14155550002', T0 + 1000),
      },
    ]);
    expect((await store().listCallLog({ phone: me, limit: 10 })).items).toEqual([saved]);
  });

  it('stores what a batch writes as lone writes store the same values', async () => {
    if (!store().updateMany) return;
    const me = '+14155550100';
    // Text that array literals, JSON and SQL each quote their own way, a lone surrogate, JSON
    // nested in JSON, and times and durations at their edges.
    const odd = 'a "quoted" \\ back\\slash, {braced}, NULL\n\ttab 😀 \ud800 end';
    const events = [{ status: 'queued' as const, at: T0, attempt: 1, providerStatus: odd }];
    const patch = {
      status: 'queued' as const,
      reason: odd,
      providerCallId: 'NULL',
      leaseOwner: '',
      leaseUntil: Number.MAX_SAFE_INTEGER,
      placingAt: 0,
      events,
    };
    const callRecord = (id: string) => ({
      ...record(id, me, '+14155550001', T0),
      providerStatus: odd,
      durationS: 0.1 + 0.2,
      recordingUrl: '',
    });
    for (const id of ['lone', 'a', 'b']) await store().insert(storedCall({ id }));
    await store().update('lone', 1, patch);
    await store().saveCallRecord(callRecord('lone-1'));
    const applied = await store().updateMany!([
      { id: 'a', expectedVersion: 1, patch, record: callRecord('a-1') },
      { id: 'b', expectedVersion: 1, patch: { reason: odd } },
    ]);
    expect(applied).toEqual([true, true]);
    const lone = await store().get('lone');
    expect(await store().get('a')).toEqual({ ...lone, id: 'a' });
    expect((await store().get('b'))?.reason).toBe(lone?.reason);
    const history = (await store().listCallLog({ phone: me, limit: 10 })).items;
    const [a, loneRecord] = ['a-1', 'lone-1'].map((id) => history.find((r) => r.id === id));
    expect(a).toEqual({ ...loneRecord, id: 'a-1' });
  });

  it('rejects a whole batch that would duplicate an idempotency key', async () => {
    if (!store().updateMany) return;
    await store().insert(storedCall({ id: 'a', idempotencyKey: 'k' }));
    await store().insert(storedCall({ id: 'b' }));
    const error = await expectRejects(
      store().updateMany!([
        { id: 'a', expectedVersion: 1, patch: { reason: 'x' } },
        { id: 'b', expectedVersion: 1, patch: { idempotencyKey: 'k' } },
      ]),
      isConflictError,
    );
    expect((error as { reason: string }).reason).toBe('duplicate');
    expect(await store().get('a')).toMatchObject({ reason: null, version: 1 });
    expect(await store().get('b')).toMatchObject({ idempotencyKey: null, version: 1 });
  });

  it('answers batches asked for at once each as if run alone, in the order asked', async () => {
    if (!store().updateMany) return;
    for (const id of ['a', 'b', 'c', 'd', 'e']) {
      await store().insert(storedCall({ id, idempotencyKey: `k-${id}` }));
    }
    const results = await Promise.allSettled([
      store().updateMany!([{ id: 'a', expectedVersion: 1, patch: { reason: 'one' } }]),
      store().updateMany!([{ id: 'b', expectedVersion: 1, patch: { reason: 'two' } }]),
      // A second write of `a` at the version it was read: stale once the first applied.
      store().updateMany!([
        { id: 'a', expectedVersion: 1, patch: { reason: 'stale' } },
        { id: 'c', expectedVersion: 1, patch: { reason: 'three' } },
      ]),
      // A duplicate idempotency key: this batch fails, and none of it applies.
      store().updateMany!([
        { id: 'd', expectedVersion: 1, patch: { reason: 'four' } },
        { id: 'e', expectedVersion: 1, patch: { idempotencyKey: 'k-a' } },
      ]),
      store().updateMany!([{ id: 'e', expectedVersion: 1, patch: { reason: 'five' } }]),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'rejected'))).toEqual([
      [true],
      [true],
      [false, true],
      'rejected',
      [true],
    ]);
    expect(isConflictError((results[3] as PromiseRejectedResult).reason)).toBe(true);
    const rows = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => store().get(id)));
    expect(rows.map((r) => [r!.reason, r!.version])).toEqual([
      ['one', 2],
      ['two', 2],
      ['three', 2],
      [null, 1],
      ['five', 2],
    ]);
  });

  it('inserts a batch all or nothing when it offers insertMany', async () => {
    if (!store().insertMany) return;
    await store().insertMany!([
      storedCall({ id: 'a' }),
      storedCall({ id: 'b', idempotencyKey: 'k' }),
    ]);
    expect((await store().list({ limit: 10 })).items.map((r) => r.id)).toEqual(['a', 'b']);
    await expectRejects(
      store().insertMany!([storedCall({ id: 'c' }), storedCall({ id: 'd', idempotencyKey: 'k' })]),
      isConflictError,
    );
    expect(await store().get('c')).toBeNull();
  });
}
