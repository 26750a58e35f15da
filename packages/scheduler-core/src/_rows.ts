import { callDurationSeconds, isTerminal, type CallStatus } from '@ringkit/call-client';
import type { StoredCall, StoredCallOptions, StoredCallRecord, StoredEvent } from './store.js';
import type { CallRecord, HistoryEntry, HistoryOutcome, ScheduledCall } from './types.js';
import { DEFAULT_BACKOFF } from './_time.js';

/** A new `scheduled` row, first attempt, unclaimed. */
export function newStoredCall(init: {
  id: string;
  to: string;
  dueAt: number;
  now: number;
  idempotencyKey: string | null;
  options: StoredCallOptions | null;
}): StoredCall {
  return {
    id: init.id,
    to: init.to,
    status: 'scheduled',
    dueAt: init.dueAt,
    createdAt: init.now,
    updatedAt: init.now,
    version: 1,
    attempt: 1,
    leaseOwner: null,
    leaseUntil: null,
    placingAt: null,
    providerCallId: null,
    reason: null,
    idempotencyKey: init.idempotencyKey,
    events: null,
    options: init.options,
  };
}

/** A row's timeline, with the implicit first `scheduled` step of a row never changed. */
export function timeline(row: StoredCall): StoredEvent[] {
  return row.events ?? [{ status: 'scheduled', at: row.createdAt, attempt: 1 }];
}

/** The timeline with one more step. */
export function withEvent(row: StoredCall, event: StoredEvent): StoredEvent[] {
  const entry: StoredEvent = { status: event.status, at: event.at, attempt: event.attempt };
  if (event.providerStatus !== undefined) entry.providerStatus = event.providerStatus;
  if (event.reason !== undefined) entry.reason = event.reason;
  return [...timeline(row), entry];
}

export function toScheduledCall(row: StoredCall): ScheduledCall {
  const options = row.options;
  return {
    id: row.id,
    to: row.to,
    status: row.status,
    dueAt: new Date(row.dueAt),
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
    attempt: row.attempt,
    maxAttempts: options?.maxAttempts ?? 1,
    providerCallId: row.providerCallId,
    reason: row.reason,
    recurrence: options?.recurrence ?? null,
    window: options?.window ?? null,
    retryBackoff: options?.retryBackoff ?? { ...DEFAULT_BACKOFF },
    metadata: options?.metadata ?? null,
    idempotencyKey: row.idempotencyKey,
    seriesId: options?.seriesId ?? null,
    events: timeline(row).map((e) => ({ ...e, at: new Date(e.at) })),
    version: row.version,
  };
}

/** The reason of an attempt whose placement may or may not have created a call. */
export const OUTCOME_UNKNOWN = 'outcome_unknown';

/**
 * The call record of one attempt, derived from the row's timeline: started when the provider
 * accepted it, answered at its `answered` step (the earliest, even when it arrived after the
 * end or was reported before the placement was answered), ended at its terminal step. An attempt whose placement ended with an unknown outcome is
 * recorded too, started when its request left, `failed` with `outcomeUnknown`.
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
      durationSeconds: null,
      outcomeUnknown: true,
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
  const durationSeconds = callDurationSeconds({ status, startedAt, answeredAt, endedAt });
  return {
    id: `${row.id}-${attempt}`,
    from,
    to: row.to,
    direction: 'outbound',
    status,
    startedAt,
    answeredAt,
    endedAt,
    durationSeconds,
    outcomeUnknown: false,
  };
}

export function toCallRecord(record: StoredCallRecord): CallRecord {
  return {
    ...record,
    startedAt: new Date(record.startedAt),
    answeredAt: record.answeredAt === null ? null : new Date(record.answeredAt),
    endedAt: record.endedAt === null ? null : new Date(record.endedAt),
    outcomeUnknown: record.outcomeUnknown === true,
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
      record.durationSeconds ?? callDurationSeconds({ ...record, status: 'completed' }) ?? 0;
  }
  return entry;
}
