/**
 * The source of time for everything that waits. The default wraps the globals; tests pass a fake
 * one instead of patching timers.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** `true` for anything with the three methods of a {@link Clock}: how every factory checks its `clock` option. */
export function isClock(value: unknown): value is Clock {
  return (
    typeof value === 'object' &&
    value !== null &&
    ['now', 'setTimeout', 'clearTimeout'].every(
      (key) => typeof (value as Record<string, unknown>)[key] === 'function',
    )
  );
}

/**
 * The longest delay a Node.js or browser timer takes (2^31 - 1 ms, about 24.8 days). A longer one
 * overflows and fires after 1 ms; every timer ringkit arms is clamped to this and, when it fires
 * early because of it, checks the time again and re-arms.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * How long a placed call may go without reaching its end before the dialer and the scheduler
 * check it (`callTimeoutMs`): 4 hours, the longest call most providers allow (Twilio's default
 * time limit). A shorter limit would end calls still in progress (and free the dialer's slot of a
 * call still live); lower it only when your calls are short and you would rather learn sooner of
 * a call whose webhooks were lost.
 */
export const DEFAULT_CALL_TIMEOUT_MS = 14_400_000;

/**
 * Milliseconds between two status polls of a call (`watchIntervalMs` of the dialer and the
 * scheduler, `intervalMs` of `watchCall`).
 */
export const DEFAULT_WATCH_INTERVAL_MS = 1000;

/** `ms` made a valid timer delay: not negative, not `NaN`, at most {@link MAX_TIMER_MS}. */
export function clampTimerMs(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.min(ms, MAX_TIMER_MS);
}

/**
 * The first multiple of `intervalMs` after `now` (in `(now, now + intervalMs]`): the periodic
 * work of a process (every campaign's re-read, every dispatch loop's re-check) kept on one beat,
 * so that the reads of one beat go out together (in one batch, where the store batches them)
 * rather than each on its own timer. `intervalMs` of 0 or less (no beat) answers `now`.
 */
export function nextBeat(now: number, intervalMs: number): number {
  if (!(intervalMs > 0)) return now;
  return (Math.floor(now / intervalMs) + 1) * intervalMs;
}

/** The real clock. Its `setTimeout` clamps delays to {@link MAX_TIMER_MS}. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, clampTimerMs(ms)),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Resolves after `ms` on the given clock; rejects with the signal's reason when it aborts first.
 */
export function sleep(ms: number, options: { clock?: Clock; signal?: AbortSignal } = {}) {
  const { clock = systemClock, signal } = options;
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal?.reason);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
