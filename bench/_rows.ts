/** Store rows the bench scripts write straight into a store, without a scheduler. */
import type { StoredCall } from '@ringkit/scheduler-core';

/**
 * A call scheduled at `createdAt` (default: its due time) for its first attempt, with nothing
 * else set; `fields` overrides any field (a finished call's status, version and events).
 */
export function scheduledRow(
  fields: Pick<StoredCall, 'id' | 'to' | 'dueAt'> & Partial<StoredCall>,
): StoredCall {
  const createdAt = fields.createdAt ?? fields.dueAt;
  return {
    status: 'scheduled',
    createdAt,
    updatedAt: createdAt,
    version: 1,
    attempt: 1,
    leaseOwner: null,
    leaseUntil: null,
    placingAt: null,
    providerCallId: null,
    reason: null,
    idempotencyKey: null,
    events: null,
    options: null,
    call: null,
    ...fields,
  };
}
