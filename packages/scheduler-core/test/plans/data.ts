/** The data the plan tests load and the workload calls: its start, its numbers, its caller id. */

/** The workload's start: the loaded data lies before it (finished) and after it (scheduled). */
export const T0 = Date.UTC(2026, 5, 1, 12);
export const DAY_MS = 86_400_000;
/** The scheduler's caller id: the `from` of most call records (the demo reads its history). */
export const CALLER_ID = '+14155550100';
/** How many distinct numbers the loaded data calls; `phone(i)` is one of them. */
export const PHONES = 10_000;
/** The `i`-th number of the loaded data (`+14153000000` on); the SQL of each store builds the same. */
export const phone = (i: number) => `+1415300${String(i % PHONES).padStart(4, '0')}`;
/** The age (days) past which the retention of the workload deletes: the loaded data spans 90. */
export const RETENTION_DAYS = 89.5;
