import type { DatabaseSync } from 'node:sqlite';
import type { StoredCallUpdate } from '../../store.js';

interface Batch {
  updates: StoredCallUpdate[];
  resolve: (applied: boolean[]) => void;
  reject: (error: unknown) => void;
}

/**
 * `updateMany` of `createSqliteStore`: writes the batches asked for before the next microtask
 * checkpoint in one transaction, since a commit is the costly part of a small write. Writes a
 * caller chains one after the other (a call's end, the claim its freed place allows, that call's
 * mark) each go at once, not a turn of the event loop later. Several batches run each in a
 * savepoint of its own, in the order asked, so each is answered as if it had run alone: one that
 * fails (a duplicate idempotency key) is rolled back, and fails, alone. A lone batch needs no
 * savepoint: nothing of it applies when one of its updates fails.
 */
export function createBatchWriter(ctx: {
  db: DatabaseSync;
  transaction: <T>(fn: () => T) => T;
  /** Applies one batch inside the open transaction: which updates applied. */
  applyBatch: (updates: StoredCallUpdate[]) => boolean[];
  isOpen: () => boolean;
}) {
  const { transaction, applyBatch } = ctx;
  const savepoint = ctx.db.prepare('SAVEPOINT batch');
  const releaseSavepoint = ctx.db.prepare('RELEASE batch');
  const rollbackToSavepoint = ctx.db.prepare('ROLLBACK TO batch');
  let batches: Batch[] = [];
  let armed = false;

  function writeBatches() {
    armed = false;
    const group = batches;
    batches = [];
    if (!ctx.isOpen()) {
      for (const batch of group) batch.reject(new Error('The SQLite store is closed'));
      return;
    }
    if (group.length === 1) {
      const [batch] = group as [Batch];
      try {
        batch.resolve(transaction(() => applyBatch(batch.updates)));
      } catch (error) {
        batch.reject(error);
      }
      return;
    }
    const outcomes: ({ applied: boolean[] } | { error: unknown })[] = [];
    try {
      transaction(() => {
        for (const batch of group) {
          savepoint.run();
          try {
            outcomes.push({ applied: applyBatch(batch.updates) });
            releaseSavepoint.run();
          } catch (error) {
            rollbackToSavepoint.run();
            releaseSavepoint.run();
            outcomes.push({ error });
          }
        }
      });
    } catch (error) {
      for (const batch of group) batch.reject(error);
      return;
    }
    group.forEach((batch, i) => {
      const outcome = outcomes[i]!;
      if ('error' in outcome) batch.reject(outcome.error);
      else batch.resolve(outcome.applied);
    });
  }

  return {
    /** Writes `updates` with the other batches asked for before the next microtask checkpoint. */
    write(updates: StoredCallUpdate[]): Promise<boolean[]> {
      return new Promise((resolve, reject) => {
        batches.push({ updates, resolve, reject });
        if (!armed) {
          armed = true;
          queueMicrotask(writeBatches);
        }
      });
    },
    /** Writes the batches still waiting now (the store is closing). */
    flush() {
      if (armed) writeBatches();
    },
  };
}
