import {
  checkCallOptions,
  isInvalidOptionsError,
  isUnsupportedCallOptionError,
  toE164,
  type CallOptions,
  type CallProvider,
  type CountryCode,
} from '@ringkit/call-client';
import { retrySchema, storable, strictObject, unstorableIn } from '@ringkit/internal';
import { z } from 'zod';
import { ValidationError, type ValidationIssue } from './errors.js';
import { decodeCursor, type StoredCallOptions } from './store.js';
import type { RetryByOutcome, ScheduleInput } from './types.js';
import { mostAttempts } from './_retry.js';
import { cronOf, DEFAULT_BACKOFF, isTimeZone } from './_time.js';
import { CALLEE, resolveWindow } from './_window.js';

/** How far in the past `at` may be (clock skew, a slow form): 60 s. */
export const PAST_TOLERANCE_MS = 60_000;
/**
 * How far ahead `at` may be: a year and a day (a yearly call's next occurrence fits), so a form
 * can say it (and check it) before it sends.
 */
export const MAX_AHEAD_MS = 366 * 86_400_000;
/** The shortest gap between two occurrences of a recurrence. */
export const MIN_RECURRENCE_MS = 60_000;

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24 h)');
const timeZone = z.string().refine(isTimeZone, 'not an IANA time zone');

/** How deep `metadata` may nest (the object itself is level 1). */
export const METADATA_MAX_DEPTH = 8;
/** How large `metadata` may be, as JSON. */
export const METADATA_MAX_BYTES = 4096;

/**
 * Whether `metadata` is small enough to store and to validate: measured without recursion first,
 * so a deeply nested value is refused before anything walks it recursively.
 */
function metadataFits(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true; // the record schema says why
  const stack: [unknown, number][] = [[value, 1]];
  let nodes = 0;
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > METADATA_MAX_DEPTH || ++nodes > METADATA_MAX_BYTES) return false;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return Buffer.byteLength(JSON.stringify(value)) <= METADATA_MAX_BYTES;
}

const windowSchema = strictObject({
  start: hhmm,
  end: hhmm,
  timezone: z
    .string()
    .refine((v) => v === CALLEE || isTimeZone(v), `not an IANA time zone or '${CALLEE}'`),
  fallbackTimezone: timeZone.optional(),
})
  .refine((w) => w.start !== w.end, {
    error: 'a window whose start equals its end is empty; leave the window out for any time',
  })
  .refine((w) => w.fallbackTimezone === undefined || w.timezone === CALLEE, {
    path: ['fallbackTimezone'],
    error: `only with timezone '${CALLEE}'`,
  });

const scheduleSchema = strictObject(
  {
    to: z.string({ error: 'a phone number is required' }),
    at: z.union([z.date(), z.string()]).optional(),
    recurrence: strictObject({ cron: z.string().min(1), timezone: timeZone.optional() }).optional(),
    window: windowSchema.optional(),
    maxAttempts: z.number().int().min(1).max(100).optional(),
    retryBackoff: strictObject({
      delayMs: z.number().int().min(0).max(2_147_483_647).optional(),
      factor: z.number().min(1).max(100).optional(),
      maxDelayMs: z.number().int().min(0).max(2_147_483_647).optional(),
    }).optional(),
    retry: retrySchema.optional(),
    metadata: z
      .custom<unknown>((value) => metadataFits(value), {
        error: `metadata may nest at most ${METADATA_MAX_DEPTH} levels and take at most ${METADATA_MAX_BYTES} bytes as JSON`,
      })
      .pipe(
        z.record(z.string(), z.json()).check((ctx) => {
          // Every store must hold it as given (see `unstorableText`).
          const bad = unstorableIn(ctx.value);
          if (bad) ctx.issues.push({ code: 'custom', ...bad, input: ctx.value });
        }),
      )
      .optional(),
    idempotencyKey: storable(z.string().min(1).max(255)).optional(),
    // Checked against the provider by `validateCall`.
    call: z.unknown().optional(),
  },
  {
    // What people call these elsewhere: the demo's `scheduled_time` and `phone_number`, a stored
    // call's `dueAt`, other libraries' `scheduledAt`, `runAt` and `delay`.
    scheduledat: 'at',
    scheduledtime: 'at',
    dueat: 'at',
    runat: 'at',
    time: 'at',
    when: 'at',
    phone: 'to',
    phonenumber: 'to',
    number: 'to',
    attempts: 'maxAttempts',
    retries: 'maxAttempts',
    backoff: 'retryBackoff',
    retryon: 'retry',
    retryby: 'retry',
    retrybyoutcome: 'retry',
    idempotency: 'idempotencyKey',
    options: 'call',
    calloptions: 'call',
  },
  'field',
);

export function custom(path: PropertyKey[], message: string): ValidationIssue {
  return { code: 'custom', path, message };
}

/**
 * The key a page's `cursor` (one `encodeCursor` of a list gave) continues after; `null` with
 * none. Throws a `ValidationError` of `what` for any other text.
 */
export function keyAfter(cursor: string | null | undefined, what: string): string | null {
  if (!cursor) return null;
  const position = decodeCursor(cursor);
  if (!position)
    throw new ValidationError(what, [custom(['cursor'], 'not a cursor this list gave')]);
  return position[1];
}

export function zodIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((i) => ({ code: i.code, path: [...i.path], message: i.message }));
}

/** An ISO-8601 date-time with `Z` or an offset: `at`, and a do-not-call entry's `until`. */
export const isoDateTime = z.iso.datetime({ offset: true });

/** Parses a due time; pushes an issue and returns `null` when it is not one. */
export function parseAt(
  value: Date | string | undefined,
  now: number,
  issues: ValidationIssue[],
  path: PropertyKey[] = ['at'],
): number | null {
  if (value === undefined) return null;
  let time: number;
  if (value instanceof Date) {
    time = value.getTime();
  } else if (typeof value === 'string') {
    const parsed = isoDateTime.safeParse(value);
    if (!parsed.success) {
      issues.push(
        ...zodIssues(parsed.error).map((i) => ({
          ...i,
          path,
          message: 'not an ISO-8601 date-time with Z or an offset',
        })),
      );
      return null;
    }
    time = Date.parse(value);
  } else {
    issues.push(custom(path, 'expected a Date or an ISO-8601 string'));
    return null;
  }
  if (!Number.isFinite(time)) {
    issues.push(custom(path, 'not a valid date'));
    return null;
  }
  if (time < now - PAST_TOLERANCE_MS) {
    issues.push(custom(path, `${new Date(time).toISOString()} is more than 60 s in the past`));
    return null;
  }
  if (time > now + MAX_AHEAD_MS) {
    issues.push(custom(path, `${new Date(time).toISOString()} is more than a year ahead`));
    return null;
  }
  return time;
}

export interface ValidSchedule {
  to: string;
  /** The first due time. */
  at: number;
  idempotencyKey: string | null;
  options: StoredCallOptions | null;
  /** The call's options, as checked (`from` in E.164); `null` for none. */
  call: CallOptions | null;
}

/** What call options are checked against: a provider's name, capabilities and own check. */
export type OptionsChecker = Pick<CallProvider, 'name' | 'capabilities' | 'checkCallOptions'>;

/** The issues of a refused `call`, each under `call.…`. */
function callIssues(error: unknown): ValidationIssue[] {
  if (isUnsupportedCallOptionError(error)) {
    return [
      { code: 'unsupported_call_option', path: ['call', error.option], message: error.message },
    ];
  }
  if (isInvalidOptionsError(error)) {
    return error.issues.map((i) => ({
      code: i.code,
      path: ['call', ...i.path],
      message: i.message,
    }));
  }
  return [custom(['call'], error instanceof Error ? error.message : String(error))];
}

/**
 * Checks a call's options with `checkCallOptions` (the schema, `capabilities.options`, the
 * provider's own check), `from` first normalised to E.164. Pushes the issues of a refusal and
 * returns its error as `cause`; `{}` (no option given) is `null`.
 */
export function validateCall(
  value: unknown,
  provider: OptionsChecker,
  defaultCountry: CountryCode,
  issues: ValidationIssue[],
): { call: CallOptions | null; cause?: unknown } {
  if (value === undefined || value === null) return { call: null };
  let options = value;
  const from = (value as { from?: unknown }).from;
  if (typeof value === 'object' && typeof from === 'string') {
    try {
      options = { ...value, from: toE164(from, { defaultCountry }) };
    } catch (error) {
      issues.push(
        custom(['call', 'from'], error instanceof Error ? error.message : 'not a number'),
      );
      return { call: null, cause: error };
    }
  }
  try {
    const parsed = checkCallOptions(provider, options, 'call');
    const given = Object.entries(parsed).filter(([, v]) => v !== undefined);
    return { call: given.length === 0 ? null : (Object.fromEntries(given) as CallOptions) };
  } catch (error) {
    issues.push(...callIssues(error));
    return { call: null, cause: error };
  }
}

/**
 * Validates `schedule()` input; throws a {@link ValidationError} listing every issue, whose
 * `cause` is the provider's refusal of the call's options when they were refused.
 */
export function validateSchedule(
  input: ScheduleInput,
  now: number,
  defaultCountry: CountryCode,
  provider: OptionsChecker,
): ValidSchedule {
  const parsed = scheduleSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError('schedule input', zodIssues(parsed.error));
  const data = parsed.data;
  const issues: ValidationIssue[] = [];

  let to = '';
  try {
    to = toE164(data.to, { defaultCountry });
  } catch (error) {
    issues.push(
      custom(['to'], error instanceof Error ? error.message : 'not a valid phone number'),
    );
  }

  let at = parseAt(data.at, now, issues);
  const recurrence = data.recurrence
    ? { cron: data.recurrence.cron, timezone: data.recurrence.timezone ?? 'UTC' }
    : null;
  if (recurrence) {
    try {
      const [next, after] = cronOf(recurrence.cron, recurrence.timezone).nextRuns(2, new Date(now));
      if (!next) issues.push(custom(['recurrence', 'cron'], 'the pattern never runs again'));
      else if (after && after.getTime() - next.getTime() < MIN_RECURRENCE_MS) {
        issues.push(
          custom(['recurrence', 'cron'], 'the pattern runs more often than once a minute'),
        );
      } else if (at === null && data.at === undefined) at = next.getTime();
    } catch (error) {
      issues.push(
        custom(['recurrence', 'cron'], error instanceof Error ? error.message : 'bad cron pattern'),
      );
    }
  } else if (data.at === undefined) {
    issues.push(custom(['at'], 'required (unless a recurrence gives the first time)'));
  }
  const { call, cause } = validateCall(data.call, provider, defaultCountry, issues);
  const window =
    data.window && to !== '' && at !== null ? resolveWindow(data.window, to, at, issues) : null;
  if (data.retry) retryIssues(data.retry, data.retryBackoff !== undefined, call, issues);
  if (issues.length > 0 || at === null) {
    throw new ValidationError('schedule input', issues, cause === undefined ? {} : { cause });
  }

  const backoff = data.retryBackoff ? { ...DEFAULT_BACKOFF, ...data.retryBackoff } : null;
  const retry = data.retry ?? null;
  const maxAttempts = data.maxAttempts ?? (retry ? mostAttempts(retry) : 1);
  const plain =
    maxAttempts === 1 && !backoff && !retry && !recurrence && !data.window && !data.metadata;
  return {
    to,
    at,
    idempotencyKey: data.idempotencyKey ?? null,
    call,
    options: plain
      ? null
      : {
          maxAttempts,
          retryBackoff: backoff,
          ...(retry ? { retry } : {}),
          recurrence,
          window,
          metadata: (data.metadata as Record<string, unknown> | undefined) ?? null,
          seriesId: null,
          occurrenceAt: recurrence ? at : null,
        },
  };
}

/**
 * The combinations `retry` refuses: `retryBackoff` beside it (each outcome has its own
 * `afterMs`), and `machine` for a call without machine detection (no attempt would ever be known
 * to be answered by a machine).
 */
function retryIssues(
  retry: RetryByOutcome,
  withBackoff: boolean,
  call: CallOptions | null,
  issues: ValidationIssue[],
): void {
  if (withBackoff) {
    issues.push(
      custom(
        ['retryBackoff'],
        'retryBackoff applies only without retry: give each outcome of retry its own afterMs',
      ),
    );
  }
  const detection = call?.machineDetection;
  if (retry.machine && detection !== 'detect' && detection !== 'detect-beep') {
    issues.push(
      custom(
        ['retry', 'machine'],
        "retry.machine needs call.machineDetection ('detect' or 'detect-beep'): without it no attempt is known to be answered by a machine",
      ),
    );
  }
}

/** Validates a `list`/`history` page size. */
export function validateLimit(limit: unknown, issues: ValidationIssue[]): number {
  if (limit === undefined) return 50;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 1000) {
    issues.push(custom(['limit'], 'expected an integer from 1 to 1000'));
    return 50;
  }
  return limit;
}

export { custom as customIssue };
