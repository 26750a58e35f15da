/**
 * When the store's checkpoint thread ends without being closed, SQLite's automatic checkpoint
 * is turned back on, so the log never grows without bound.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import { storedCall } from '../../testing/store-contract.js';
import { createSqliteStore } from './sqlite.js';

// A thread that ends at once, as one that crashed would.
vi.mock('./_checkpoint.js', () => ({
  startCheckpointer: () => ({
    ready: Promise.resolve(),
    ended: Promise.resolve(),
    close: () => Promise.resolve(),
  }),
}));

const dir = mkdtempSync(join(tmpdir(), 'ringkit-checkpoint-lost-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('checkpoints inside its commits again once its checkpoint thread is gone', async () => {
  const path = join(dir, 'lost.db');
  const store = createSqliteStore({ path, checkpointIntervalMs: 3_600_000 });
  await new Promise((resolve) => setImmediate(resolve)); // the thread's end is seen
  const before = statSync(path).size;
  await store.insertMany!(
    Array.from({ length: 40_000 }, (_, i) => storedCall({ id: `c${i}`, idempotencyKey: `k${i}` })),
  );
  // Over 1,000 pages committed: SQLite's own checkpoint copied them into the file.
  expect(statSync(path).size).toBeGreaterThan(before + 4_096 * 1_000);
  await store.close();
});
