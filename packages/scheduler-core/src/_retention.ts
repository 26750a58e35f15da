import type { Clock } from '@ringkit/call-client';
import type { SchedulerEmitter, SchedulerEvents } from './events.js';
import type { ResolvedRetention } from './options.js';
import type { Store } from './store.js';

/** The name of the lease a retention pass runs under, one per store. */
export const RETENTION_LEASE = 'retention';

/**
 * The retention of a scheduler (`retention` option): every `intervalMs`, a pass takes the
 * store's `retention` lease and, while it holds it, deletes finished calls and call records past
 * their age, and do-not-call entries whose `until` has passed, in batches of `batchSize`, one
 * short transaction each, letting other work run
 * between two batches. Workers sharing a store take turns through the lease: one deletes, the
 * others skip their pass. A store error ends the pass (reported as an `error` event, then what
 * the pass deleted before it as `pruned`); the next pass tries again.
 */
export function createRetention(options: {
  store: Store;
  clock: Clock;
  workerId: string;
  emitter: SchedulerEmitter;
  retention: ResolvedRetention;
  /** How long the lease is taken for; renewed before every batch. */
  leaseMs: number;
}) {
  const { store, clock, workerId, emitter, retention } = options;
  const deleteFinished = store.deleteFinished!.bind(store);
  const deleteCallRecords = store.deleteCallRecords!.bind(store);
  const acquireLease = store.acquireLease!.bind(store);
  const pruneSuppressions = store.pruneSuppressions?.bind(store);
  let running = false;
  let timer: unknown = null;
  let pass: Promise<void> | null = null;

  const holdLease = () => {
    const now = clock.now();
    return acquireLease(RETENTION_LEASE, workerId, now, now + options.leaseMs);
  };

  /**
   * Deletes with `remove` until nothing older than `ageMs` is left, adding what each batch
   * deleted with `add` as it goes; `false` when the lease was lost (or never held).
   */
  const drain = async (
    ageMs: number,
    remove: (before: number, limit: number) => Promise<number>,
    add: (deleted: number) => void,
  ): Promise<boolean> => {
    for (;;) {
      if (!running) return true;
      if (!(await holdLease())) return false;
      const deleted = await remove(clock.now() - ageMs, retention.batchSize);
      add(deleted);
      if (deleted < retention.batchSize) return true;
      // Let claims, webhooks and timers run between two batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };

  /**
   * One pass. What it deleted is announced (`pruned`) however it ended, after a store error
   * too: the batches before the error were committed.
   */
  async function runPass(): Promise<void> {
    const pruned: SchedulerEvents['pruned'] = { calls: 0, records: 0 };
    try {
      // Each batch takes (or renews) the lease first: a worker that does not hold it stops there.
      if (
        retention.finishedAfterMs !== null &&
        !(await drain(retention.finishedAfterMs, deleteFinished, (n) => (pruned.calls += n)))
      ) {
        return;
      }
      if (
        retention.historyAfterMs !== null &&
        !(await drain(retention.historyAfterMs, deleteCallRecords, (n) => (pruned.records += n)))
      ) {
        return;
      }
      // The do-not-call list's own rule: an entry whose `until` has passed stops nothing more.
      if (retention.suppressionsAfterMs !== null && pruneSuppressions) {
        await drain(retention.suppressionsAfterMs, pruneSuppressions, (n) => {
          pruned.suppressions = (pruned.suppressions ?? 0) + n;
        });
      }
    } catch (error) {
      emitter.emit('error', { error, source: 'store' });
    } finally {
      if (pruned.calls > 0 || pruned.records > 0 || (pruned.suppressions ?? 0) > 0) {
        emitter.emit('pruned', pruned);
      }
    }
  }

  /**
   * Sets the timer of the next pass, unless one is set or a pass is running (whose end sets it):
   * one chain of passes, even when start() comes while a pass stop() waits for is still running.
   */
  const arm = (ms: number) => {
    if (!running || timer !== null || pass !== null) return;
    timer = clock.setTimeout(() => {
      timer = null;
      pass = runPass().finally(() => {
        pass = null;
        arm(retention.intervalMs);
      });
    }, ms);
  };

  return {
    /** Runs a first pass at once, then one every `intervalMs`. */
    start() {
      if (running) return;
      running = true;
      arm(0);
    },
    /** No new pass; waits for the one running (it stops after its current batch). */
    async stop() {
      running = false;
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      await pass;
    },
  };
}
