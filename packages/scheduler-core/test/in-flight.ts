/**
 * The store calls a test's schedulers have on their way. A test that steps a fake clock while a
 * real store (SQLite, PostgreSQL) answers in real time steps it only once they have settled:
 * fake time that runs ahead of a slow commit sees leases run out, and calls fall due, that the
 * test did not mean to reach.
 */
export interface InFlight {
  /** `store`, each of its methods' calls counted until the promise it returns settles. */
  wrap<S extends object>(store: S): S;
  /** The calls on their way now. */
  readonly calls: number;
  /** Resolves, in real time, once no call is on its way; rejects after `timeoutMs`. */
  settled(timeoutMs?: number): Promise<void>;
}

export function createInFlight(): InFlight {
  let calls = 0;
  return {
    wrap(store) {
      return new Proxy(store, {
        get(target, key, receiver) {
          const value: unknown = Reflect.get(target, key, receiver);
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
            if (!(result instanceof Promise)) return result;
            calls += 1;
            return result.finally(() => {
              calls -= 1;
            });
          };
        },
      });
    },
    get calls() {
      return calls;
    },
    async settled(timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (calls > 0) {
        if (Date.now() > until) {
          throw new Error(`${calls} store calls still on their way after ${timeoutMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    },
  };
}
