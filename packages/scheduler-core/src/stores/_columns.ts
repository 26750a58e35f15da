import {
  FINISHED_STATUSES,
  LIVE_STATUSES,
  type StoredCall,
  type StoredCallRecord,
} from '../store.js';

/** The SQL column of each `StoredCall` field, in the one order every SQL store's statements use. */
export const COLUMNS: Record<keyof StoredCall, string> = {
  id: 'id',
  to: 'to_phone',
  status: 'status',
  dueAt: 'due_at',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  version: 'version',
  attempt: 'attempt',
  leaseOwner: 'lease_owner',
  leaseUntil: 'lease_until',
  placingAt: 'placing_at',
  providerCallId: 'provider_call_id',
  reason: 'reason',
  idempotencyKey: 'idempotency_key',
  events: 'events',
  options: 'options',
  call: 'call_options',
  campaign: 'campaign_id',
  position: 'position',
};

/** Fields only campaign rows carry: a row of the scheduler's own reads back without them. */
export const CAMPAIGN_FIELDS: ReadonlySet<keyof StoredCall> = new Set(['campaign', 'position']);

export const FIELDS = Object.keys(COLUMNS) as (keyof StoredCall)[];

const sqlList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

/**
 * The live and the finished statuses as SQL lists (`'scheduled', 'queued', …`): a partial index
 * and the queries that use it must spell its condition the same way, which SQLite needs.
 */
export const LIVE_SQL = sqlList(LIVE_STATUSES);
export const FINISHED_SQL = sqlList(FINISHED_STATUSES);

/** Fields stored as JSON text. */
export const JSON_FIELDS: ReadonlySet<keyof StoredCall> = new Set(['events', 'options', 'call']);

/**
 * A call record's values in the order of `call_records`' columns: `id, from_phone, to_phone,
 * direction, status, started_at, answered_at, ended_at, duration_seconds, outcome_unknown,
 * answered_by`.
 */
export const recordValues = (record: StoredCallRecord) =>
  [
    record.id,
    record.from,
    record.to,
    record.direction,
    record.status,
    record.startedAt,
    record.answeredAt,
    record.endedAt,
    record.durationS,
    record.outcomeUnknown === true,
    record.answeredBy ?? null,
  ] as const;
