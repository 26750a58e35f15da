/** Rows of the store: a new call, its timeline, and the `ScheduledCall` users see of it. */
import type { CallOptions } from '@ringkit/call-client';
import type { StoredCall, StoredCallOptions } from './store/_stored-call.js';
import { timeline } from './store/_timeline.js';
import type { ScheduledCall } from './types.js';
import { DEFAULT_BACKOFF } from './_time.js';

export { saysWhoAnswered, timeline, withEvent } from './store/_timeline.js';

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
  const row: StoredCall = {
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
  };
  if (init.provider != null) row.provider = init.provider;
  return row;
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
    provider: row.provider ?? null,
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
