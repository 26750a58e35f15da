import { systemClock, type Clock } from './clock.js';

/** Hands out the right to send, at most `callsPerSecond` a second, first come first served. */
export interface Pacer {
  /**
   * Calls `send` at its turn and resolves to what it returned (a promise is followed). `send` is
   * called synchronously by the pacer itself, so nothing runs between the turn and the send; the
   * next turn is counted from the moment `send` returned. Rejects with the signal's reason when it
   * aborts before the turn (its place then passes to the next waiter, unused), and with what
   * `send` threw when it throws (the turn counts as used).
   */
  run<T>(send: () => T, signal?: AbortSignal): Promise<Awaited<T>>;
  /** Waiters not yet let through. */
  readonly waiting: number;
  /**
   * The earliest moment (on the pacer's clock) a waiter added now would be let through, counting
   * the waiters ahead of it. `-Infinity` when unlimited.
   */
  readonly freeAt: number;
}

interface Waiter {
  send: () => unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * Added to every gap between two turns. Times near the epoch (about 1.7e12 ms) are doubles whose
 * last digit is worth about 0.24 µs; a gap of at least 1 µs more than `1000 / callsPerSecond`
 * keeps rounding from ever putting `callsPerSecond + 1` turns in one second.
 */
const ROUNDING_MARGIN_MS = 0.001;

/**
 * The default clock of a pacer: epoch milliseconds with sub-millisecond precision
 * (`performance.timeOrigin + performance.now()`, monotonic within the process), so turns are not
 * rounded to whole milliseconds, with the system's timers.
 */
export const preciseClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: systemClock.setTimeout,
  clearTimeout: systemClock.clearTimeout,
};

/**
 * A smooth token bucket holding one token. The pacer calls each waiter's `send` itself, at least
 * `1000 / callsPerSecond` ms (on `clock`) after the previous `send` returned: if the moment of
 * each send is read on the same clock (as a `fetch` wrapper would), any half-open window of one
 * second holds at most `callsPerSecond` of them. A burst is spread evenly rather than sent at
 * once and then starved. Without `callsPerSecond` (or with `Infinity`) every send happens at once.
 *
 * @param options.clock @default a sub-millisecond system clock (`performance.timeOrigin + performance.now()`)
 */
export function createPacer(options: {
  callsPerSecond?: number | undefined;
  clock?: Clock | undefined;
}): Pacer {
  const rate = options.callsPerSecond;
  if (rate === undefined || rate === Number.POSITIVE_INFINITY) {
    return {
      waiting: 0,
      freeAt: Number.NEGATIVE_INFINITY,
      run: (send, signal) => {
        if (signal?.aborted) return Promise.reject(signal.reason as Error);
        try {
          return Promise.resolve(send());
        } catch (error) {
          return Promise.reject(error as Error);
        }
      },
    };
  }
  if (!(rate > 0)) throw new RangeError(`callsPerSecond must be above 0, got ${rate}`);
  const clock = options.clock ?? preciseClock;
  const gap = 1000 / rate + ROUNDING_MARGIN_MS;
  const queue: Waiter[] = [];
  let next = Number.NEGATIVE_INFINITY;
  let timer: unknown;
  let sending = false;

  function pump() {
    timer = undefined;
    while (queue.length > 0) {
      const now = clock.now();
      if (now < next) {
        // Timers count whole milliseconds: round up, and check again when it fires.
        timer = clock.setTimeout(pump, Math.ceil(next - now));
        return;
      }
      const waiter = queue.shift()!;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      sending = true;
      try {
        waiter.resolve(waiter.send());
      } catch (error) {
        waiter.reject(error);
      } finally {
        sending = false;
      }
      // Read after the send: whatever moment the send itself recorded is no later than this.
      next = clock.now() + gap;
    }
  }

  return {
    get waiting() {
      return queue.length;
    },
    get freeAt() {
      return Math.max(next, clock.now()) + queue.length * gap;
    },
    run<T>(send: () => T, signal?: AbortSignal) {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      return new Promise<Awaited<T>>((resolve, reject) => {
        const waiter: Waiter = {
          send,
          resolve: resolve as (value: unknown) => void,
          reject,
          signal,
          onAbort: () => {
            const index = queue.indexOf(waiter);
            if (index < 0) return;
            queue.splice(index, 1);
            reject(signal?.reason);
          },
        };
        signal?.addEventListener('abort', waiter.onAbort, { once: true });
        queue.push(waiter);
        // A `send` that asks for another turn waits for this loop to get to it.
        if (timer === undefined && !sending) pump();
      });
    },
  };
}
