/**
 * Batches of `updateMany` from two stores (two workers) that share rows, meeting in random
 * interleavings: each batch locks its rows in id order before it updates them, whatever order it
 * was given them in, so two batches that share rows wait for each other and never deadlock.
 * (Updating the rows in the order of the batch's JSON, sorted by id, without that step is not
 * enough: the planner does not always walk the JSON in its order, and this test then finds a
 * deadlock under load.) Each store has one connection, whose statements reach their generic
 * plans after the first five runs, the plans every later batch runs with. A deadlock would be
 * logged (and the batch run again): none is. Every update that applied moved its row on by one
 * version, and none applied twice.
 */
import fc from 'fast-check';
import { afterAll, expect, it } from 'vitest';
import { storedCall } from '../../testing/store-contract.js';
import {
  TEARDOWN_TIMEOUT_MS,
  describeWithDatabase,
  dropSchemas,
  randomSchema,
} from '../../../test/pg-testing.js';
import { createPostgresStore, type PostgresStore } from './postgres.js';

const ROWS = 8;
const ids = Array.from({ length: ROWS }, (_, i) => `row-${i}`);

describeWithDatabase('PostgreSQL batches of two workers sharing rows', (url) => {
  const schemas: string[] = [];
  afterAll(() => dropSchemas(url, schemas), TEARDOWN_TIMEOUT_MS);

  const open = (schema: string, logs: string[]): PostgresStore =>
    createPostgresStore(
      { connectionString: url, max: 1 },
      { schema, logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m) } },
    );

  it('lock their rows in one order and never deadlock, in random interleavings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            worker: fc.constantFrom(0, 1),
            // Rows of the batch, in the order given: a permutation's prefix of 2 to ROWS.
            rows: fc
              .shuffledSubarray(ids, { minLength: 2, maxLength: ROWS })
              .chain((subset) => fc.shuffledSubarray(subset, { minLength: subset.length })),
            pause: fc.nat({ max: 2 }),
          }),
          { minLength: 12, maxLength: 30 },
        ),
        async (batches) => {
          const schema = randomSchema();
          schemas.push(schema);
          const logs: string[] = [];
          const workers = [open(schema, logs), open(schema, logs)];
          try {
            await workers[0]!.insertMany!(ids.map((id) => storedCall({ id })));
            await workers[1]!.ready();
            // Each batch reads the versions it expects, as a worker writes what it read; a
            // batch that lost a row to the other worker meanwhile finds it stale.
            const results = await Promise.all(
              batches.map(async ({ worker, rows, pause }, n) => {
                for (let i = 0; i < pause; i++) await new Promise((r) => setImmediate(r));
                const store = workers[worker]!;
                const read = await Promise.all(rows.map((id) => store.get(id)));
                const applied = await store.updateMany!(
                  rows.map((id, i) => ({
                    id,
                    expectedVersion: read[i]!.version,
                    patch: { reason: `batch-${n}` },
                  })),
                );
                return rows.filter((_, i) => applied[i]);
              }),
            );
            expect(logs.filter((m) => /deadlock|40P01/.test(m))).toEqual([]);
            const appliedTo = new Map(ids.map((id) => [id, 0]));
            for (const rows of results) {
              for (const id of rows) appliedTo.set(id, appliedTo.get(id)! + 1);
            }
            for (const id of ids) {
              const row = await workers[0]!.get(id);
              expect(row!.version).toBe(1 + appliedTo.get(id)!);
            }
          } finally {
            await Promise.all(workers.map((w) => w.close()));
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});
