import type { Clock } from '@ringkit/call-client';
import { clampTimerMs } from '@ringkit/internal';

/**
 * A request's deadline on `clock`: at `timeoutMs` its signal aborts with `expired()`'s error, and
 * `race` rejects with it whether or not the request honours the signal (a provider that never
 * answers holds nothing for ever). `clear` once the request is answered.
 *
 * One promise a race, settled by the answer or by the timer, whichever comes first: every call
 * placed races its request, and `Promise.race` against a promise of the deadline's own made four.
 */
export function deadlineOf(clock: Clock, timeoutMs: number, expired: () => Error) {
  const controller = new AbortController();
  let passed: Error | null = null;
  let expire: ((error: Error) => void) | null = null;
  const timer = clock.setTimeout(() => {
    passed = expired();
    controller.abort(passed);
    expire?.(passed);
  }, clampTimerMs(timeoutMs));
  return {
    signal: controller.signal,
    race: <T>(answer: Promise<T>) =>
      new Promise<T>((resolve, reject) => {
        // An answer that comes after the deadline is settled here too: never an unhandled
        // rejection.
        answer.then(resolve, reject);
        if (passed) {
          reject(passed);
          return;
        }
        const earlier = expire;
        expire = earlier
          ? (error) => {
              earlier(error);
              reject(error);
            }
          : reject;
      }),
    clear: () => clock.clearTimeout(timer),
  };
}
