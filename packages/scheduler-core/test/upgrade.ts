import { expect } from 'vitest';
import type { Store } from '../src/store.js';
import { storedCall } from '../src/testing/store-contract.js';

/**
 * The checks after a store opened a database of an older version holding one scheduled call `due`
 * (due at `dueAt`, key `k`, options of that version) and one call record `old` (62 s, before
 * `answeredBy` existed): both read back intact, the call is claimable, a new call keeps its
 * options.
 */
export async function expectUpgradedIntact(store: Store, dueAt: number): Promise<void> {
  expect(await store.get('due')).toEqual(
    storedCall({
      id: 'due',
      dueAt,
      createdAt: 1,
      updatedAt: 1,
      idempotencyKey: 'k',
      options: {
        maxAttempts: 2,
        retryBackoff: null,
        recurrence: null,
        window: null,
        metadata: { n: 1 },
        seriesId: null,
        occurrenceAt: null,
      },
      call: null,
    }),
  );
  expect((await store.listHistory('+14155552671', { limit: 5 })).items).toMatchObject([
    { id: 'old', durationS: 62, answeredBy: null },
  ]);
  expect((await store.claimDue(dueAt, 5, 'w1', dueAt + 30_000)).map((r) => r.id)).toEqual(['due']);
  const later = await store.insert(storedCall({ id: 'new', call: { say: 'Hello' } }));
  expect(later.call).toEqual({ say: 'Hello' });
}
