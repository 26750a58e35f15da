/**
 * The cases of `testStore()` for retention: `deleteFinished`, `deleteCallRecords` and the
 * named lease of `acquireLease`.
 */
import { describe, expect, it } from 'vitest';
import { FINISHED_STATUSES, LIVE_STATUSES, type Store, type StoredCall } from '../../store.js';
import type { ScheduledCallStatus } from '../../types.js';
import { offered } from './_capabilities.js';
import { positive, record, storedCall, T0 } from './_fixtures.js';

/**
 * Registers the cases; `store()` is the store of the running test, `another()` a second
 * connection to its data (itself when the store has none), closed after the test.
 */
export function retentionCases(store: () => Store, another: () => Promise<Store>): void {
  describe('retention, when it offers deleteFinished, deleteCallRecords and acquireLease', () => {
    it('offers the three methods or none', () => {
      const offers = [store().deleteFinished, store().deleteCallRecords, store().acquireLease].map(
        (method) => method !== undefined,
      );
      expect(offers).toEqual([offers[0], offers[0], offers[0]]);
    });

    it('deletes finished rows updated before a time, oldest first, up to a limit', async (context) => {
      const deleteFinished = offered(store(), 'deleteFinished', context);
      if (!deleteFinished) return;
      const before = T0;
      const live: StoredCall[] = LIVE_STATUSES.map((status, i) =>
        storedCall({
          id: `live-${status}`,
          status,
          idempotencyKey: `k-live-${status}`,
          updatedAt: T0 - 100_000 - i,
          ...(status === 'scheduled' ? {} : { leaseOwner: 'w0', leaseUntil: T0 + 3_600_000 }),
          ...(status === 'initiated' || status === 'ringing' || status === 'answered'
            ? { providerCallId: `p-live-${status}` }
            : {}),
        }),
      );
      for (const row of live) await store().insert(row);
      const finished: [string, ScheduledCallStatus, number][] = [
        ['f1', 'completed', T0 - 5000],
        ['f2', 'busy', T0 - 4000],
        ['f3', 'no-answer', T0 - 3000],
        ['f4', 'failed', T0 - 2000],
        ['f5', 'canceled', T0 - 1],
        ['edge', 'completed', T0],
        ['recent', 'completed', T0 + 1000],
      ];
      for (const [id, status, updatedAt] of finished) {
        await store().insert(
          storedCall({
            id,
            status,
            updatedAt,
            idempotencyKey: `k-${id}`,
            providerCallId: `p-${id}`,
          }),
        );
      }
      // Ended long ago, but written since: its last write counts.
      await store().insert(
        storedCall({ id: 'touched', status: 'completed', updatedAt: T0 - 9000 }),
      );
      await store().update('touched', 1, { updatedAt: T0 + 500, reason: 'touched' });
      // Live long ago, ended before `f1`: the oldest finished row.
      await store().insert(storedCall({ id: 'ended', updatedAt: T0 - 200_000 }));
      await store().update('ended', 1, { status: 'canceled', updatedAt: T0 - 6000 });

      expect(await deleteFinished(before, 2)).toBe(2);
      expect(await store().get('ended')).toBeNull();
      expect(await store().get('f1')).toBeNull();
      expect((await store().get('f2'))?.status).toBe('busy');
      expect(await deleteFinished(before, 10)).toBe(4);
      expect(await deleteFinished(before, 10)).toBe(0);

      for (const id of ['f1', 'f2', 'f3', 'f4', 'f5']) {
        expect(await store().get(id)).toBeNull();
        expect(await store().findByIdempotencyKey(`k-${id}`)).toBeNull();
        expect(await store().findByProviderCallId('mock', `p-${id}`)).toBeNull();
      }
      for (const row of live) {
        expect(await store().get(row.id)).toEqual(row);
        expect((await store().findByIdempotencyKey(row.idempotencyKey!))?.id).toBe(row.id);
        if (row.providerCallId) {
          expect((await store().findByProviderCallId('mock', row.providerCallId))?.id).toBe(row.id);
        }
      }
      const kept = ['edge', 'recent', 'touched'];
      const ids = async (query: Omit<Parameters<Store['list']>[0], 'limit'> = {}) =>
        (await store().list({ ...query, limit: 100 })).items.map((r) => r.id);
      expect(await ids()).toEqual([...live.map((r) => r.id), ...kept].sort());
      expect(await ids({ status: [...FINISHED_STATUSES] })).toEqual(kept);
      expect(await ids({ status: 'completed', to: live[0]!.to })).toEqual(kept);
      if (store().countByStatus) {
        expect(positive(await store().countByStatus!(FINISHED_STATUSES))).toEqual({ completed: 3 });
        expect(positive(await store().countByStatus!(LIVE_STATUSES))).toEqual(
          Object.fromEntries(LIVE_STATUSES.map((status) => [status, 1])),
        );
      }

      // A deleted row's id and idempotency key may be used again.
      const again = storedCall({ id: 'f1', idempotencyKey: 'k-f1', dueAt: T0 + 60_000 });
      expect(await store().insert(again)).toEqual(again);
      expect(await store().get('f1')).toEqual(again);
      expect((await store().findByIdempotencyKey('k-f1'))?.id).toBe('f1');

      // However old, a live row is never deleted.
      expect(await deleteFinished(T0 + 3_600_000, 100)).toBe(3);
      expect(await ids()).toEqual([...live.map((r) => r.id), 'f1'].sort());
      expect(await deleteFinished(T0 + 3_600_000, 100)).toBe(0);
    });

    it('deletes call records started before a time, oldest first, up to a limit', async (context) => {
      const deleteCallRecords = offered(store(), 'deleteCallRecords', context);
      if (!deleteCallRecords) return;
      const me = '+14155550100';
      const [a, b, c] = ['+14155550001', '+14155550002', '+14155550003'];
      const r1 = record('r1', me, a, T0 - 4000);
      const r2 = record('r2', b, me, T0 - 3000);
      const r3 = record('r3', me, c, T0 - 2000);
      const r4 = record('r4', me, a, T0);
      const r5 = record('r5', b, me, T0 + 1000);
      // Saved as old, then replaced by a newer start: the newer one counts.
      const r0 = record('r0', me, c, T0 + 2000);
      for (const r of [r1, r2, r3, r4, r5, record('r0', me, b, T0 - 9000), r0]) {
        await store().saveCallRecord(r);
      }
      const history = async (phone: string) =>
        (await store().listCallLog({ phone: phone, limit: 100 })).items;

      expect(await deleteCallRecords(T0, 2)).toBe(2);
      expect(await history(me)).toEqual([r0, r5, r4, r3]);
      expect(await history(a)).toEqual([r4]);
      expect(await history(b)).toEqual([r5]);
      expect(await deleteCallRecords(T0, 10)).toBe(1);
      expect(await deleteCallRecords(T0, 10)).toBe(0);
      expect(await history(me)).toEqual([r0, r5, r4]);
      expect(await history(c)).toEqual([r0]);

      // A deleted record's id may be saved again.
      await store().saveCallRecord(r1);
      expect(await history(a)).toEqual([r4, r1]);
      expect(await deleteCallRecords(T0 + 3000, 100)).toBe(4);
      expect(await history(me)).toEqual([]);
    });

    it('gives a named lease to one worker at a time, across connections', async (context) => {
      const acquireLease = offered(store(), 'acquireLease', context);
      if (!acquireLease) return;
      const other = await another();
      const otherLease = other.acquireLease!.bind(other);

      // Free: taken.
      expect(await acquireLease('retention', 'w1', T0, T0 + 1000)).toBe(true);
      // Held by another and not expired: refused, on either connection.
      expect(await otherLease('retention', 'w2', T0 + 500, T0 + 1500)).toBe(false);
      expect(await acquireLease('retention', 'w2', T0 + 999, T0 + 1500)).toBe(false);
      // Its owner renews it, here until T0 + 2000.
      expect(await acquireLease('retention', 'w1', T0 + 900, T0 + 2000)).toBe(true);
      expect(await otherLease('retention', 'w2', T0 + 1500, T0 + 2500)).toBe(false);
      // Expired (its end at or before now): another takes it.
      expect(await otherLease('retention', 'w2', T0 + 2000, T0 + 3000)).toBe(true);
      expect(await acquireLease('retention', 'w1', T0 + 2100, T0 + 4000)).toBe(false);
      // Another name is another lease.
      expect(await acquireLease('other', 'w1', T0 + 2100, T0 + 4000)).toBe(true);
      expect(await otherLease('other', 'w2', T0 + 2200, T0 + 5000)).toBe(false);
      // The owner renews through any connection.
      expect(await acquireLease('retention', 'w2', T0 + 2900, T0 + 3500)).toBe(true);
      expect(await otherLease('retention', 'w1', T0 + 3400, T0 + 3600)).toBe(false);
      expect(await otherLease('retention', 'w1', T0 + 3500, T0 + 3600)).toBe(true);
    });
  });
}
