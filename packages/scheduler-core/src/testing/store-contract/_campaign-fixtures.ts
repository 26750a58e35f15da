/**
 * What the campaign cases of `testStore()` build on: a campaign's entries, and a claim with the
 * lease and hold every case uses, with the row as that claim leaves it (or as a marking claim
 * leaves it, which the scheduler's marking claim cases use too).
 */
import { expect } from 'vitest';
import {
  placingMark,
  type CampaignClaim,
  type SendBudget,
  type StoredCall,
  type StoredSuppression,
} from '../../store.js';
import type { CampaignMethods } from './_capabilities.js';
import { storedCall, T0 } from './_fixtures.js';

/** How long a claim leases its rows. */
export const LEASE = 30_000;
/** How long a claim holds a place for a call whose outcome is unknown. */
const HOLD = 60_000;

/** Entry `position` of `campaign`, with the id `campaign-00position` unless overridden. */
export const entry = (campaign: string, position: number, overrides: Partial<StoredCall> = {}) =>
  storedCall({
    id: `${campaign}-${String(position).padStart(3, '0')}`,
    campaign,
    position,
    ...overrides,
  });

/** The first `count` entries of `campaign`, with the defaults of {@link entry}. */
export const entries = (campaign: string, count: number) =>
  Array.from({ length: count }, (_, position) => entry(campaign, position));

/** The positions of `rows`, in their order. */
export const positions = (rows: StoredCall[]) => rows.map((row) => row.position);

/** The `reason` of a `ConflictError`. */
export const reasonOf = (error: unknown) => (error as { reason: string }).reason;

/** A claim of campaign `id` at `now` by `worker` (leased `LEASE` ms), holds of `HOLD` ms. */
export const claimWith =
  (c: CampaignMethods) =>
  async (
    id: string,
    now: number,
    limit: number,
    more: { worker?: string; budget?: SendBudget; holdMs?: number; cap?: number } = {},
  ): Promise<CampaignClaim> => {
    const holdMs = more.holdMs ?? HOLD;
    const { nextWake, ...claim } = await c.claimCampaign(
      id,
      now,
      limit,
      more.worker ?? 'w1',
      now + LEASE,
      {
        holdMs,
        ...(more.budget ? { budget: more.budget } : {}),
        ...(more.cap === undefined ? {} : { cap: more.cap }),
      },
    );
    // A store that reads the next wake in the claim answers what `nextCampaignWake` answers.
    if (nextWake !== undefined && claim.campaign !== null) {
      expect(nextWake).toBe(await c.nextCampaignWake(id, now, holdMs));
    }
    return claim;
  };

/** The row as a claim by `worker` at `now` leaves it. */
export const claimedAs = (row: StoredCall, now: number, worker = 'w1'): StoredCall => ({
  ...row,
  status: row.status === 'scheduled' ? 'queued' : row.status,
  leaseOwner: worker,
  leaseUntil: now + LEASE,
  updatedAt: now,
  version: row.version + 1,
});

/** The row as a marking claim by `worker` at `now` leaves a row it marks: one version more. */
export const markedAs = (row: StoredCall, now: number, worker = 'w1'): StoredCall => {
  const claimed = claimedAs(row, now, worker);
  return { ...claimed, ...placingMark(claimed, now) };
};

/**
 * The fields of a row's second attempt after a busy first, for the marking claims' cases: its timeline goes
 * on, so a mark is a step of attempt 2.
 */
export const secondAttempt = (): Partial<StoredCall> => ({
  attempt: 2,
  version: 5,
  events: [
    { status: 'scheduled', at: T0 - 9000, attempt: 1 },
    { status: 'busy', at: T0 - 8000, attempt: 1, reason: 'busy' },
    { status: 'scheduled', at: T0 - 8000, attempt: 2, reason: 'busy' },
  ],
});

/** A number on the do-not-call list since before `T0`, for the marking claims' cases. */
export const OPTED_OUT: StoredSuppression = {
  phone: '+14155550100',
  reason: 'asked not to be called',
  createdAt: T0 - 1000,
  until: null,
};
