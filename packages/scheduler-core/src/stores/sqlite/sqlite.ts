import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { MAX_TIMER_MS, strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { invalidOptions } from '../../errors.js';
import type { Store, StoredCallUpdate } from '../../store.js';
import { createBatchWriter } from './_batches.js';
import { sqliteCallMethods } from './_calls.js';
import { sqliteCampaignMethods } from './_campaigns.js';
import { startCheckpointer, type Checkpointer } from './_checkpoint.js';
import { sqliteClaims } from './_claims.js';
import { sqliteCore } from './_core.js';
import { migrate } from './_migrate.js';
import { sqliteSuppressionMethods } from './_suppressions.js';
import { sqliteAgentMethods } from './_agents.js';

/** Options of {@link createSqliteStore}. */
export interface SqliteStoreOptions {
  /** The database file (created when missing), or `':memory:'`. */
  path: string;
  /**
   * How long a write waits for another connection's lock before failing, in ms.
   * @default 5000
   */
  busyTimeoutMs?: number;
  /**
   * How often the WAL is checkpointed into the database file, in ms, on a thread of its own so
   * that the copy and its `fsync` never stall this process's event loop. `0`: SQLite's automatic
   * checkpoint instead, which runs inside the commit that fills the log past 1,000 pages, on the
   * thread that commits. Ignored for `':memory:'`.
   * @default 1000
   */
  checkpointIntervalMs?: number;
}

const optionsSchema = strictObject({
  path: z.string().min(1, 'a file path, or ":memory:"'),
  busyTimeoutMs: z.number().int().min(0).max(MAX_TIMER_MS).optional(),
  checkpointIntervalMs: z.number().int().min(0).max(MAX_TIMER_MS).optional(),
});

/**
 * A store in one SQLite file through `node:sqlite` (no native build): WAL journal, migrations on
 * open, claims in one `BEGIN IMMEDIATE` transaction, so several processes may share the file and
 * never claim the same call. `updateMany` writes a batch of rows (and their call records) in one
 * transaction, shared by the batches asked for before the next microtask checkpoint. Survives
 * restarts.
 *
 * Durability: the file runs in WAL mode with `synchronous = NORMAL`. A commit is written to the
 * log before it returns, so whatever was committed (a call's `placingAt` mark, written before its
 * request leaves) survives the process being killed at any moment; only a power loss or an
 * operating-system crash may take back the last commits (never corrupting the file), as SQLite
 * documents for this mode. `FULL` would add an `fsync` to every commit. The log is checkpointed
 * into the file every `checkpointIntervalMs` by a thread of the store's own, with its own
 * connection (`PRAGMA wal_checkpoint(PASSIVE)`, which blocks no reader or writer), so no commit
 * of this process ever waits for the copy and its `fsync`. Should that thread end, SQLite's
 * automatic checkpoint is turned back on.
 *
 * @example
 * const store = createSqliteStore({ path: './.data/ringkit.db' });
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw invalidOptions('createSqliteStore', parsed.error.issues);
  // The file's folder is created when missing (`./.data/calls.db` works in a fresh project).
  if (options.path !== ':memory:' && !options.path.startsWith('file:')) {
    mkdirSync(dirname(resolve(options.path)), { recursive: true });
  }
  const db = new DatabaseSync(options.path);
  db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
  if (options.path !== ':memory:') db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  migrate(db);
  const checkpointIntervalMs = options.checkpointIntervalMs ?? 1000;
  let checkpointer: Checkpointer | null = null;
  if (options.path !== ':memory:' && checkpointIntervalMs > 0) {
    db.exec('PRAGMA wal_autocheckpoint = 0');
    // The thread shares the process's working folder, but a later `chdir` must not move it.
    const file = options.path.startsWith('file:') ? options.path : resolve(options.path);
    checkpointer = startCheckpointer({ path: file, intervalMs: checkpointIntervalMs });
    const own = checkpointer;
    own.ended.then(
      () => {
        // The thread is gone without being closed: SQLite checkpoints in the commits again.
        if (open && checkpointer === own) db.exec('PRAGMA wal_autocheckpoint = 1000');
      },
      () => {},
    );
  }

  const core = sqliteCore(db);
  const { prepare, transaction, updateOf, keyChecked, saveRecord, suppressionContext } = core;
  const claims = sqliteClaims(core);
  let open = true;

  /** One `updateMany` batch: its compare-and-sets, each with its call record when it applies. */
  const applyBatch = (updates: StoredCallUpdate[]) =>
    updates.map(({ id, expectedVersion, patch, record, steps }) => {
      const { sql, values } = updateOf(id, expectedVersion, patch, steps);
      const applied = Number(keyChecked(id, () => prepare(sql).run(...values)).changes) > 0;
      if (applied && record) saveRecord(record);
      return applied;
    });
  const writer = createBatchWriter({
    db,
    transaction,
    applyBatch,
    isOpen: () => open,
  });

  return {
    name: 'sqlite',
    capabilities: { shared: true, durable: options.path !== ':memory:', marks: true },

    ...sqliteCallMethods(core),
    ...claims.methods,

    async updateMany(updates) {
      if (updates.length === 0) return [];
      return writer.write(updates);
    },

    ...sqliteCampaignMethods({
      prepare,
      transaction,
      insertRow: core.insertRow,
      claimIds: claims.claimIds,
      budgets: claims.budgets,
      markFresh: claims.markFresh,
    }),

    ...sqliteSuppressionMethods(suppressionContext),
    ...sqliteAgentMethods(prepare),

    async close() {
      if (!open) return;
      // Batches still waiting for their turn are written before the file closes.
      writer.flush();
      open = false;
      const thread = checkpointer;
      checkpointer = null;
      await thread?.close();
      core.clear();
      db.close();
    },
  };
}
