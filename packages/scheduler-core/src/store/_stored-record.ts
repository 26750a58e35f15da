/** A call record as a store keeps it: one line of a number's history. */
import type { AnsweredBy, CallStatus } from '@ringkit/call-client';

/** A call record as stored (times in epoch milliseconds). */
export interface StoredCallRecord {
  id: string;
  from: string;
  to: string;
  direction: 'outbound' | 'inbound';
  status: CallStatus;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  durationS: number | null;
  /**
   * The placement's outcome is unknown: the request left, no clear answer came back, and the call
   * may or may not have rung (status `failed`, never placed again). Stores without the field
   * read it as `false`.
   */
  outcomeUnknown?: boolean;
  /**
   * Who answered, where the provider detected it (`machineDetection`). Stores without the field
   * read it as `null`.
   */
  answeredBy?: AnsweredBy | null;
  /** Where the caller's voicemail can be fetched. Stores without the field read it as `null`. */
  recordingUrl?: string | null;
  /** The voicemail's length in seconds. Stores without the field read it as `null`. */
  recordingDurationS?: number | null;
  /**
   * The provider's own word for the status recorded. Stores without the field read it as `null`.
   */
  providerStatus?: string | null;
  /**
   * The campaign whose entry this call was; `null` for a scheduled call, an inbound call or one
   * recorded with `recordCall()`. Stores without the field read it as `null`.
   */
  campaign?: string | null;
}

/**
 * How {@link Store.mergeCallRecord} combines a stored call record with a report of the same call.
 * It takes the record stored (`stored`) and the one being written (`incoming`, same id) and
 * returns the record to store. Pure; merging the same `incoming` twice gives what merging it
 * once gave, so a write retried after a lost answer is harmless.
 */
export type CallRecordMerge = (
  stored: StoredCallRecord,
  incoming: StoredCallRecord,
) => StoredCallRecord;

/**
 * `record` with every optional field present, `null` (or `false`) where it is not set: a call
 * record as the built-in stores read it back.
 */
export function fullRecord(record: StoredCallRecord): StoredCallRecord {
  return {
    ...record,
    outcomeUnknown: record.outcomeUnknown === true,
    answeredBy: record.answeredBy ?? null,
    recordingUrl: record.recordingUrl ?? null,
    recordingDurationS: record.recordingDurationS ?? null,
    providerStatus: record.providerStatus ?? null,
    campaign: record.campaign ?? null,
  };
}
