import { z } from 'zod';
import { isHttpUrl } from './_values.js';

// The NCCO an application's answer URL answers, read as Vonage runs it: a JSON array of actions.

/** The longest call Vonage lets run, in seconds (a `record`'s default `timeOut` too). */
export const MAX_CALL_S = 7200;

const eventUrls = z.array(z.string().refine(isHttpUrl, 'must be an http(s) URL')).min(1);
const seconds = (min: number, max: number) => z.number().int().min(min).max(max);

/** The NCCO actions the simulator plays, with the fields it reads (others are kept). */
const actionSchema = z.discriminatedUnion('action', [
  z.looseObject({ action: z.literal('talk'), text: z.string().min(1) }),
  z.looseObject({
    action: z.literal('record'),
    format: z.enum(['mp3', 'wav', 'ogg']).optional(),
    timeOut: seconds(3, MAX_CALL_S).optional(),
    eventUrl: eventUrls.optional(),
  }),
  z.looseObject({
    action: z.literal('connect'),
    endpoint: z
      .array(z.looseObject({ type: z.string(), number: z.string().optional() }))
      .min(1)
      .max(1),
    from: z.string().optional(),
    timeout: seconds(3, MAX_CALL_S).optional(),
    eventUrl: eventUrls.optional(),
  }),
  // Actions the simulator lets pass, a step each: it has no caller input, stream or conversation.
  z.looseObject({ action: z.enum(['stream', 'input', 'notify', 'conversation', 'wait']) }),
]);
const nccoSchema = z.array(actionSchema).max(100);

/** One NCCO action the simulator plays. */
export type NccoAction = z.infer<typeof actionSchema>;
export type RecordAction = Extract<NccoAction, { action: 'record' }>;
export type ConnectAction = Extract<NccoAction, { action: 'connect' }>;

/**
 * Reads the text an answer URL answered as an NCCO: the actions, or what is wrong with it (not
 * JSON, not an array, an action Vonage does not know or whose fields it would refuse).
 */
export function readNcco(text: string): { ncco: NccoAction[] } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `the answer URL must answer an NCCO (JSON): ${(error as Error).message}` };
  }
  const parsed = nccoSchema.safeParse(value);
  if (parsed.success) return { ncco: parsed.data };
  const where = parsed.error.issues
    .map((issue) => `${issue.path.join('.') || '(NCCO)'} ${issue.message}`)
    .join('; ');
  return { problem: `the NCCO is not one Vonage runs: ${where}` };
}
