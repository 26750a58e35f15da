/** The statuses of a stored call, grouped as the stores read them: live, finished, in flight. */
import { TERMINAL_STATUSES } from '@ringkit/call-client';
import type { ScheduledCallStatus } from '../types.js';

/**
 * The statuses of a call that has not ended: waiting (`scheduled`), claimed (`queued`) or in
 * flight. Their number is bounded by the work in hand; `scheduler.counts()` counts these.
 */
export const LIVE_STATUSES = ['scheduled', 'queued', 'initiated', 'ringing', 'answered'] as const;

/** A status of {@link LIVE_STATUSES}. */
export type LiveStatus = (typeof LIVE_STATUSES)[number];

/**
 * The statuses a call ends in. Finished rows pile up as the store runs; `retention` deletes
 * them, and their number is counted as they happen (the scheduler's events), not by the store.
 */
export const FINISHED_STATUSES: readonly ScheduledCallStatus[] = TERMINAL_STATUSES;

/** The statuses of a call in flight: placed, not ended. */
export const IN_FLIGHT_STATUSES: readonly ScheduledCallStatus[] = [
  'initiated',
  'ringing',
  'answered',
];

/** The status a row takes when claimed: `queued`, unless it is in flight (then it keeps it). */
export const claimedStatus = (status: ScheduledCallStatus): ScheduledCallStatus =>
  IN_FLIGHT_STATUSES.includes(status) ? status : 'queued';
