import type { Clock } from '@ringkit/call-client';
import {
  ConflictError,
  isConflictError,
  isCallNotFoundError,
  CallNotFoundError,
} from '../errors.js';
import type {
  Store,
  StoredCall,
  StoredCallPatch,
  StoredCallRecord,
  StoredCallUpdate,
} from '../store.js';

/** How often a write re-reads its row after a version conflict before giving up. */
const MAX_TRIES = 20;

/**
 * One compare-and-set of `row` (as read) with `patch`, and `record` saved with it, the version
 * moved on by `steps` (the changes it carries, default 1): the new row, or `null` when the row is
 * missing or no longer at `row.version`.
 */
export type Write = (
  row: StoredCall,
  patch: StoredCallPatch,
  record: StoredCallRecord | null,
  steps?: number,
) => Promise<StoredCall | null>;

/**
 * Writes rows through `store.updateMany` where the store has it: the writes asked for in one
 * tick (the marks of calls claimed together, the outcomes of placements answered together) go to
 * the store as one batch, so one transaction instead of one per row. A row appears at most once
 * per batch; a second write of it waits for the next one. An applied update's row is the row as
 * read with the patch and the version its steps lead to, which is what the compare-and-set
 * stored. Without `updateMany`, each write is an `update` followed by `saveCallRecord`.
 */
export function createWriter(store: Store): Write {
  const updateMany = store.updateMany?.bind(store);
  if (!updateMany) {
    return async (current, patch, record, steps = 1) => {
      let row: StoredCall;
      try {
        row = await store.update(current.id, current.version, patch, steps);
      } catch (error) {
        if (isCallNotFoundError(error)) return null;
        if (isConflictError(error) && error.reason === 'version_conflict') return null;
        throw error;
      }
      if (record) await store.saveCallRecord(record);
      return row;
    };
  }

  interface Pending {
    update: StoredCallUpdate;
    row: StoredCall;
    resolve: (row: StoredCall | null) => void;
    reject: (error: unknown) => void;
  }
  let queue: Pending[] = [];
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    const ids = new Set<string>();
    const batch: Pending[] = [];
    const later: Pending[] = [];
    for (const pending of queue) {
      if (ids.has(pending.update.id)) later.push(pending);
      else {
        ids.add(pending.update.id);
        batch.push(pending);
      }
    }
    queue = later;
    if (later.length > 0) schedule();
    const fail = (error: unknown) => batch.forEach((p) => p.reject(error));
    try {
      updateMany(batch.map((p) => p.update)).then((applied) => {
        batch.forEach((p, i) =>
          p.resolve(
            applied[i]
              ? { ...p.row, ...p.update.patch, version: p.row.version + (p.update.steps ?? 1) }
              : null,
          ),
        );
      }, fail);
    } catch (error) {
      fail(error);
    }
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(flush);
  };

  return (row, patch, record, steps = 1) =>
    new Promise((resolve, reject) => {
      const update: StoredCallUpdate = { id: row.id, expectedVersion: row.version, patch, record };
      if (steps !== 1) update.steps = steps;
      queue.push({ update, row, resolve, reject });
      schedule();
    });
}

/** The result of {@link Mutate}: the row as written (or as read, when nothing changed). */
export interface Mutation {
  row: StoredCall;
  before: StoredCall;
  changed: boolean;
}

export interface MutateOptions {
  /** The row as last seen, to try first instead of reading it. */
  fresh?: StoredCall;
  /** The call record to save with the write, from the row as it will be and as it was. */
  record?: (next: StoredCall, before: StoredCall) => StoredCallRecord | null;
  /**
   * The changes the patch `decide` just returned carries, each told with a version of its own
   * (see `Store.update`). @default () => 1
   */
  steps?: () => number;
  /**
   * The write may end an attempt, or hand a claimed row back: it may free a campaign's place,
   * so a claim that may see it waits until it is told (see `settled`).
   */
  frees?: boolean;
}

/**
 * Reads (or takes `fresh`), decides and writes with the read version; re-reads and decides again
 * on a version conflict. `decide` returns a new patch (stamped with `updatedAt` here), or `null`
 * for "nothing to do".
 */
export type Mutate = ((
  id: string,
  decide: (row: StoredCall) => StoredCallPatch | null,
  options?: MutateOptions,
) => Promise<Mutation>) & {
  /**
   * Resolves once every mutation that may free a place (`frees`) under way when asked is
   * answered, and each caller has taken its answer up to its next wait: the engine tells what a
   * write changed right after it, so what a claim that leaves now sees of them has been told
   * once this resolves. `null` when none is under way (nothing to wait for, not even a turn).
   */
  settled(): Promise<void> | null;
};

export function createMutate(store: Store, clock: Clock, write: Write): Mutate {
  /**
   * The mutations that may free a place, not answered yet: each settles once its caller's own
   * reaction to its answer has run.
   */
  const underway = new Set<Promise<unknown>>();
  const mutate = async (
    id: string,
    decide: (row: StoredCall) => StoredCallPatch | null,
    options: MutateOptions = {},
  ): Promise<Mutation> => {
    let current = options.fresh;
    for (let tries = 0; ; tries++) {
      const row = current ?? (await store.get(id));
      current = undefined;
      if (!row) throw new CallNotFoundError(id);
      const decided = decide(row);
      if (!decided) return { row, before: row, changed: false };
      // `decide` makes a new patch each time: stamp it rather than copy it.
      const patch: StoredCallPatch = Object.assign(decided, { updatedAt: clock.now() });
      const record = options.record?.({ ...row, ...patch }, row) ?? null;
      const updated = await write(row, patch, record, options.steps?.() ?? 1);
      if (updated) return { row: updated, before: row, changed: true };
      if (tries >= MAX_TRIES) {
        throw new ConflictError({
          reason: 'version_conflict',
          id,
          status: row.status,
          message: `Call ${id} kept changing: gave up after ${MAX_TRIES} tries`,
        });
      }
    }
  };
  return Object.assign(
    (...args: Parameters<typeof mutate>) => {
      const running = mutate(...args);
      if (args[2]?.frees !== true) return running;
      // Settled a turn after `running`, so after the caller's own reaction to it.
      const taken = running.then(
        () => undefined,
        () => undefined,
      );
      underway.add(taken);
      void taken.then(() => underway.delete(taken));
      return running;
    },
    {
      settled: () => (underway.size > 0 ? Promise.all(underway).then(() => undefined) : null),
    },
  );
}
