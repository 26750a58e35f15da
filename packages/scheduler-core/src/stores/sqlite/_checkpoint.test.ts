import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { startCheckpointer, type CheckpointResult } from './_checkpoint.js';

const dir = mkdtempSync(join(tmpdir(), 'ringkit-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A WAL database with automatic checkpoints off and `rows` rows written to its log only. */
function walWithRows(name: string, rows: number) {
  const path = join(dir, name);
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
  const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
  db.exec('BEGIN');
  for (let i = 0; i < rows; i += 1) insert.run('x'.repeat(500));
  db.exec('COMMIT');
  return { path, db };
}

describe('startCheckpointer', () => {
  it('copies the whole log into the database file from its own thread, then closes', async () => {
    const { path, db } = walWithRows('copies.db', 2_000);
    const before = statSync(path).size;
    const results: CheckpointResult[] = [];
    const checkpointer = startCheckpointer({
      path,
      intervalMs: 20,
      onCheckpoint: (result) => results.push(result),
    });
    await checkpointer.ready;
    await expect
      .poll(() => results.some((r) => r.log > 0 && r.checkpointed === r.log), { timeout: 5_000 })
      .toBe(true);
    // The pages of the log are in the file now: it grew by the rows written.
    expect(statSync(path).size).toBeGreaterThan(before + 500 * 1_000);
    await checkpointer.close();
    await checkpointer.ended;
    // Closing twice is one close.
    await checkpointer.close();
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 2_000 });
    db.close();
  });

  it('reports a checkpoint it could not run, and runs the next ones', async () => {
    const { path, db } = walWithRows('locked.db', 10);
    // Another connection holds the file exclusively until it closes.
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    db.exec("INSERT INTO t (body) VALUES ('lock')");
    const errors: string[] = [];
    const results: CheckpointResult[] = [];
    const checkpointer = startCheckpointer({
      path,
      intervalMs: 20,
      onError: (message) => errors.push(message),
      onCheckpoint: (result) => results.push(result),
    });
    await checkpointer.ready;
    await expect.poll(() => errors.length, { timeout: 5_000 }).toBeGreaterThan(0);
    expect(errors[0]).toMatch(/locked/);
    expect(results).toEqual([]);
    db.close();
    await expect
      .poll(() => results.some((r) => r.busy === 0 && r.log >= 0), { timeout: 5_000 })
      .toBe(true);
    await checkpointer.close();
  });

  it('rejects ready and ends when the file cannot be opened', async () => {
    const checkpointer = startCheckpointer({
      path: join(dir, 'missing-folder', 'x.db'),
      intervalMs: 20,
    });
    await expect(checkpointer.ready).rejects.toThrow();
    await checkpointer.ended;
    await checkpointer.close();
  });
});
