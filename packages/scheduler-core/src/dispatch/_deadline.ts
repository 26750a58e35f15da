import type { Clock } from '@ringkit/call-client';
import { clampTimerMs } from '@ringkit/internal';

/**
 * A request's deadline on `clock`: at `timeoutMs` its signal aborts with `expired()`'s error, and
 * `race` rejects with it whether or not the request honours the signal (a provider that never
 * answers holds nothing for ever). `clear` once the request is answered.
 */
export function deadlineOf(clock: Clock, timeoutMs: number, expired: () => Error) {
  const controller = new AbortController();
  let expire: (error: Error) => void = () => {};
  const passed = new Promise<never>((_, reject) => {
    expire = reject;
  });
  const timer = clock.setTimeout(() => {
    const error = expired();
    controller.abort(error);
    expire(error);
  }, clampTimerMs(timeoutMs));
  return {
    signal: controller.signal,
    race: <T>(answer: Promise<T>) => Promise.race([answer, passed]),
    clear: () => clock.clearTimeout(timer),
  };
}
