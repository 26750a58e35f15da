import { strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { toE164 } from '@ringkit/call-client';
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
  const type = contentType ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
    return { ok: false, message: `Content-Type must be application/json, got ${type || 'none'}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (error) {
    return { ok: false, message: `the body is not valid JSON: ${(error as Error).message}` };
  }
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
