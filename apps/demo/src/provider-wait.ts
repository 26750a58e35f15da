/**
 * Calls scheduled through a provider other than this process's: they are never placed through
 * this one (a call's provider is part of the call), so they wait, and the log says so at start.
 * A switch of `CALL_PROVIDER` (from the practice API to Twilio, say) leaves the calls made for the
 * earlier one where they are, instead of ringing real numbers with calls made up for a test.
 */
import type { Store, StoredCall } from '@ringkit/scheduler-core';
import type { Logger } from 'pino';

const PAGE = 500;
/** The statuses of a call not placed yet, which a worker of its provider would place. */
const WAITING: StoredCall['status'][] = ['scheduled', 'queued'];

/**
 * How many scheduled calls (outside campaigns) wait for each provider other than `own`; logs one
 * warning naming them when there are any. Reads the scheduled calls a page at a time, once.
 */
export async function callsWaitingForOtherProviders(
  store: Store,
  own: string,
  logger: Logger,
): Promise<Record<string, number>> {
  const waiting: Record<string, number> = {};
  let cursor: string | null = null;
  do {
    const page = await store.list({ status: WAITING, cursor, limit: PAGE });
    for (const row of page.items) {
      if (row.provider == null || row.provider === own) continue;
      waiting[row.provider] = (waiting[row.provider] ?? 0) + 1;
    }
    cursor = page.nextCursor;
  } while (cursor);
  if (Object.keys(waiting).length > 0) {
    logger.warn(
      { waiting, provider: own },
      `calls scheduled through another provider wait for it: this process places through ${own} only`,
    );
  }
  return waiting;
}
