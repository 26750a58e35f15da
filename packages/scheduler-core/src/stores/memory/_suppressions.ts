import type { Store, StoredSuppression } from '../../store.js';

type SuppressionMethods = Required<
  Pick<
    Store,
    'suppress' | 'unsuppress' | 'getSuppression' | 'listSuppressions' | 'pruneSuppressions'
  >
>;

const byPhone = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The do-not-call list of `createMemoryStore`: `list()` is the store's map of entries by number
 * (its claims read the same map), or throws once the store is closed.
 */
export function memorySuppressionMethods(
  list: () => Map<string, StoredSuppression>,
): SuppressionMethods {
  /** The list's numbers in order, for its pages; `null` once the list changed. */
  let sortedPhones: string[] | null = null;
  return {
    async suppress(entries) {
      const suppressions = list();
      for (const entry of entries) {
        if (!suppressions.has(entry.phone)) sortedPhones = null;
        suppressions.set(entry.phone, { ...entry });
      }
    },

    async unsuppress(phone) {
      const removed = list().delete(phone);
      if (removed) sortedPhones = null;
      return removed;
    },

    async getSuppression(phone) {
      const entry = list().get(phone);
      return entry ? { ...entry } : null;
    },

    async listSuppressions({ afterPhone, limit }) {
      const suppressions = list();
      // The numbers sorted once after the list changed; each page is then a binary search.
      sortedPhones ??= [...suppressions.keys()].sort(byPhone);
      const phones = sortedPhones;
      let from = 0;
      if (afterPhone != null) {
        let high = phones.length;
        while (from < high) {
          const middle = (from + high) >>> 1;
          if (phones[middle]! <= afterPhone) from = middle + 1;
          else high = middle;
        }
      }
      return phones
        .slice(from, from + Math.max(0, limit))
        .map((phone) => ({ ...suppressions.get(phone)! }));
    },

    async pruneSuppressions(before, limit) {
      const suppressions = list();
      let pruned = 0;
      for (const [phone, entry] of suppressions) {
        if (pruned >= limit) break;
        if (entry.until !== null && entry.until <= before) {
          suppressions.delete(phone);
          sortedPhones = null;
          pruned += 1;
        }
      }
      return pruned;
    },
  };
}
