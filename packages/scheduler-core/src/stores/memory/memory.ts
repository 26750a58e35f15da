import type { Store } from '../../store.js';
import { withCampaigns } from './_campaigns.js';
import { createMemoryStore } from './_store.js';

/**
 * A store in this process's memory: the default for tests and single-process apps that can lose
 * their schedule on restart. Calls are kept column by column (typed arrays and string tables, see
 * `CallTable`), wake times in a binary heap of typed arrays, so a pending call costs about 190
 * bytes (more when calls go to many different numbers) and no timer. Every row it returns is a
 * fresh copy. Not shared across processes (several schedulers in one process may share it).
 * Campaigns keep their entries beside the table, in list order, with the live, waiting and
 * held entries their claims walk.
 *
 * Its cost stays flat as it grows: counts by status are kept as rows change, a page of `list` reads
 * only the rows of the statuses (or the number) it asks for, a page of history only that number's
 * records, and `deleteFinished` / `deleteCallRecords` free what they delete (a deleted row's
 * slot is reused).
 *
 * @example
 * const scheduler = createScheduler({ store: memoryStore(), provider });
 */
export function memoryStore(): Store {
  return withCampaigns(createMemoryStore());
}
