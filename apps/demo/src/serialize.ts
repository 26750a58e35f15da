import { isCallStatus, isTerminal } from '@ringkit/call-client';
import type {
  CampaignView,
  DialerCounts,
  DialerEntry,
  DialerSnapshot,
  DialerStatusEvent,
} from '@ringkit/dialer';
import {
  campaignSettings,
  countAttempts,
  type CallRecord,
  type HistoryEntry,
  type ScheduledCall,
} from '@ringkit/scheduler-core';
import { serializeCallOptions } from './call-options.js';
import { calleeZones, serializeWindow } from './calling-window.js';
import { serializeAttemptCounts, serializeRetry } from './retry.js';
import { serializeMode } from './routes/campaign-mode.js';

// A campaign's view is the package's (`createCampaigns`): the API serializes it as it is.
export type { CampaignProgress, CampaignStateName, CampaignView } from '@ringkit/dialer';

/** How the API spells things: snake_case fields, ISO 8601 times. */

const iso = (date: Date | number | null) => (date === null ? null : new Date(date).toISOString());

/** The attempts of a call, each from its first to its last step of the timeline. */
function attemptsOf(call: ScheduledCall) {
  const attempts = new Map<
    number,
    { attempt: number; status: string; started_at: string; ended_at: string | null }
  >();
  for (const step of call.events) {
    if (step.status === 'scheduled') continue;
    const current = attempts.get(step.attempt);
    const terminal = isCallStatus(step.status) && isTerminal(step.status);
    if (!current) {
      attempts.set(step.attempt, {
        attempt: step.attempt,
        status: step.status,
        started_at: step.at.toISOString(),
        ended_at: terminal ? step.at.toISOString() : null,
      });
    } else {
      current.status = step.status;
      if (terminal) current.ended_at = step.at.toISOString();
    }
  }
  return [...attempts.values()];
}

export function serializeCall(call: ScheduledCall) {
  return {
    id: call.id,
    phone_number: call.to,
    status: call.status,
    scheduled_time: iso(call.dueAt),
    created_at: iso(call.createdAt),
    updated_at: iso(call.updatedAt),
    attempt: call.attempt,
    max_attempts: call.maxAttempts,
    retry: serializeRetry(call.retry),
    attempts: attemptsOf(call),
    /** How its attempts ended, by outcome (`{ busy: 2, machine: 1 }`). */
    attempts_by_outcome: serializeAttemptCounts(countAttempts(call.events)),
    provider_call_id: call.providerCallId,
    /** The provider it is placed through (`null`: stored before calls named one). */
    provider: call.provider,
    reason: call.reason,
    recurrence: call.recurrence
      ? { cron: call.recurrence.cron, timezone: call.recurrence.timezone ?? 'UTC' }
      : null,
    window: serializeWindow(call.window),
    callee_zones: calleeZones(call.to, call.window),
    metadata: call.metadata,
    ...serializeCallOptions(call.call),
    idempotency_key: call.idempotencyKey,
    series_id: call.seriesId,
    timeline: call.events.map((step) => ({
      status: step.status,
      at: iso(step.at),
      attempt: step.attempt,
      provider_status: step.providerStatus ?? null,
      reason: step.reason ?? null,
      // A `suppressed` step's do-not-call entry reason.
      ...(step.note === undefined ? {} : { note: step.note }),
    })),
    version: call.version,
  };
}

export type CallJson = ReturnType<typeof serializeCall>;

/**
 * One line of a number's history. `appNumber` is the app's own number (`CALLER_ID`):
 * `counterparty_is_app` says the other party was the app (a call it placed, or a call to it).
 */
export function serializeHistoryEntry(entry: HistoryEntry, appNumber: string) {
  return {
    created_at: iso(entry.createdAt),
    counterparty: entry.counterparty,
    counterparty_is_app: entry.counterparty === appNumber,
    type: entry.type,
    duration: entry.duration ?? null,
    /** Who answered (`human`, `machine`, `fax`, `unknown`) where the provider detected it. */
    answered_by: entry.answeredBy ?? null,
    /** Where the caller's voicemail can be fetched, where one was recorded. */
    recording_url: entry.recordingUrl ?? null,
  };
}

/** One call of the call log (`GET /api/calls`): the record as stored, both numbers. */
export function serializeCallRecord(record: CallRecord) {
  return {
    id: record.id,
    from: record.from,
    to: record.to,
    direction: record.direction,
    status: record.status,
    /** The placement's answer was lost: the call may or may not have rung. */
    outcome_unknown: record.outcomeUnknown,
    started_at: iso(record.startedAt),
    answered_at: iso(record.answeredAt),
    ended_at: iso(record.endedAt),
    duration: record.durationS,
    answered_by: record.answeredBy,
    recording_url: record.recordingUrl,
    /** The campaign whose entry the call was; `null` for any other call. */
    campaign: record.campaign,
  };
}

export type CallRecordJson = ReturnType<typeof serializeCallRecord>;

export function serializeDialerEntry(entry: DialerEntry) {
  return {
    index: entry.index,
    phone: entry.phone,
    status: entry.status,
    call_id: entry.callId,
    attempts: entry.attempts,
    started_at: iso(entry.startedAt),
    ended_at: iso(entry.endedAt),
    answered_at: iso(entry.answeredAt),
    /** Who answered (`human`, `machine`, `fax`, `unknown`) where the provider detected it. */
    answered_by: entry.answeredBy,
    in_doubt: entry.inDoubt,
    reason: entry.error?.reason ?? null,
    attempts_by_outcome: serializeAttemptCounts(entry.outcomes),
  };
}

export function serializeDialerStatus(event: DialerStatusEvent) {
  return {
    index: event.index,
    phone: event.phone,
    status: event.status,
    previous: event.previous,
    call_id: event.callId,
    attempt: event.attempt,
    provider_status: event.providerStatus ?? null,
    at: iso(event.at),
  };
}

/** The dialer as `GET /api/dialer` and the `dialer` event show it. */
export function serializeDialer(snapshot: DialerSnapshot, includeEntries: boolean) {
  const counts = {} as Partial<DialerCounts>;
  for (const entry of snapshot.entries) counts[entry.status] = (counts[entry.status] ?? 0) + 1;
  const ended = snapshot.entries.filter((e) => e.endedAt !== null).length;
  return {
    state: snapshot.state,
    concurrency: snapshot.concurrency,
    total: snapshot.entries.length,
    ended,
    counts,
    ...(includeEntries ? { entries: snapshot.entries.map(serializeDialerEntry) } : {}),
  };
}

/** A campaign as `GET /api/campaigns` lists it and the `campaign` event carries it. */
export function serializeCampaign(view: CampaignView) {
  const { campaign } = view;
  const settings = campaignSettings(campaign);
  return {
    id: campaign.id,
    state: view.state,
    concurrency: view.concurrency,
    total: campaign.total,
    progress: view.progress,
    calls_per_second: settings.callsPerSecond,
    /** Its weight in the account's budget shared by weight (`null`: its budget is its own). */
    weight: settings.budget?.weight ?? null,
    max_attempts: settings.maxAttempts,
    retry: serializeRetry(settings.retry),
    /** Its entries' attempts by how each ended (`{ busy: 2, 'no-answer': 1, machine: 1 }`). */
    attempts_by_outcome: serializeAttemptCounts(view.attempts),
    call_timeout_ms: settings.callTimeoutMs,
    window: serializeWindow(settings.window),
    /** How its lines are paced, and the agents' settings of an agent mode. */
    ...serializeMode(settings),
    created_at: iso(campaign.createdAt),
    updated_at: iso(campaign.updatedAt),
    /** When it was archived (`POST /api/campaigns/:id/archive`); `null` when it is not. */
    archived_at: iso(campaign.archivedAt),
    /**
     * Its calls in flight held by another worker's lease not run out yet (after a `kill -9`,
     * the dead process's), and when the latest of those leases runs out; `null` when none waits.
     */
    lease_wait: view.leaseWait && {
      entries: view.leaseWait.entries,
      until: view.leaseWait.until.toISOString(),
    },
  };
}

export type CampaignJson = ReturnType<typeof serializeCampaign>;
