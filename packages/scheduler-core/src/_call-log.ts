/**
 * `scheduler.callLog()`: every call record of the store, whatever its numbers, newest first,
 * filtered, page by page (`Store.listCallLog`). Its query is checked here, once, for every
 * caller (an HTTP route's query string or CSV download included).
 */
import { isCallStatus, toE164, type CallStatus, type CountryCode } from '@ringkit/call-client';
import { z } from 'zod';
import { ValidationError, type ValidationIssue } from './errors.js';
import type { CallLogQuery, Store } from './store.js';
import type { CallRecord, Page } from './types.js';
import { toCallRecord } from './_records.js';
import { customIssue, zodIssues } from './_validate.js';
import { campaignNameSchema } from './campaign/options.js';

/** What `callLog()` takes: every filter optional, a page of 50 by default. */
export interface CallLogOptions {
  /** `nextCursor` of the page before. */
  cursor?: string | null;
  /** 1 to 1000. @default 50 */
  limit?: number;
  direction?: 'inbound' | 'outbound';
  /** Only records whose status is one of these (`['busy', 'no-answer', 'failed']`: the missed). */
  statuses?: readonly CallStatus[];
  /** Only calls started at or after this time. */
  since?: Date | string;
  /** Only calls started before this time. */
  until?: Date | string;
  /** Only calls from or to this number (normalised as `schedule()` normalises one). */
  phone?: string;
  /** Only the calls of this campaign's entries (`CallRecord.campaign`). */
  campaign?: string;
}

const time = z.union([
  z.date().refine((d) => Number.isFinite(d.getTime()), 'not a valid date'),
  z.iso.datetime({ offset: true }),
]);

const optionsSchema = z.strictObject({
  cursor: z.string().max(500).nullable().optional(),
  limit: z.number().int().min(1).max(1000).optional(),
  direction: z.enum(['inbound', 'outbound']).optional(),
  statuses: z
    .array(z.string().refine((s) => isCallStatus(s), 'not a call status'))
    .max(20)
    .optional(),
  since: time.optional(),
  until: time.optional(),
  phone: z.string().max(64).optional(),
  campaign: campaignNameSchema.optional(),
});

const epoch = (value: Date | string | undefined) =>
  value === undefined ? undefined : value instanceof Date ? value.getTime() : Date.parse(value);

/**
 * Checks `options` into the store's query: a {@link ValidationError} naming every bad field
 * (an unknown one too), a number that is none, or a range that ends before it starts.
 */
export function callLogQuery(options: unknown, defaultCountry: CountryCode): CallLogQuery {
  const parsed = optionsSchema.safeParse(options ?? {});
  if (!parsed.success) {
    // An unknown field is named by its own path, as every other bad field is.
    const issues = parsed.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => customIssue([key], 'not a filter of the call log'))
        : zodIssues(new z.ZodError([issue])),
    );
    throw new ValidationError('call log query', issues);
  }
  const { cursor = null, limit = 50, direction, statuses, phone, campaign } = parsed.data;
  const issues: ValidationIssue[] = [];
  let number: string | undefined;
  if (phone !== undefined) {
    try {
      number = toE164(phone, { defaultCountry });
    } catch (error) {
      issues.push(customIssue(['phone'], error instanceof Error ? error.message : 'not a number'));
    }
  }
  const since = epoch(parsed.data.since);
  const until = epoch(parsed.data.until);
  if (since !== undefined && until !== undefined && until < since) {
    issues.push(customIssue(['until'], 'is before since'));
  }
  if (issues.length > 0) throw new ValidationError('call log query', issues);
  return {
    cursor,
    limit,
    ...(direction ? { direction } : {}),
    ...(statuses ? { statuses: statuses as CallStatus[] } : {}),
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
    ...(number === undefined ? {} : { phone: number }),
    ...(campaign === undefined ? {} : { campaign }),
  };
}

/** The call log of `store`: `callLog()` of the scheduler. */
export function createCallLog(store: Store, defaultCountry: CountryCode) {
  return async (options?: CallLogOptions): Promise<Page<CallRecord>> => {
    const query = callLogQuery(options, defaultCountry);
    const page = await store.listCallLog(query);
    return { items: page.items.map(toCallRecord), nextCursor: page.nextCursor };
  };
}
