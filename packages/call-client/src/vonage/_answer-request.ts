// Vonage's requests about a call to the app's number, read with zod: the answer webhook (GET with
// its fields in the query, or POST with them as JSON), and the events of the actions it was
// answered with, which come back to the handler's `eventUrl` with the call named in the query.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { isInvalidPhoneNumberError, WebhookValidationError } from '../errors/errors.js';
import { toE164 } from '../phone.js';

/** The step of an inbound call whose events come back to the handler's `eventUrl`. */
export type AnswerStep = 'forward' | 'voicemail';

/** What the answer webhook tells of a call to the app's number. */
export interface AnswerFacts {
  /** `uuid`: the caller's leg. */
  callId: string;
  /** `conversation_uuid`, where Vonage sends it. */
  conversationUuid?: string;
  /** The caller, E.164. */
  from: string;
  /** The app's number that was called, E.164. */
  to: string;
  /** The fields as received. */
  raw: Record<string, unknown>;
}

/** The call a step's event is about, as the handler wrote it into the event URL. */
export interface StepTarget {
  step: AnswerStep;
  callId: string;
  from: string;
  to: string;
}

const id = z.string().trim().min(1).max(256);
/** A number as Vonage writes it: E.164 digits, without (or, leniently, with) the `+`. */
const number = z
  .string()
  .regex(/^\+?[1-9]\d{1,14}$/, 'must be a phone number (E.164 digits)')
  .transform((digits, ctx) => {
    try {
      return toE164(digits.startsWith('+') ? digits : `+${digits}`);
    } catch (error) {
      if (!isInvalidPhoneNumberError(error)) throw error;
      ctx.addIssue({ code: 'custom', message: 'must be a valid phone number', input: digits });
      return z.NEVER;
    }
  });

const answerSchema = z.looseObject({
  uuid: id,
  conversation_uuid: id.optional(),
  from: number,
  to: number,
  region_url: z
    .url({ protocol: /^https$/ })
    .max(2048)
    .optional(),
});

/** Where the issues lie, e.g. `from, to`. */
const where = (issues: readonly z.core.$ZodIssue[]) =>
  [...new Set(issues.map((issue) => issue.path.join('.') || '(body)'))].join(', ');

/**
 * The fields of a request: a `GET`'s query parameters, or a `POST`'s JSON object body. A body
 * that is not JSON, or not an object, or a parameter given twice, is a `WebhookValidationError`.
 */
export function answerFields(method: string, url: URL, rawBody: string): Record<string, unknown> {
  if (method !== 'GET') return jsonObject(rawBody);
  const fields = Object.fromEntries(url.searchParams);
  const repeated = Object.keys(fields).find((name) => url.searchParams.getAll(name).length > 1);
  if (repeated !== undefined)
    throw new WebhookValidationError({
      reason: 'invalid_field',
      message: `The answer webhook carries ${repeated} more than once`,
      body: url.search,
    });
  return fields;
}

/** A JSON object body; a `WebhookValidationError` (`not_json`, `not_object`) for anything else. */
export function jsonObject(rawBody: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(rawBody);
  } catch (cause) {
    throw new WebhookValidationError({
      reason: 'not_json',
      message: `A Vonage request's body must be JSON: ${(cause as Error).message}`,
      body: rawBody,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new WebhookValidationError({
      reason: 'not_object',
      message: "A Vonage request's body must be a JSON object",
      body: rawBody,
    });
  return value as Record<string, unknown>;
}

/**
 * Reads the answer webhook's fields: `uuid` (else `missing_id`), `from` and `to` (phone numbers,
 * as Vonage writes them without `+`; else `invalid_field`). Others are kept in `raw`.
 */
export function readAnswer(fields: Record<string, unknown>): AnswerFacts {
  const parsed = answerSchema.safeParse(fields);
  if (!parsed.success) {
    const { issues } = parsed.error;
    const badId = issues.some((issue) => issue.path[0] === 'uuid');
    throw new WebhookValidationError({
      reason: badId ? 'missing_id' : 'invalid_field',
      message: badId
        ? 'A Vonage answer webhook has a uuid (the caller leg it is about)'
        : `A Vonage answer webhook's fields are malformed: ${where(issues)}`,
      body: fields,
      issues,
    });
  }
  const data = parsed.data;
  return {
    callId: data.uuid,
    ...(data.conversation_uuid !== undefined && { conversationUuid: data.conversation_uuid }),
    from: data.from,
    to: data.to,
    raw: fields,
  };
}

/** The parameters the handler writes into a step's event URL. */
const STEP_PARAMS = ['step', 'call', 'from', 'to', 'tag'] as const;

/** The tag that proves a step's URL was written by the handler: HMAC-SHA256 with the secret. */
function tagOf(secret: string, target: StepTarget): string {
  const text = [target.step, target.callId, target.from, target.to].join('\n');
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(text).digest('base64url');
}

/**
 * `eventUrl` with the step, the call, its numbers and their tag appended to its query (`?` or
 * `&`, as it has one or not). Vonage's signature covers an event's body, not its URL: the tag
 * keeps anyone from naming another call there.
 */
export function stepUrl(eventUrl: string, secret: string, target: StepTarget): string {
  const query = new URLSearchParams({
    step: target.step,
    call: target.callId,
    from: target.from,
    to: target.to,
    tag: tagOf(secret, target),
  });
  return `${eventUrl}${eventUrl.includes('?') ? '&' : '?'}${query.toString()}`;
}

/**
 * The step a request's URL names: `undefined` for none (no `step`, `call` or `tag`: the answer
 * webhook), the target for a URL this handler wrote (each of its parameters once, its tag
 * holding), `null` for anything else.
 */
export function stepTargetOf(url: URL, secret: string): StepTarget | null | undefined {
  // The answer webhook's own `from` and `to` are in a GET's query too: `step`, `call` and `tag`
  // are the handler's alone.
  if (!['step', 'call', 'tag'].some((name) => url.searchParams.has(name))) return undefined;
  const values = STEP_PARAMS.map((name) => url.searchParams.getAll(name));
  if (values.some((all) => all.length !== 1)) return null;
  const [step, callId, from, to, tag] = values.map((all) => all[0]!) as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (step !== 'forward' && step !== 'voicemail') return null;
  const target: StepTarget = { step, callId, from, to };
  const expected = Buffer.from(tagOf(secret, target));
  const given = Buffer.from(tag);
  return expected.length === given.length && timingSafeEqual(expected, given) ? target : null;
}
