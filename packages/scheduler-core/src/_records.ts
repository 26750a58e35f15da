import {
  callDurationSeconds,
  isTerminal,
  type AnsweredBy,
  type CallStatus,
} from '@ringkit/call-client';
import type { StoredCall, StoredCallRecord } from './store.js';
import type { CallRecord, HistoryEntry, HistoryOutcome } from './types.js';
import { timeline } from './_rows.js';

/**
 * History: the call record of each attempt, derived from the row's timeline whenever the
 * attempt is placed, answered or ended (the dispatch loop writes it in the same step as the row,
 * through `mutate`'s `record` option), and the history entries users see of it.
 */

/** The reason of an attempt whose placement may or may not have created a call. */
export const OUTCOME_UNKNOWN = 'outcome_unknown';

/**
 * Who answered attempt `attempt`, as the first of its steps (in the order written) that said so:
 * a later step, with another word or none, never changes it. `null` when none did.
 */
export function answeredByOf(row: StoredCall, attempt: number): AnsweredBy | null {
  for (const step of timeline(row)) {
    if (step.attempt === attempt && step.answeredBy !== undefined) return step.answeredBy;
  }
  return null;
}

/** The `from` of a call's records: its own `from` option, else the scheduler's `callerId`. */
export const fromOf = (row: StoredCall, callerId: string): string => row.call?.from ?? callerId;

/**
 * The call record of one attempt, derived from the row's timeline: started when the provider
 * accepted it, answered at its `answered` step (the earliest, even when it arrived after the
 * end or was reported before the placement was answered), ended at its terminal step, answered
 * by whoever its first step that said so names. An attempt whose placement ended with an unknown
 * outcome is recorded too, started when its request left, `failed` with `outcomeUnknown`.
 */
export function recordOf(row: StoredCall, attempt: number, from: string): StoredCallRecord | null {
  const steps = timeline(row).filter((e) => e.attempt === attempt);
  const startedIndex = steps.findIndex((e) => e.status === 'initiated');
  const started = startedIndex < 0 ? undefined : steps[startedIndex];
  if (!started) {
    const unknown = steps.find((e) => e.status === 'failed' && e.reason === OUTCOME_UNKNOWN);
    if (!unknown) return null;
    const sent = steps.findLast((e) => e.status === 'queued' && e.at <= unknown.at);
    return {
      id: `${row.id}-${attempt}`,
      from,
      to: row.to,
      direction: 'outbound',
      status: 'failed',
      startedAt: sent?.at ?? row.placingAt ?? unknown.at,
      answeredAt: null,
      endedAt: unknown.at,
      durationS: null,
      outcomeUnknown: true,
      answeredBy: null,
      campaign: row.campaign ?? null,
    };
  }
  let status: CallStatus = 'initiated';
  let answeredAt: number | null = null;
  let endedAt: number | null = null;
  // The steps written after the provider accepted the call, in the order they were written: an
  // `outcome_unknown` that its answer corrected came before; an event the provider sent before
  // the POST was answered comes after, though its time is earlier.
  for (const step of steps.slice(startedIndex + 1)) {
    if (step.status === 'scheduled' || step.status === 'queued') continue;
    if (step.status === 'answered') {
      answeredAt = answeredAt === null ? step.at : Math.min(answeredAt, step.at);
    }
    if (endedAt !== null) continue; // a late step changes no status once ended
    status = step.status;
    if (isTerminal(step.status)) endedAt = step.at;
  }
  // An `answered` that arrived after the end (webhooks out of order) was answered before it.
  if (answeredAt !== null && endedAt !== null) answeredAt = Math.min(answeredAt, endedAt);
  // One reported before the POST was answered: the call had started by then.
  const startedAt = answeredAt === null ? started.at : Math.min(started.at, answeredAt);
  const durationS = callDurationSeconds({ status, startedAt, answeredAt, endedAt });
  return {
    id: `${row.id}-${attempt}`,
    from,
    to: row.to,
    direction: 'outbound',
    status,
    startedAt,
    answeredAt,
    endedAt,
    durationS,
    outcomeUnknown: false,
    answeredBy: answeredByOf(row, attempt),
    campaign: row.campaign ?? null,
  };
}

export function toCallRecord(record: StoredCallRecord): CallRecord {
  return {
    ...record,
    startedAt: new Date(record.startedAt),
    answeredAt: record.answeredAt === null ? null : new Date(record.answeredAt),
    endedAt: record.endedAt === null ? null : new Date(record.endedAt),
    outcomeUnknown: record.outcomeUnknown === true,
    answeredBy: record.answeredBy ?? null,
    recordingUrl: record.recordingUrl ?? null,
    recordingDurationS: record.recordingDurationS ?? null,
    providerStatus: record.providerStatus ?? null,
    campaign: record.campaign ?? null,
  };
}

/** What became of a recorded call: answered and ended, ended unanswered, not ended, unknown. */
export function outcomeOf(record: StoredCallRecord): HistoryOutcome {
  if (record.outcomeUnknown === true) return 'Unknown';
  if (record.endedAt === null && !isTerminal(record.status)) return 'In progress';
  return record.answeredAt !== null || record.status === 'completed' ? 'Completed' : 'Missed';
}

/** A record seen from `phone` (`Outbound` when `phone` called); see {@link outcomeOf}. */
export function toHistoryEntry(record: StoredCallRecord, phone: string): HistoryEntry {
  const outbound = record.from === phone;
  const outcome = outcomeOf(record);
  const entry: HistoryEntry = {
    id: record.id,
    createdAt: new Date(record.startedAt),
    counterparty: outbound ? record.to : record.from,
    type: `${outcome} ${outbound ? 'Outbound' : 'Inbound'}`,
  };
  if (outcome === 'Completed') {
    entry.duration =
      record.durationS ?? callDurationSeconds({ ...record, status: 'completed' }) ?? 0;
  }
  if (record.answeredBy) entry.answeredBy = record.answeredBy;
  if (record.recordingUrl) entry.recordingUrl = record.recordingUrl;
  return entry;
}
