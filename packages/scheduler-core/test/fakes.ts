import type { FakeProvider } from '@ringkit/simulator';
import type { DueClaimQuery, Store, StoredCallPatch, StoredCallUpdate } from '../src/store.js';

/** The calls a fake provider's `cancelCall` left canceled, each once, in order. */
export function canceledCalls(provider: FakeProvider): string[] {
  const ids = provider.cancels.filter((c) => c.result?.status === 'canceled').map((c) => c.id);
  return [...new Set(ids)];
}

/** A promise with its resolve/reject exposed. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * `inner` as a store whose claim cannot mark (`capabilities.marks` unset): the dispatcher writes
 * each mark itself, and claims calls ahead of its free places.
 */
export const withoutClaimMarks = (inner: Store): Store =>
  Object.assign(Object.create(inner) as Store, {
    capabilities: { ...inner.capabilities, marks: false },
  });

/**
 * The name a call is counted under: a claim by what it was asked (`claimDue(mark)`, one that
 * marks; `claimDue(budget)`, one under a send budget; `claimDue`, a plain one), any other call
 * by its method.
 */
export function countedAs(method: string, args: unknown[]): string {
  if (method !== 'claimDue') return method;
  const query = args[0] as DueClaimQuery;
  if (query.budget) return 'claimDue(budget)';
  return (query.mark ?? 0) > 0 ? 'claimDue(mark)' : 'claimDue';
}

/**
 * `inner`, counting the calls made to each of its methods, keeping every patch written, and
 * counting the calls on their way (until the promise a call returned settles).
 */
export function countingStore(inner: Store) {
  const counts: Record<string, number> = {};
  /** Each `update`'s patch, and each batch of `updateMany` patches. */
  const writes: StoredCallPatch[][] = [];
  let onTheirWay = 0;
  const store = new Proxy(inner, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      return (...args: unknown[]) => {
        const name = countedAs(key, args);
        counts[name] = (counts[name] ?? 0) + 1;
        if (key === 'update') writes.push([args[2] as StoredCallPatch]);
        if (key === 'updateMany') writes.push((args[0] as StoredCallUpdate[]).map((u) => u.patch));
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) return result;
        onTheirWay += 1;
        return result.finally(() => {
          onTheirWay -= 1;
        });
      };
    },
  });
  return {
    store,
    counts,
    writes,
    /** Forgets what was counted so far. */
    reset() {
      for (const key of Object.keys(counts)) delete counts[key];
      writes.length = 0;
    },
    /**
     * Resolves, in real time, once no call is on its way; rejects after `timeoutMs`. A test that
     * steps a fake clock over a store that answers in real time (SQLite, PostgreSQL) steps it only
     * once this resolves: fake time that runs ahead of a slow commit sees leases run out, and
     * calls fall due, that the test did not mean to reach.
     */
    async settled(timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (onTheirWay > 0) {
        if (Date.now() > until) {
          throw new Error(`${onTheirWay} store calls still on their way after ${timeoutMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    },
  };
}

/** `target`, whose methods hang forever once `kill()` is called, as after kill -9. */
export function killable<T extends object>(target: T) {
  let dead = false;
  const proxy = new Proxy(target, {
    get(inner, key, receiver) {
      const value: unknown = Reflect.get(inner, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        dead
          ? new Promise<never>(() => {})
          : (value as (...a: unknown[]) => unknown).apply(inner, args);
    },
  });
  return { proxy, kill: () => (dead = true) };
}
