/**
 * What the cases of `testStore()` build their rows from and check them with: a fixed time, rows,
 * campaigns and call records with defaults, and a few expectations said once.
 */
import { expect } from 'vitest';
import type {
  Store,
  StoredCall,
  StoredCallRecord,
  StoredCampaign,
  StoreListQuery,
} from '../../store.js';
import { newStoredCall } from '../../_rows.js';

/** The time every case starts at. */
export const T0 = Date.UTC(2026, 0, 1, 12);

/** A stored row with defaults (a new `scheduled` call, due at a fixed time); override what a test needs. */
export function storedCall(overrides: Partial<StoredCall> & { id: string }): StoredCall {
  return {
    ...newStoredCall({
      id: overrides.id,
      to: '+14155552671',
      dueAt: T0,
      now: T0,
      idempotencyKey: null,
      options: null,
    }),
    ...overrides,
  };
}

/** A stored campaign with defaults (`running`, 2 calls at once, no send slot taken yet); override what a test needs. */
export function storedCampaign(
  overrides: Partial<StoredCampaign> & { id: string },
): StoredCampaign {
  return {
    state: 'running',
    concurrency: 2,
    total: 0,
    fingerprint: `fingerprint-${overrides.id}`,
    settings: {},
    nextSlotAt: 0,
    createdAt: T0,
    updatedAt: T0,
    archivedAt: null,
    version: 1,
    ...overrides,
  };
}

/** An outbound call record from `from` to `to`, answered a second after `startedAt`, a minute long. */
export function record(id: string, from: string, to: string, startedAt: number): StoredCallRecord {
  return {
    id,
    from,
    to,
    direction: 'outbound',
    status: 'completed',
    startedAt,
    answeredAt: startedAt + 1000,
    endedAt: startedAt + 61_000,
    durationS: 60,
    outcomeUnknown: false,
    answeredBy: null,
    recordingUrl: null,
    recordingDurationS: null,
    providerStatus: null,
    campaign: null,
  };
}

/** Counts without the statuses at 0 (a store may leave them out or give them as 0). */
export const positive = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));

/** Expects `promise` to reject with an error `guard` accepts, and returns that error. */
export async function expectRejects(promise: Promise<unknown>, guard: (e: unknown) => boolean) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a rejection').toBeDefined();
  expect(guard(error), String(error)).toBe(true);
  return error;
}

/** A `list` query without its cursor: {@link listPages} follows the cursors. */
export type ListQuery = Omit<StoreListQuery, 'cursor'>;

/** The ids `store.list(query)` gives, page by page from the first (20 pages at the most). */
export async function listPages(store: Store, query: ListQuery): Promise<string[][]> {
  const seen: string[][] = [];
  let cursor: string | null = null;
  do {
    const page = await store.list({ ...query, cursor });
    seen.push(page.items.map((r) => r.id));
    cursor = page.nextCursor;
  } while (cursor && seen.length < 20);
  return seen;
}

/** The rows a plain `claimDue` (no mark, no budget) hands `workerId`: what most cases check. */
export async function claimedRows(
  store: Store,
  now: number,
  limit: number,
  workerId: string,
  leaseUntil: number,
  provider?: string,
): Promise<StoredCall[]> {
  const query = { now, limit, workerId, leaseUntil };
  return (await store.claimDue(provider === undefined ? query : { ...query, provider })).calls;
}
