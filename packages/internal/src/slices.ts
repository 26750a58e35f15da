/**
 * Work on long lists cut into slices of time, so that a request that turns 10,000 numbers into
 * rows never holds the event loop for long: every other request, webhook and stream goes on
 * between the slices.
 */

/** How long one slice runs before the loop gets a turn, in ms. */
const SLICE_MS = 5;

/** Resolves after the event loop's next turn (its I/O and timers included). */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(resolve);
    else setTimeout(resolve, 0);
  });
}

/** When the time for slices of the loop's current turn ends (`performance.now()`), or `null`. */
let turnEnds: number | null = null;

/**
 * When a slice starting now must end: `sliceMs` from now, and no later than the end of every
 * slice run before it in this turn of the loop. Every list sliced at the same time so shares one
 * slice per turn (three lists of 10,000 numbers take turns within 5 ms, not 5 ms each), and a
 * request waiting for the loop waits one slice, however many lists are under way.
 */
export function sliceEnd(sliceMs: number = SLICE_MS): number {
  const now = performance.now();
  if (turnEnds !== null) {
    // The shortest slice asked for in the turn ends it for every slice after.
    turnEnds = Math.min(turnEnds, now + sliceMs);
    return turnEnds;
  }
  turnEnds = now + sliceMs;
  // Cleared at the next turn: this immediate runs before the ones the slices queue after it.
  const clear = () => {
    turnEnds = null;
  };
  if (typeof setImmediate === 'function') setImmediate(clear);
  else setTimeout(clear, 0);
  return turnEnds;
}

/**
 * Calls `fn` on each item in order, handing the loop a turn whenever a slice ends (see
 * {@link sliceEnd}: `sliceMs`, shared by every list sliced in the same turn). A short list (or a
 * fast `fn`) runs in one go, with no turn at all. A throw stops it at that item.
 */
export async function eachInSlices<T>(
  items: Iterable<T>,
  fn: (item: T, index: number) => void,
  sliceMs: number = SLICE_MS,
): Promise<void> {
  let ends = sliceEnd(sliceMs);
  let index = 0;
  for (const item of items) {
    fn(item, index);
    index += 1;
    // Reading the time costs too: every 16 items is often enough.
    if ((index & 15) === 0 && performance.now() >= ends) {
      await yieldToLoop();
      ends = sliceEnd(sliceMs);
    }
  }
}

/** `items.map(fn)`, in slices of time (see {@link eachInSlices}). */
export async function mapInSlices<T, R>(
  items: readonly T[],
  fn: (item: T, index: number) => R,
  sliceMs: number = SLICE_MS,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  await eachInSlices(items, (item, index) => (out[index] = fn(item, index)), sliceMs);
  return out;
}
