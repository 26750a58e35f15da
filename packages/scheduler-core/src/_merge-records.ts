import { statusRank, type CallStatus } from '@ringkit/call-client';
import type { StoredCallRecord } from './store.js';

/**
 * The merge of `recordCall()`: what one call record becomes when a later report of the same
 * call (same id) arrives, as `Store.mergeCallRecord` applies it. Each webhook of an inbound call
 * tells part of it, repeated, late or out of order, at any worker; the merge keeps every fact
 * reported and never moves the call back:
 *
 * - `status`: the higher rank (`statusRank`); between two final statuses, the more telling one
 *   in a fixed order: `completed` (someone talked with the caller), then `canceled` (the caller
 *   hung up), `busy`, `no-answer`, `failed`;
 * - `from`, `to`, `direction`: the stored ones (the first report);
 * - `startedAt`, `answeredAt`, `endedAt`: the earliest reported (`answeredAt` and `endedAt`
 *   the earliest non-null); a call is never answered after it ended nor started after it was
 *   answered or ended, so `answeredAt` is at most `endedAt` and `startedAt` at most both (an
 *   answer reported after the end was given before it, as for the dispatcher's records);
 * - `durationS`: the `completed` side's (the first non-null of those when both are);
 * - `recordingUrl`, `recordingDurationS`, `answeredBy`: the first non-null;
 * - `providerStatus`: the word of the status that won (the first non-null of the sides at that
 *   status);
 * - `outcomeUnknown`: only when both are (a known outcome replaces an unknown one).
 *
 * Every rule is a minimum, a "first non-null" or a fixed order. So merging a report again
 * changes nothing (a retried write is harmless), the status does not depend on the order or the
 * grouping of the reports, and for the reports of one call, which agree on each fact (one
 * conversation, one recording, one word per status), neither does anything else.
 */
export function mergeCallRecords(
  stored: StoredCallRecord,
  incoming: StoredCallRecord,
): StoredCallRecord {
  const status = wins(incoming.status, stored.status) ? incoming.status : stored.status;
  const { startedAt, answeredAt, endedAt } = timesInOrder({
    startedAt: Math.min(stored.startedAt, incoming.startedAt),
    answeredAt: earliest(stored.answeredAt, incoming.answeredAt),
    endedAt: earliest(stored.endedAt, incoming.endedAt),
  });
  const completed = stored.status === 'completed' || incoming.status === 'completed';
  /** `field` of the sides that pass `keep`, the stored one first: the first non-null. */
  const firstOf = <K extends keyof StoredCallRecord>(
    field: K,
    keep: (side: StoredCallRecord) => boolean = () => true,
  ): NonNullable<StoredCallRecord[K]> | null =>
    (keep(stored) ? stored[field] : null) ?? (keep(incoming) ? incoming[field] : null) ?? null;
  return {
    id: stored.id,
    from: stored.from,
    to: stored.to,
    direction: stored.direction,
    status,
    startedAt,
    answeredAt,
    endedAt,
    durationS: completed
      ? firstOf('durationS', (side) => side.status === 'completed')
      : firstOf('durationS'),
    outcomeUnknown: stored.outcomeUnknown === true && incoming.outcomeUnknown === true,
    answeredBy: firstOf('answeredBy'),
    recordingUrl: firstOf('recordingUrl'),
    recordingDurationS: firstOf('recordingDurationS'),
    providerStatus: firstOf('providerStatus', (side) => side.status === status),
    campaign: firstOf('campaign'),
  };
}

/** A call record's times (epoch ms). */
export interface CallTimes {
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
}

/**
 * `times` in the order a call lives them: an answer is never after the end (one reported later
 * was given at the end at the latest), a start never after the answer or the end. Every record
 * `recordCall()` stores is in order, so merging one with itself gives it back.
 */
export function timesInOrder(times: CallTimes): CallTimes {
  const { endedAt } = times;
  const answeredAt =
    times.answeredAt === null ? null : Math.min(times.answeredAt, endedAt ?? Infinity);
  const startedAt = Math.min(times.startedAt, answeredAt ?? Infinity, endedAt ?? Infinity);
  return { startedAt, answeredAt, endedAt };
}

/** Whether a report of `next` replaces a stored `current` (see {@link mergeCallRecords}). */
function wins(next: CallStatus, current: CallStatus): boolean {
  const rank = statusRank(next) - statusRank(current);
  // Below the final rank, one status per rank; among the final ones, the more telling end wins
  // (FINAL_ORDER), so the result does not depend on which report arrived first.
  return rank !== 0 ? rank > 0 : finalOrder(next) > finalOrder(current);
}

/**
 * The final statuses from the least to the most telling: a conversation (`completed`) says most;
 * a caller who hung up (`canceled`) more than a busy line, which says more than a call nobody
 * took (`no-answer`), which says more than a bare `failed`.
 */
const FINAL_ORDER: readonly CallStatus[] = ['failed', 'no-answer', 'busy', 'canceled', 'completed'];

const finalOrder = (status: CallStatus): number => FINAL_ORDER.indexOf(status);

const earliest = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.min(a, b);
