/**
 * A read shared by every ask within `maxAgeMs` of the one that started it: `/metrics` and the
 * operator's page ask every few seconds, and one scrape reads several gauges; one query of the
 * store answers them all. A failed read is not kept: the next ask tries again.
 */
export function cachedRead<T>(
  read: () => Promise<T>,
  options: { maxAgeMs: number; now?: () => number },
): () => Promise<T> {
  const now = options.now ?? Date.now;
  let cached: { at: number; value: Promise<T> } | null = null;
  return () => {
    const at = now();
    if (cached === null || at - cached.at >= options.maxAgeMs) {
      const entry = { at, value: read() };
      cached = entry;
      entry.value.catch(() => {
        if (cached === entry) cached = null;
      });
    }
    return cached.value;
  };
}
