import {
  FINISHED_STATUSES,
  LIVE_STATUSES,
  type StoredCall,
  type StoredCallPatch,
  type StoredCallRecord,
  type StoredCampaign,
  type StoredCampaignPatch,
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
  provider: 'provider',
};

/**
 * Fields a row may not carry (a campaign's place; the provider, in rows stored before it): a row
 * stored without them reads back without them.
 */
export const OPTIONAL_FIELDS: ReadonlySet<keyof StoredCall> = new Set([
  'campaign',
  'position',
  'provider',
]);

export const FIELDS = Object.keys(COLUMNS) as (keyof StoredCall)[];

/** Every column of a call, in the order of {@link FIELDS}: `id, to_phone, status, …`. */
export const CALL_COLUMNS = FIELDS.map((f) => COLUMNS[f]).join(', ');

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
 * answered_by, recording_url, recording_duration_seconds, provider_status, campaign_id`.
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
    record.recordingUrl ?? null,
    record.recordingDurationS ?? null,
    record.providerStatus ?? null,
    record.campaign ?? null,
  ] as const;

/** The columns of `call_records`, in {@link recordValues} order. */
export const RECORD_COLUMNS =
  'id, from_phone, to_phone, direction, status, started_at, answered_at, ended_at, ' +
  'duration_seconds, outcome_unknown, answered_by, recording_url, recording_duration_seconds, ' +
  'provider_status, campaign_id';

/**
 * How a SQL store's driver hands back what the row mappers read: node:sqlite gives numbers and
 * `0`/`1`, pg gives `bigint` columns as strings, JSON columns parsed and booleans as booleans.
 */
export interface RowReading {
  /** A nullable integer column (`bigint` in PostgreSQL) as a number, `null` kept. */
  number(value: unknown): number | null;
  /** A boolean column. */
  boolean(value: unknown): boolean;
  /** A JSON column. */
  json(value: unknown): unknown;
}

/** The fields of `patch` an `update` sets: those with a column, given, and never `id`, `version` or `createdAt`. */
export function patchFields(patch: StoredCallPatch): (keyof StoredCall)[] {
  return (Object.keys(patch) as (keyof StoredCall)[]).filter(
    (f) =>
      f in COLUMNS &&
      f !== 'id' &&
      f !== 'version' &&
      f !== 'createdAt' &&
      patch[f as keyof StoredCallPatch] !== undefined,
  );
}

/** A call record of a SQL row of `call_records`. */
export function recordFromRow(row: Record<string, unknown>, read: RowReading): StoredCallRecord {
  return {
    id: row.id as string,
    from: row.from_phone as string,
    to: row.to_phone as string,
    direction: row.direction as StoredCallRecord['direction'],
    status: row.status as StoredCallRecord['status'],
    startedAt: read.number(row.started_at) as number,
    answeredAt: read.number(row.answered_at),
    endedAt: read.number(row.ended_at),
    durationS: (row.duration_seconds as number | null) ?? null,
    outcomeUnknown: read.boolean(row.outcome_unknown),
    answeredBy: (row.answered_by as StoredCallRecord['answeredBy']) ?? null,
    recordingUrl: (row.recording_url as string | null) ?? null,
    recordingDurationS: (row.recording_duration_seconds as number | null) ?? null,
    providerStatus: (row.provider_status as string | null) ?? null,
    campaign: (row.campaign_id as string | null) ?? null,
  };
}

/** The columns of `campaigns`, in the order of {@link campaignValues}. */
export const CAMPAIGN_COLUMNS =
  'id, state, concurrency, total, fingerprint, settings, next_slot_at, created_at, updated_at, version, archived_at, provider';

/** The condition `listCampaigns({ archived })` adds to its `WHERE`, space first (empty: every campaign). */
export const archivedFilter = (archived: boolean | undefined): string =>
  archived === undefined ? '' : ` AND archived_at IS ${archived ? 'NOT ' : ''}NULL`;

/** The column of each field `updateCampaign` may set. */
export const CAMPAIGN_PATCH_COLUMNS: Record<keyof StoredCampaignPatch, string> = {
  state: 'state',
  concurrency: 'concurrency',
  settings: 'settings',
  nextSlotAt: 'next_slot_at',
  updatedAt: 'updated_at',
  archivedAt: 'archived_at',
};

/** A campaign's values in {@link CAMPAIGN_COLUMNS} order. */
export const campaignValues = (campaign: StoredCampaign) =>
  [
    campaign.id,
    campaign.state,
    campaign.concurrency,
    campaign.total,
    campaign.fingerprint,
    JSON.stringify(campaign.settings),
    campaign.nextSlotAt,
    campaign.createdAt,
    campaign.updatedAt,
    campaign.version,
    campaign.archivedAt,
    campaign.provider ?? null,
  ] as const;

/** A campaign of a SQL row of `campaigns`. */
export function campaignFromRow(row: Record<string, unknown>, read: RowReading): StoredCampaign {
  return {
    id: row.id as string,
    state: row.state as StoredCampaign['state'],
    concurrency: Number(row.concurrency),
    total: Number(row.total),
    fingerprint: row.fingerprint as string,
    settings: read.json(row.settings) as StoredCampaign['settings'],
    nextSlotAt: Number(row.next_slot_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    version: Number(row.version),
    archivedAt: row.archived_at == null ? null : Number(row.archived_at),
    ...(row.provider != null && { provider: row.provider as string }),
  };
}
