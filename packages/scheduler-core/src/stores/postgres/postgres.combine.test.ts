import { Pool } from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isConflictError } from '../../errors.js';
import { describeWithDatabase, holdDatabaseLock, randomSchema } from '../../../test/pg-testing.js';
import { storedCall } from '../../testing/store-contract.js';
import { postgresStore } from './postgres.js';

describeWithDatabase('postgresStore updateMany sent together', (url) => {
  let release: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    release = await holdDatabaseLock(url, 'shared');
  }, 180_000);
  const admin = new Pool({ connectionString: url, max: 1 });
  const schema = randomSchema();
  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
    await release?.();
  });

  it('answers each batch of many asked for at once as if run alone, in the order asked', async () => {
    const store = postgresStore({ connectionString: url, max: 4 }, { schema });
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
    const rejected = results[3] as PromiseRejectedResult;
    expect(isConflictError(rejected.reason)).toBe(true);
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
});
