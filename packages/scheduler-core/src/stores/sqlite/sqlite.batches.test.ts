/**
 * `updateMany` batches asked for in one turn of the event loop share one transaction, each in a
 * savepoint of its own: each is answered as if it had run alone, in the order asked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isConflictError } from '../../errors.js';
import { storedCall } from '../../testing/store-contract.js';
import { sqliteStore } from './sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'ringkit-sqlite-batches-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sqliteStore updateMany asked for together', () => {
  it('answers each batch as if run alone, in the order asked; one at fault fails alone', async () => {
    const store = sqliteStore({ path: join(dir, 'together.db') });
    await store.insertMany!(
      ['a', 'b', 'c', 'd', 'e'].map((id) => storedCall({ id, idempotencyKey: `k-${id}` })),
    );
    const results = await Promise.allSettled([
      store.updateMany!([{ id: 'a', expectedVersion: 1, patch: { reason: 'one' } }]),
      store.updateMany!([{ id: 'b', expectedVersion: 1, patch: { reason: 'two' } }]),
      // A second write of `a` at the version it was read: stale once the first applied.
      store.updateMany!([
        { id: 'a', expectedVersion: 1, patch: { reason: 'stale' } },
        { id: 'c', expectedVersion: 1, patch: { reason: 'three' } },
      ]),
      // A duplicate idempotency key: this batch fails, and none of it applies.
      store.updateMany!([
        { id: 'd', expectedVersion: 1, patch: { reason: 'four' } },
        { id: 'e', expectedVersion: 1, patch: { idempotencyKey: 'k-a' } },
      ]),
      store.updateMany!([{ id: 'e', expectedVersion: 1, patch: { reason: 'five' } }]),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'rejected'))).toEqual([
      [true],
      [true],
      [false, true],
      'rejected',
      [true],
    ]);
    expect(isConflictError((results[3] as PromiseRejectedResult).reason)).toBe(true);
    const rows = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => store.get(id)));
    expect(rows.map((r) => [r!.reason, r!.version])).toEqual([
      ['one', 2],
      ['two', 2],
      ['three', 2],
      [null, 1],
      ['five', 2],
    ]);
    await store.close();
  });

  it('writes the batches still waiting when it is closed, and refuses new ones after', async () => {
    const path = join(dir, 'closing.db');
    const store = sqliteStore({ path });
    await store.insert(storedCall({ id: 'a' }));
    const written = store.updateMany!([{ id: 'a', expectedVersion: 1, patch: { reason: 'last' } }]);
    await store.close();
    expect(await written).toEqual([true]);
    await expect(
      store.updateMany!([{ id: 'a', expectedVersion: 2, patch: { reason: 'late' } }]),
    ).rejects.toThrow(/closed/);
    const again = sqliteStore({ path });
    expect(await again.get('a')).toMatchObject({ reason: 'last', version: 2 });
    await again.close();
  });
});
