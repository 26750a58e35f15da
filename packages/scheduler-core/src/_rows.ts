/** Rows of the store: a new call, its timeline, and the `ScheduledCall` users see of it. */
import type { CallOptions } from '@ringkit/call-client';
import type { StoredCall, StoredCallOptions, StoredEvent } from './store.js';
import type { ScheduledCall } from './types.js';
import { DEFAULT_BACKOFF } from './_time.js';

/** A new `scheduled` row, first attempt, unclaimed. */
export function newStoredCall(init: {
  id: string;
  to: string;
  dueAt: number;
  now: number;
  idempotencyKey: string | null;
  options: StoredCallOptions | null;
  /** @default null */
  call?: CallOptions | null;
  /** The provider the call is placed through. @default null (a row of none: any provider's) */
  provider?: string | null;
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
    call: init.call ?? null,
    ...(init.provider == null ? {} : { provider: init.provider }),
  };
}

/** A row's timeline, with the implicit first `scheduled` step of a row never changed. */
export function timeline(row: StoredCall): StoredEvent[] {
  return row.events ?? [{ status: 'scheduled', at: row.createdAt, attempt: 1 }];
}

/**
 * The timeline with one more step. Its `answeredBy` is kept only when no step of its attempt
 * has one yet: the first word on who answered stands.
 */
export function withEvent(row: StoredCall, event: StoredEvent): StoredEvent[] {
  const steps = timeline(row);
  const entry: StoredEvent = { status: event.status, at: event.at, attempt: event.attempt };
  if (event.providerStatus !== undefined) entry.providerStatus = event.providerStatus;
  if (event.reason !== undefined) entry.reason = event.reason;
  if (event.providerCallId !== undefined) entry.providerCallId = event.providerCallId;
  if (event.note !== undefined) entry.note = event.note;
  if (event.answeredBy !== undefined && !saysWhoAnswered(steps, event.attempt)) {
    entry.answeredBy = event.answeredBy;
  }
  return [...steps, entry];
}

/** Whether a step of `attempt` says who answered. */
export const saysWhoAnswered = (steps: StoredEvent[], attempt: number): boolean =>
  steps.some((e) => e.attempt === attempt && e.answeredBy !== undefined);

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
    retry: options?.retry ?? null,
    metadata: options?.metadata ?? null,
    call: row.call,
    idempotencyKey: row.idempotencyKey,
    seriesId: options?.seriesId ?? null,
    events: timeline(row).map((e) => ({ ...e, at: new Date(e.at) })),
    version: row.version,
  };
}
