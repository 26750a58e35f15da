/**
 * The cases of `testStore()` for a number's history: `saveCallRecord` and `listCallLog` of a number (`phone`).
 */
import { expect, it } from 'vitest';
import type { Store, StoredCallRecord } from '../../store.js';
import { record, T0 } from './_fixtures.js';

/** Registers the cases; `store()` is the store of the running test. */
export function historyCases(store: () => Store): void {
  it('lists history where the number is either party, newest first, page by page', async () => {
    const me = '+14155550100';
    await store().saveCallRecord(record('r1', me, '+14155550001', T0));
    await store().saveCallRecord(record('r2', '+14155550002', me, T0 + 1000));
    await store().saveCallRecord(record('r3', me, '+14155550003', T0 + 1000));
    await store().saveCallRecord(record('r4', '+14155550004', '+14155550005', T0 + 2000));
    await store().saveCallRecord({ ...record('r1', me, '+14155550001', T0), status: 'busy' });
    const first = await store().listCallLog({ phone: me, limit: 2 });
    expect(first.items.map((r) => r.id)).toEqual(['r3', 'r2']);
    const second = await store().listCallLog({ phone: me, cursor: first.nextCursor, limit: 2 });
    expect(second.items.map((r) => r.id)).toEqual(['r1']);
    expect(second.items[0]).toEqual({ ...record('r1', me, '+14155550001', T0), status: 'busy' });
    expect(second.nextCursor).toBeNull();
    expect(
      (await store().listCallLog({ phone: '+14155550005', limit: 5 })).items.map((r) => r.id),
    ).toEqual(['r4']);
  });

  it("keeps whether a record's outcome is unknown, and updates it in place", async () => {
    const me = '+14155550100';
    const unknown: StoredCallRecord = {
      ...record('u1', me, '+14155550001', T0),
      status: 'failed',
      answeredAt: null,
      durationS: null,
      outcomeUnknown: true,
    };
    await store().saveCallRecord(unknown);
    expect((await store().listCallLog({ phone: me, limit: 5 })).items).toEqual([unknown]);
    // The provider's answer learned later replaces it.
    await store().saveCallRecord(record('u1', me, '+14155550001', T0));
    expect((await store().listCallLog({ phone: me, limit: 5 })).items).toEqual([
      record('u1', me, '+14155550001', T0),
    ]);
  });
}
