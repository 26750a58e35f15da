import {
  ANSWERED_BY,
  callDurationSeconds,
  isCallStatus,
  toE164,
  type CountryCode,
} from '@ringkit/call-client';
import { ValidationError, type ValidationIssue } from './errors.js';
import type { StoredCallRecord } from './store.js';
import type { RecordCallInput } from './types.js';
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
 * ms, the direction and the talk time derived where not given. Throws a {@link ValidationError}
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
  const startedAt = time(input?.startedAt, 'startedAt');
  if (startedAt === null) issues.push(customIssue(['startedAt'], 'required'));
  const answeredAt = time(input?.answeredAt, 'answeredAt');
  const endedAt = time(input?.endedAt, 'endedAt');
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
  if (issues.length > 0) throw new ValidationError('call record', issues);
  const status = input.status;
  return {
    id: input.id ?? ctx.generateId(),
    from,
    to,
    direction: input.direction ?? (from === ctx.callerId ? 'outbound' : 'inbound'),
    status,
    startedAt: startedAt!,
    answeredAt,
    endedAt,
    durationS:
      input.durationS ??
      callDurationSeconds({ status, startedAt: startedAt!, answeredAt, endedAt }),
    outcomeUnknown,
    answeredBy,
  };
}
