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

/**
 * Calls `fn` on each item in order, handing the loop a turn whenever a slice has run `sliceMs`.
 * A short list (or a fast `fn`) runs in one go, with no turn at all. A throw stops it at that
 * item.
 */
export async function eachInSlices<T>(
  items: Iterable<T>,
  fn: (item: T, index: number) => void,
  sliceMs: number = SLICE_MS,
): Promise<void> {
  let started = performance.now();
  let index = 0;
  for (const item of items) {
    fn(item, index);
    index += 1;
    // Reading the time costs too: every 16 items is often enough.
    if ((index & 15) === 0 && performance.now() - started >= sliceMs) {
      await yieldToLoop();
      started = performance.now();
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
