/**
 * `updateMany` batches asked for in one turn of the event loop share one transaction, each in a
 * savepoint of its own: each is answered as if it had run alone, in the order asked (the store
 * contract's "batches asked for at once" checks that). Here: the batches waiting at `close()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { storedCall } from '../../testing/store-contract.js';
import { createSqliteStore } from './sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'ringkit-sqlite-batches-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('createSqliteStore updateMany asked for together', () => {
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
