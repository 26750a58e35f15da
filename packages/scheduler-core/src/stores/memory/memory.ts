import type { Store } from '../../store.js';
import { createTunedMemoryStore } from './_store.js';

/**
 * A store in this process's memory: the default for tests and single-process apps that can lose
 * their schedule on restart. Calls are kept column by column (typed arrays and string tables, see
 * `CallTable`), wake times in a binary heap of typed arrays, so a pending call costs about 190
 * bytes (more when calls go to many different numbers) and no timer. Every row it returns is a
 * fresh copy. Not shared across processes (several schedulers in one process may share it).
 * A campaign's entries are kept beside the scheduler's own calls, in a table of their own with
 * the orders its claims walk (due entries by position, leases by expiry, held outcomes by
 * placement), so a claim costs the rows it takes, not the campaign's list or the store.
 *
 * Its cost stays flat as it grows: counts by status are kept as rows change, a page of `list` reads
 * only the rows of the statuses (or the number) it asks for, a page of history only that number's
 * records, and `deleteFinished` / `deleteCallRecords` free what they delete (a deleted row's
 * slot is reused).
 *
 * @example
 * const scheduler = createScheduler({ store: createMemoryStore(), provider });
 */
export function createMemoryStore(): Store {
  return createTunedMemoryStore();
}
