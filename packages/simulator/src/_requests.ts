import { strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { isSipUri, toE164 } from '@ringkit/call-client';
import { isE164 } from './_values.js';
import type { SimulatorFlavour } from './types.js';

const pollingBody = strictObject({
  phone_number: z
    .string({ error: 'phone_number must be a string' })
    .regex(/^\+/, 'phone_number must be in E.164 form, starting with +')
    .transform(toPhone),
});

const webhookBody = strictObject({
  phone: z
    .string({ error: 'phone must be a string' })
    .regex(/^\+?\d+$/, 'phone must be digits, with or without a leading +')
    .transform(toPhone),
  webhookURL: z.url({ protocol: /^https?$/, error: 'webhookURL must be an http(s) URL' }),
});

function toPhone(value: string, ctx: z.RefinementCtx): string {
  try {
    return toE164(value);
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(value)} is not a valid phone number`,
    });
    return z.NEVER;
  }
}

/** The longest message `abandon` takes, in characters. */
export const MAX_MESSAGE = 3000;

const target = z
  .string({ error: 'to must be a string' })
  .refine(
    (to) => isE164(to) || isSipUri(to),
    'to must be a phone number in E.164 (+14155550123) or a SIP URI (sip:agent@pbx.example.com)',
  );
const ring = (name: string) =>
  z
    .int({ error: `${name} must be a whole number of seconds` })
    .min(5, `${name} must be between 5 and 600`)
    .max(600, `${name} must be between 5 and 600`)
    .default(20);

const connectBodies = {
  polling: strictObject({ to: target, ring_s: ring('ring_s') }).transform((b) => ({
    to: b.to,
    ringS: b.ring_s,
  })),
  webhook: strictObject({ to: target, ringS: ring('ringS') }),
};

const abandonBody = strictObject({
  message: z
    .string({ error: 'message must be a string' })
    .trim()
    .min(1, 'message must not be empty')
    .max(MAX_MESSAGE, `message must be at most ${MAX_MESSAGE} characters`),
});

/** A valid `connect` or `abandon` request, or what was wrong with it. */
export type ParsedActionRequest =
  | { ok: true; action: 'connect'; to: string; ringS: number }
  | { ok: true; action: 'abandon'; message: string }
  | { ok: false; message: string };

/**
 * Reads the body of a `connect` (`{ to, ring_s }` for polling, `{ to, ringS }` for webhook; `to`
 * in E.164 or a SIP URI, the ring 5–600 s, 20 when left out) or an `abandon` (`{ message }`, not
 * blank, at most {@link MAX_MESSAGE} characters) of the polling or webhook flavour.
 */
export function parseActionBody(
  flavour: 'polling' | 'webhook',
  action: 'connect' | 'abandon',
  contentType: string | undefined,
  body: Uint8Array,
): ParsedActionRequest {
  const read = readJson(contentType, body);
  if (!read.ok) return read;
  if (action === 'abandon') {
    const result = abandonBody.safeParse(read.value);
    if (!result.success) return { ok: false, message: describe(result.error) };
    return { ok: true, action, message: result.data.message };
  }
  const result = connectBodies[flavour].safeParse(read.value);
  if (!result.success) return { ok: false, message: describe(result.error) };
  return { ok: true, action, ...result.data };
}

/** JSON content, parsed, or what was wrong with it. */
function readJson(
  contentType: string | undefined,
  body: Uint8Array,
): { ok: true; value: unknown } | { ok: false; message: string } {
  const type = contentType ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
    return { ok: false, message: `Content-Type must be application/json, got ${type || 'none'}` };
  }
  try {
    return { ok: true, value: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)) };
  } catch (error) {
    return { ok: false, message: `the body is not valid JSON: ${(error as Error).message}` };
  }
}

/** A valid create-call request, or what was wrong with it. */
export type ParsedCreateRequest =
  { ok: true; phone: string; webhookUrl: string | undefined } | { ok: false; message: string };

/**
 * Reads the body of a create-call request of either flavour: JSON content, a JSON object with
 * exactly the flavour's fields, and a valid phone number (returned in E.164).
 */
export function parseRequestBody(
  flavour: SimulatorFlavour,
  contentType: string | undefined,
  body: Uint8Array,
): ParsedCreateRequest {
  const read = readJson(contentType, body);
  if (!read.ok) return read;
  const value = read.value;
  if (flavour === 'polling') {
    const result = pollingBody.safeParse(value);
    if (result.success) return { ok: true, phone: result.data.phone_number, webhookUrl: undefined };
    return { ok: false, message: describe(result.error) };
  }
  const result = webhookBody.safeParse(value);
  if (result.success) {
    return { ok: true, phone: result.data.phone, webhookUrl: result.data.webhookURL };
  }
  return { ok: false, message: describe(result.error) };
}

function describe(error: z.ZodError): string {
  return error.issues
    .map(
      (issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ` : 'body: ') + issue.message,
    )
    .join('; ');
}
