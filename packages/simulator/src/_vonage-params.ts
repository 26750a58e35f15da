import { strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { badRequest, type InvalidParameter, type VonageProblem } from './_vonage-format.js';
import { isHttpUrl } from './_values.js';
import type { VonageCallStatus } from './types.js';

/** The longest `length_timer` Vonage takes, and its default, in seconds. */
export const MAX_LENGTH_TIMER_S = 86_400;
export const DEFAULT_LENGTH_TIMER_S = 7_200;
/** The longest `ringing_timer` Vonage takes, and its default, in seconds. */
export const MAX_RINGING_TIMER_S = 120;
export const DEFAULT_RINGING_TIMER_S = 60;

/** A phone number as Vonage writes one: E.164 digits, the `+` optional. */
const number = z
  .string({ error: 'must be a string' })
  .regex(/^\+?[1-9]\d{6,14}$/, 'must be a phone number in E.164, e.g. 14155550100');
const phone = strictObject({
  type: z.literal('phone', { error: "the simulator calls endpoints of type 'phone' only" }),
  number,
  dtmf_answer: z
    .string()
    .regex(/^[0-9*#p]+$/, 'must be digits, *, # or p')
    .optional(),
  // The official client sends its endpoints as given, and `PhoneEndpoint` spells it so.
  dtmfAnswer: z
    .string()
    .regex(/^[0-9*#p]+$/, 'must be digits, *, # or p')
    .optional(),
  shaken: z.string().optional(),
});
const url = z
  .array(z.string().refine(isHttpUrl, 'must be an http(s) URL'), { error: 'must be an array' })
  .length(1, 'must hold exactly one URL');
const method = z.enum(['GET', 'POST'], { error: "must be 'GET' or 'POST'" });
const behavior = z.enum(['continue', 'hangup'], { error: "must be 'continue' or 'hangup'" });
const timer = (max: number) =>
  z
    .int({ error: 'must be a whole number of seconds' })
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`);

/** The NCCO actions of `@vonage/voice`'s `NCCOActions`; `talk` needs its `text`. */
const action = z
  .looseObject({
    action: z.enum(
      ['connect', 'conversation', 'input', 'notify', 'record', 'stream', 'talk', 'wait'],
      {
        error:
          'must be an NCCO action: connect, conversation, input, notify, record, stream, talk or wait',
      },
    ),
  })
  .superRefine((value, ctx) => {
    if (value.action === 'talk' && (typeof value.text !== 'string' || value.text === '')) {
      ctx.addIssue({ code: 'custom', path: ['text'], message: 'a talk action needs its text' });
    }
  });

/**
 * The body of `POST /v1/calls`: every key of the official `@vonage/voice` `CreateCallRequest`
 * (with `CallWithNCCO` and `CallWithAnswerURL`), in snake case as the official client sends it.
 * Other keys are refused.
 */
const createSchema = strictObject({
  to: z
    .array(phone, { error: 'must be an array of endpoints' })
    .length(1, 'must hold exactly one endpoint'),
  from: strictObject({
    type: z.literal('phone', { error: "must be of type 'phone'" }),
    number,
  }).optional(),
  random_from_number: z.boolean({ error: 'must be true or false' }).optional(),
  ncco: z
    .array(action, { error: 'must be an array of NCCO actions' })
    .min(1, 'must hold an action')
    .optional(),
  answer_url: url.optional(),
  answer_method: method.optional(),
  dtmf_answer: z
    .string()
    .regex(/^[0-9*#p]+$/, 'must be digits, *, # or p')
    .optional(),
  event_url: url.optional(),
  event_method: z
    .literal('POST', { error: 'the simulator sends events with POST only' })
    .optional(),
  machine_detection: behavior.optional(),
  advanced_machine_detection: strictObject({
    behavior,
    mode: z.enum(['default', 'detect', 'detect_beep'], {
      error: "must be 'default', 'detect' or 'detect_beep'",
    }),
    beep_timeout: z
      .int()
      .min(45, 'must be between 45 and 120')
      .max(120, 'must be between 45 and 120')
      .optional(),
  }).optional(),
  length_timer: timer(MAX_LENGTH_TIMER_S).optional(),
  ringing_timer: timer(MAX_RINGING_TIMER_S).optional(),
});

/** A valid `POST /v1/calls`, defaults filled in. */
export interface CreateRequest {
  to: string;
  /** The caller id; a made-up number when `random_from_number` was asked. */
  from: string | undefined;
  ncco: ReadonlyArray<Record<string, unknown>> | undefined;
  answerUrl: string | undefined;
  eventUrl: string | undefined;
  /** `continue` or `hangup` when machine detection (plain or advanced) was asked. */
  machineDetection: 'continue' | 'hangup' | undefined;
  lengthTimerS: number;
  ringingTimerS: number;
  /** The body as received. */
  params: Record<string, unknown>;
}

/** Zod's issues as Vonage's `invalid_parameters`. */
function invalidParameters(issues: readonly z.core.$ZodIssue[]): InvalidParameter[] {
  return issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return { name: issue.keys.join(', '), reason: 'is not a parameter of this request' };
    }
    return { name: issue.path.join('.') || '(body)', reason: issue.message };
  });
}

function refuse(issues: readonly z.core.$ZodIssue[], what: string): VonageProblem {
  const invalid = invalidParameters(issues);
  const detail = `Invalid ${what}: ${invalid.map((p) => `${p.name} ${p.reason}`).join('; ')}`;
  return badRequest(detail, invalid);
}

/** Reads the body of `POST /v1/calls`, or the 400 that refuses it. */
export function readCreate(body: Record<string, unknown>): CreateRequest | VonageProblem {
  const parsed = createSchema.safeParse(body);
  if (!parsed.success) return refuse(parsed.error.issues, 'request');
  const value = parsed.data;
  const problems: InvalidParameter[] = [];
  if ((value.ncco === undefined) === (value.answer_url === undefined)) {
    problems.push({ name: 'ncco', reason: 'give either ncco or answer_url, exactly one' });
  }
  if ((value.from === undefined) === (value.random_from_number !== true)) {
    problems.push({
      name: 'from',
      reason: 'give either from or random_from_number: true, exactly one',
    });
  }
  if (problems.length > 0) {
    return badRequest(
      `Invalid request: ${problems.map((p) => `${p.name}: ${p.reason}`).join('; ')}`,
      problems,
    );
  }
  return {
    to: value.to[0]!.number,
    from: value.from?.number,
    ncco: value.ncco,
    answerUrl: value.answer_url?.[0],
    eventUrl: value.event_url?.[0],
    machineDetection: value.advanced_machine_detection?.behavior ?? value.machine_detection,
    lengthTimerS: value.length_timer ?? DEFAULT_LENGTH_TIMER_S,
    ringingTimerS: value.ringing_timer ?? DEFAULT_RINGING_TIMER_S,
    params: body,
  };
}

/** The body of `PUT /v1/calls/{uuid}`: the simulator plays `hangup`. */
const modifySchema = strictObject({
  action: z.literal('hangup', { error: "the simulator plays the action 'hangup' only" }),
});

/** Reads the body of `PUT /v1/calls/{uuid}`, or the 400 that refuses it. */
export function readModify(body: Record<string, unknown>): { action: 'hangup' } | VonageProblem {
  const parsed = modifySchema.safeParse(body);
  return parsed.success ? parsed.data : refuse(parsed.error.issues, 'request');
}

const STATUSES = [
  'started',
  'ringing',
  'answered',
  'machine',
  'completed',
  'busy',
  'cancelled',
  'failed',
  'rejected',
  'timeout',
  'unanswered',
] as const;
const date = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 date');
const whole = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, `must be between ${min} and ${max}`)
        .max(max, `must be between ${min} and ${max}`),
    );

/** The query of `GET /v1/calls`: the filters of `@vonage/voice`'s `GetCallDetailsRequest`. */
const listSchema = strictObject({
  status: z.enum(STATUSES, { error: `must be one of ${STATUSES.join(', ')}` }).optional(),
  date_start: date.optional(),
  date_end: date.optional(),
  page_size: whole(1, 100).optional(),
  record_index: whole(0, Number.MAX_SAFE_INTEGER).optional(),
  order: z.enum(['asc', 'desc'], { error: "must be 'asc' or 'desc'" }).optional(),
  conversation_uuid: z.string().min(1, 'must not be empty').optional(),
});

/** A valid `GET /v1/calls`, defaults filled in. */
export interface ListRequest {
  status: VonageCallStatus | 'machine' | undefined;
  dateStart: number | undefined;
  dateEnd: number | undefined;
  pageSize: number;
  recordIndex: number;
  order: 'asc' | 'desc';
  conversationUuid: string | undefined;
}

/** Reads the query of `GET /v1/calls` (each filter once), or the 400 that refuses it. */
export function readList(query: URLSearchParams): ListRequest | VonageProblem {
  const given: Record<string, string> = {};
  for (const [key, value] of query) {
    if (key in given)
      return badRequest(`Invalid query: ${key} is given twice`, [
        { name: key, reason: 'is given twice' },
      ]);
    given[key] = value;
  }
  const parsed = listSchema.safeParse(given);
  if (!parsed.success) return refuse(parsed.error.issues, 'query');
  const value = parsed.data;
  return {
    status: value.status,
    dateStart: value.date_start === undefined ? undefined : Date.parse(value.date_start),
    dateEnd: value.date_end === undefined ? undefined : Date.parse(value.date_end),
    pageSize: value.page_size ?? 10,
    recordIndex: value.record_index ?? 0,
    order: value.order ?? 'asc',
    conversationUuid: value.conversation_uuid,
  };
}
