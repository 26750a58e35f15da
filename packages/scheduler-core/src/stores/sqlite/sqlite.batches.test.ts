/**
 * `updateMany` batches asked for before the next microtask checkpoint share one transaction, each
 * in a savepoint of its own: each is answered as if it had run alone, in the order asked (the
 * store contract's "batches asked for at once" checks that). Here: a lone batch, which needs no
 * savepoint; writes chained one after the other, each written at once; and the batches waiting
 * at `close()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isConflictError } from '../../errors.js';
import { storedCall } from '../../testing/store-contract.js';
import { createSqliteStore } from './sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'ringkit-sqlite-batches-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('createSqliteStore updateMany asked for together', () => {
  it('writes a lone batch whole, or nothing of it when one of its updates fails', async () => {
    const store = createSqliteStore({ path: join(dir, 'lone.db') });
    await store.insert(storedCall({ id: 'a' }));
    await store.insert(storedCall({ id: 'b', idempotencyKey: 'taken' }));
    await store.insert(storedCall({ id: 'c' }));
    await expect(
      store.updateMany!([
        { id: 'a', expectedVersion: 1, patch: { reason: 'first' } },
        { id: 'c', expectedVersion: 1, patch: { idempotencyKey: 'taken' } },
      ]),
    ).rejects.toSatisfy(isConflictError);
    expect(await store.get('a')).toMatchObject({ reason: null, version: 1 });
    expect(
      await store.updateMany!([
        { id: 'a', expectedVersion: 1, patch: { reason: 'first' } },
        { id: 'c', expectedVersion: 7, patch: { reason: 'stale' } },
      ]),
    ).toEqual([true, false]);
    expect(await store.get('a')).toMatchObject({ reason: 'first', version: 2 });
    expect(await store.get('c')).toMatchObject({ reason: null, version: 1 });
    await store.close();
  });

  it('writes each of a chain of writes at once, not a turn of the event loop later', async () => {
    const store = createSqliteStore({ path: join(dir, 'chain.db') });
    await store.insert(storedCall({ id: 'a' }));
    await turn();
    let turned = false;
    void turn().then(() => (turned = true));
    // A call's end, then the next call's mark: each waits for the one before it.
    for (let version = 1; version <= 3; version += 1) {
      await store.updateMany!([
        { id: 'a', expectedVersion: version, patch: { reason: `${version}` } },
      ]);
    }
    expect(turned).toBe(false);
    expect(await store.get('a')).toMatchObject({ reason: '3', version: 4 });
    await store.close();
  });

  it('writes the batches still waiting when it is closed, and refuses new ones after', async () => {
    const path = join(dir, 'closing.db');
    const store = createSqliteStore({ path });
    await store.insert(storedCall({ id: 'a' }));
    const written = store.updateMany!([{ id: 'a', expectedVersion: 1, patch: { reason: 'last' } }]);
    await store.close();
    expect(await written).toEqual([true]);
    await expect(
      store.updateMany!([{ id: 'a', expectedVersion: 2, patch: { reason: 'late' } }]),
    ).rejects.toThrow(/closed/);
    const again = createSqliteStore({ path });
    expect(await again.get('a')).toMatchObject({ reason: 'last', version: 2 });
    await again.close();
  });
});
