import { isConflictError } from '../../errors.js';
import type { StoredCallUpdate } from '../../store.js';

interface Waiting {
  batch: StoredCallUpdate[];
  resolve: (applied: boolean[]) => void;
  reject: (error: unknown) => void;
}

/**
 * `updateMany` batches sent together while the database is busy: at most `maxInFlight` statements
 * at a time, and the batches asked for meanwhile go as one when one of them is answered (up to
 * `maxRows` rows), in the order they were asked for. When nothing waits, a batch goes at once, as
 * it comes. One statement (one round trip, one commit) for many batches is what keeps a busy
 * worker's writes from queueing behind each other. A combined batch is one transaction, so when
 * it fails on a constraint (a duplicate idempotency key) nothing of it applied, and each batch is
 * run again on its own, one after another in the order asked: only the one at fault fails.
 */
export function createCombiner(options: {
  maxInFlight: number;
  maxRows: number;
  run: (batch: StoredCallUpdate[]) => Promise<boolean[]>;
}) {
  const { maxInFlight, maxRows, run } = options;
  const queue: Waiting[] = [];
  let inFlight = 0;

  const send = (group: Waiting[]) => {
    inFlight += 1;
    const all = group.length === 1 ? group[0]!.batch : group.flatMap((w) => w.batch);
    run(all)
      .then(
        (applied) => {
          let at = 0;
          for (const waiting of group) {
            waiting.resolve(applied.slice(at, (at += waiting.batch.length)));
          }
        },
        async (error: unknown) => {
          if (group.length === 1 || !isConflictError(error)) {
            for (const waiting of group) waiting.reject(error);
            return;
          }
          // One after another, in the order asked: a later batch may touch a row an earlier one
          // wrote, and must see that write as it would have in the combined statement.
          for (const waiting of group) {
            await run(waiting.batch).then(waiting.resolve, waiting.reject);
          }
        },
      )
      .finally(() => {
        inFlight -= 1;
        next();
      });
  };

  const next = () => {
    while (inFlight < maxInFlight && queue.length > 0) {
      const group = [queue.shift()!];
      let rows = group[0]!.batch.length;
      while (queue.length > 0 && rows + queue[0]!.batch.length <= maxRows) {
        rows += queue[0]!.batch.length;
        group.push(queue.shift()!);
      }
      send(group);
    }
  };

  return (batch: StoredCallUpdate[]): Promise<boolean[]> =>
    new Promise((resolve, reject) => {
      queue.push({ batch, resolve, reject });
      next();
    });
}
