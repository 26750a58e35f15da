import { clampTimerMs, type Clock } from '@ringkit/internal';

/** GETs one poller lets be in flight at once unless told otherwise (`maxConcurrentPolls`). */
export const DEFAULT_MAX_CONCURRENT_POLLS = 64;

/** Gives the slot of a granted turn back; calling it again does nothing. */
export type Release = () => void;

/**
 * Hands out turns to poll: every watch of one clock (and one `maxConcurrentPolls`) waits here
 * instead of on a timer of its own.
 */
export interface Poller {
  /**
   * Resolves once `delayMs` has passed on the clock and fewer than `maxConcurrent` turns are
   * out, with the {@link Release} to call when the request is done; resolves `null` (and never
   * takes a slot) when `signal` aborts first. Turns that fall due together are granted in due
   * order, those due at the same time in the order they were asked for.
   */
  turn(delayMs: number, signal?: AbortSignal): Promise<Release | null>;
  /** Turns waiting (for their time or for a slot). */
  readonly waiting: number;
  /** Turns granted and not yet released. */
  readonly inFlight: number;
}

interface Waiter {
  due: number;
  seq: number;
  /** Its place in the heap; -1 once it left. */
  index: number;
  grant: () => void;
}

const before = (a: Waiter, b: Waiter) => a.due < b.due || (a.due === b.due && a.seq < b.seq);

/**
 * A poller on `clock`: a binary min-heap of the waiting turns by due time, and at most ONE clock
 * timer, armed for the earliest of them. When it fires, every turn due is granted while slots
 * remain; a released slot grants the next turn due. So thousands of watches cost one timer, and
 * the GETs of polls due in the same instant leave at most `maxConcurrent` at a time.
 *
 * The timer is re-armed only when a turn falls due before it, cleared when no turn waits (so an
 * idle poller keeps no process alive), and not armed at all while every slot is taken (the next
 * release looks again).
 */
export function createPoller(clock: Clock, maxConcurrent: number): Poller {
  const heap: Waiter[] = [];
  let seq = 0;
  let inFlight = 0;
  let timer: unknown = null;
  let timerAt = Infinity;

  const place = (w: Waiter, i: number) => {
    heap[i] = w;
    w.index = i;
  };
  const up = (i: number) => {
    const w = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(w, heap[parent]!)) break;
      place(heap[parent]!, i);
      i = parent;
    }
    place(w, i);
  };
  const down = (i: number) => {
    const w = heap[i]!;
    const n = heap.length;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && before(heap[child + 1]!, heap[child]!)) child += 1;
      if (!before(heap[child]!, w)) break;
      place(heap[child]!, i);
      i = child;
    }
    place(w, i);
  };
  const remove = (w: Waiter) => {
    const i = w.index;
    if (i < 0) return;
    w.index = -1;
    const last = heap.pop()!;
    if (last === w) return;
    place(last, i);
    if (i > 0 && before(last, heap[(i - 1) >> 1]!)) up(i);
    else down(i);
  };

  const disarm = () => {
    if (timer !== null) clock.clearTimeout(timer);
    timer = null;
    timerAt = Infinity;
  };

  const onTimer = () => {
    timer = null;
    timerAt = Infinity;
    pump();
  };

  /** Grants every turn due while slots remain, then arms the timer for the next one. */
  function pump() {
    const now = clock.now();
    while (heap.length > 0 && inFlight < maxConcurrent && heap[0]!.due <= now) {
      const w = heap[0]!;
      remove(w);
      inFlight += 1;
      w.grant();
    }
    if (heap.length === 0) {
      disarm();
      return;
    }
    if (inFlight >= maxConcurrent) return; // a release pumps again
    const due = heap[0]!.due;
    if (timer !== null && timerAt <= due) return; // it fires in time and looks again
    disarm();
    timerAt = due;
    timer = clock.setTimeout(onTimer, clampTimerMs(due - now));
  }

  const release = () => {
    inFlight -= 1;
    pump();
  };

  return {
    turn(delayMs, signal) {
      if (signal?.aborted) return Promise.resolve(null);
      return new Promise<Release | null>((resolve) => {
        const onAbort = () => {
          remove(waiter);
          resolve(null);
          pump();
        };
        const waiter: Waiter = {
          due: clock.now() + Math.max(0, delayMs),
          seq: ++seq,
          index: -1,
          grant() {
            signal?.removeEventListener('abort', onAbort);
            let released = false;
            resolve(() => {
              if (released) return;
              released = true;
              release();
            });
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        heap.push(waiter);
        up(heap.length - 1);
        pump();
      });
    },
    get waiting() {
      return heap.length;
    },
    get inFlight() {
      return inFlight;
    },
  };
}

const pollers = new WeakMap<Clock, Map<number, Poller>>();

/**
 * The poller every watch on `clock` with the same `maxConcurrent` shares, made on first use.
 * Kept in a `WeakMap` by clock, so a clock (a test's fake one) that is dropped takes its poller
 * with it.
 */
export function pollerFor(clock: Clock, maxConcurrent: number): Poller {
  let byLimit = pollers.get(clock);
  if (byLimit === undefined) {
    byLimit = new Map();
    pollers.set(clock, byLimit);
  }
  let poller = byLimit.get(maxConcurrent);
  if (poller === undefined) {
    poller = createPoller(clock, maxConcurrent);
    byLimit.set(maxConcurrent, poller);
  }
  return poller;
}
