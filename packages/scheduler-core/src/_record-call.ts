import {
  ANSWERED_BY,
  callDurationSeconds,
  isCallStatus,
  isTerminal,
  toE164,
  type CountryCode,
  type InboundCallUpdate,
} from '@ringkit/call-client';
import { ValidationError, type ValidationIssue } from './errors.js';
import { fullRecord, type Store, type StoredCallRecord } from './store.js';
import type { RecordCallInput } from './types.js';
import { mergeCallRecords, timesInOrder } from './_merge-records.js';
import { customIssue } from './_validate.js';

/** What `recordCall()` needs of the scheduler. */
export interface RecordCallContext {
  defaultCountry: CountryCode;
  /** The app's own number: a record `from` it is `outbound` unless told otherwise. */
  callerId: string;
  generateId: () => string;
}

/**
 * Checks `recordCall()` input and makes the record to store: numbers in E.164, times in epoch
 * ms and in order (`timesInOrder`), the direction and the talk time derived where not given. Throws a {@link ValidationError}
 * listing every issue.
 */
export function validateRecordCall(
  input: RecordCallInput,
  ctx: RecordCallContext,
): StoredCallRecord {
  const issues: ValidationIssue[] = [];
  const phone = (value: unknown, path: string) => {
    try {
      return toE164(value as string, { defaultCountry: ctx.defaultCountry });
    } catch (error) {
      issues.push(customIssue([path], error instanceof Error ? error.message : 'not a number'));
      return '';
    }
  };
  const from = phone(input?.from, 'from');
  const to = phone(input?.to, 'to');
  if (!isCallStatus(input?.status)) issues.push(customIssue(['status'], 'not a call status'));
  const time = (value: Date | string | null | undefined, path: string) => {
    if (value === undefined || value === null) return null;
    const ms = value instanceof Date ? value.getTime() : Date.parse(value);
    if (!Number.isFinite(ms)) issues.push(customIssue([path], 'not a valid date'));
    return ms;
  };
  const started = time(input?.startedAt, 'startedAt');
  if (started === null) issues.push(customIssue(['startedAt'], 'required'));
  const answered = time(input?.answeredAt, 'answeredAt');
  const ended = time(input?.endedAt, 'endedAt');
  const outcomeUnknown = input?.outcomeUnknown ?? false;
  if (typeof outcomeUnknown !== 'boolean') {
    issues.push(customIssue(['outcomeUnknown'], 'not a boolean'));
  } else if (outcomeUnknown && input?.status !== 'failed') {
    issues.push(customIssue(['outcomeUnknown'], 'only a failed call has an unknown outcome'));
  }
  const answeredBy = input?.answeredBy ?? null;
  if (answeredBy !== null && !ANSWERED_BY.includes(answeredBy)) {
    issues.push(customIssue(['answeredBy'], `expected one of ${ANSWERED_BY.join(', ')}`));
  }
  const recordingUrl = input?.recordingUrl ?? null;
  if (recordingUrl !== null && !isRecordingUrl(recordingUrl)) {
    issues.push(
      customIssue(['recordingUrl'], `an http(s) URL of at most ${MAX_URL_LENGTH} characters`),
    );
  }
  const recordingDurationS = input?.recordingDurationS ?? null;
  if (recordingDurationS !== null && !isSeconds(recordingDurationS)) {
    issues.push(customIssue(['recordingDurationS'], 'a number of seconds, 0 or more'));
  }
  const providerStatus = input?.providerStatus === '' ? null : (input?.providerStatus ?? null);
  if (
    providerStatus !== null &&
    (typeof providerStatus !== 'string' || providerStatus.length > MAX_PROVIDER_STATUS_LENGTH)
  ) {
    issues.push(
      customIssue(['providerStatus'], `a word of at most ${MAX_PROVIDER_STATUS_LENGTH} characters`),
    );
  }
  if (issues.length > 0) throw new ValidationError('call record', issues);
  const status = input.status;
  // Times in the order a call lives them, as merges keep them (see `timesInOrder`).
  const { startedAt, answeredAt, endedAt } = timesInOrder({
    startedAt: started!,
    answeredAt: answered,
    endedAt: ended,
  });
  return {
    id: input.id ?? ctx.generateId(),
    from,
    to,
    direction: input.direction ?? (from === ctx.callerId ? 'outbound' : 'inbound'),
    status,
    startedAt,
    answeredAt,
    endedAt,
    durationS: input.durationS ?? callDurationSeconds({ status, startedAt, answeredAt, endedAt }),
    outcomeUnknown,
    answeredBy,
    recordingUrl,
    recordingDurationS,
    providerStatus,
    campaign: null,
  };
}

/** The longest provider name and call id an inbound call's record id is made of. */
const MAX_INBOUND_KEY_LENGTH = 200;

/**
 * The record one webhook's news of a call to the app's number makes (`recordInbound()`): keyed
 * `${provider}:${callId}`, so every update of one call, repeated or out of order, merges into one
 * record and one line of history; `inbound`; started at the update's `at`, and ended then when
 * its status is terminal. Throws a {@link ValidationError} for an update without a provider, a
 * call id or a time; its other fields are checked as `recordCall()` checks a record's.
 */
export function inboundRecordOf(update: InboundCallUpdate): RecordCallInput {
  const issues: ValidationIssue[] = [];
  const value = (typeof update === 'object' && update !== null ? update : {}) as Partial<
    Record<keyof InboundCallUpdate, unknown>
  >;
  for (const key of ['provider', 'callId'] as const) {
    const part = value[key];
    if (typeof part !== 'string' || part === '' || part.length > MAX_INBOUND_KEY_LENGTH) {
      issues.push(customIssue([key], `a string of 1 to ${MAX_INBOUND_KEY_LENGTH} characters`));
    }
  }
  if (!(value.at instanceof Date) || !Number.isFinite(value.at.getTime())) {
    issues.push(customIssue(['at'], 'not a valid date'));
  }
  if (issues.length > 0) throw new ValidationError('inbound call update', issues);
  const terminal = isCallStatus(update.status) && isTerminal(update.status);
  return {
    id: `${update.provider}:${update.callId}`,
    from: update.from,
    to: update.to,
    direction: 'inbound',
    status: update.status,
    startedAt: update.at,
    answeredAt: update.answeredAt ?? null,
    endedAt: terminal ? update.at : null,
    durationS: update.durationS ?? null,
    recordingUrl: update.recordingUrl ?? null,
    recordingDurationS: update.recordingDurationS ?? null,
    answeredBy: update.answeredBy ?? null,
    providerStatus: update.providerStatus,
  };
}

/** The longest `recordingUrl` taken, as browsers and providers' media URLs keep within. */
const MAX_URL_LENGTH = 2048;
/** The longest `providerStatus` taken: a provider's word, not a message. */
const MAX_PROVIDER_STATUS_LENGTH = 64;

const isSeconds = (value: unknown): boolean =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0;

function isRecordingUrl(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > MAX_URL_LENGTH) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * Per store without `mergeCallRecord`, the last write of each id in flight in this process
 * (whichever scheduler asked): the next write of that id waits for it, failed or not.
 */
const writesInFlight = new WeakMap<Store, Map<string, Promise<unknown>>>();

/**
 * How `recordCall()` stores a checked record: merged by id into the one stored
 * ({@link mergeCallRecords}), atomically across processes through the store's
 * `mergeCallRecord`. A store without it gets the contract's fallback: the stored record is found
 * in the history of the call's party other than `callerId` (an inbound call's caller: a short
 * history) and the merge saved with `saveCallRecord`, one write of an id at a time in this
 * process, whichever scheduler asks (two processes writing one id at once may lose a write).
 */
export function createRecordWriter(
  store: Store,
  callerId: string,
): (record: StoredCallRecord) => Promise<StoredCallRecord> {
  if (store.mergeCallRecord) {
    const merge = store.mergeCallRecord.bind(store);
    return (record) => merge(record, mergeCallRecords);
  }
  const find = async (record: StoredCallRecord) => {
    const phone = record.from === callerId ? record.to : record.from;
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<Store['listCallLog']>> = await store.listCallLog({
        phone: phone,
        cursor,
        limit: 100,
      });
      const found = page.items.find((stored) => stored.id === record.id);
      if (found) return found;
      cursor = page.nextCursor;
    } while (cursor !== null);
    return null;
  };
  const write = async (record: StoredCallRecord) => {
    const stored = await find(record);
    const next = fullRecord(stored ? mergeCallRecords(stored, record) : record);
    await store.saveCallRecord(next);
    return next;
  };
  const tails = writesInFlight.get(store) ?? new Map<string, Promise<unknown>>();
  writesInFlight.set(store, tails);
  return (record) => {
    const result = (tails.get(record.id) ?? Promise.resolve()).then(() => write(record));
    const tail = result.catch(() => undefined);
    tails.set(record.id, tail);
    void tail.then(() => {
      if (tails.get(record.id) === tail) tails.delete(record.id);
    });
    return result;
  };
}
