// The one check of what `connectCall` and `abandonCall` take, whichever provider sends them.
import { z } from 'zod';
import { InvalidOptionsError } from '../errors/errors.js';
import { isSipUri, toE164, type CountryCode } from '../phone.js';
import type { ConnectCallOptions } from './provider.js';

/**
 * The longest message the practice APIs' `abandon` endpoints take, in characters (their
 * simulator refuses a longer one with `400`).
 */
export const PRACTICE_MAX_MESSAGE = 3000;

const connectSchema = z.strictObject({
  to: z.string().min(1).max(300),
  signal: z.instanceof(AbortSignal).optional(),
  // Twilio's `<Dial timeout>` and Telnyx's `timeout_secs` both take 5 to 600 seconds.
  ringS: z.number().int().min(5).max(600).default(20),
});

/**
 * Where `connectCall` rings and for how long: `to` a number (read as E.164 with
 * `defaultCountry`) or a `sip:` URI as given, `ringS` 5–600 (default 20).
 * @throws InvalidOptionsError for anything else, before anything is sent.
 */
export function connectTarget(
  to: string,
  options: ConnectCallOptions,
  defaultCountry: CountryCode,
): { to: string; ringS: number } {
  const parsed = connectSchema.safeParse({ ...options, to });
  if (!parsed.success) throw new InvalidOptionsError('connectCall', parsed.error.issues);
  const { ringS } = parsed.data;
  if (!/^sips?:/i.test(to)) return { to: toE164(to, { defaultCountry }), ringS };
  if (isSipUri(to)) return { to, ringS };
  throw new InvalidOptionsError('connectCall', [
    { code: 'custom', path: ['to'], message: 'not a SIP URI (sip:user@host)', input: to },
  ]);
}

/**
 * The message of `abandonCall`, trimmed: not empty, at most `most` characters as the provider
 * takes it (`measure`: its length once rendered, e.g. XML-escaped into TwiML).
 * @throws InvalidOptionsError otherwise, before anything is sent.
 */
export function abandonMessage(
  message: string,
  most: number,
  measure: (text: string) => number = (text) => text.length,
): string {
  const parsed = z.string().trim().min(1, 'must not be empty').safeParse(message);
  if (!parsed.success) throw new InvalidOptionsError('abandonCall', parsed.error.issues);
  const length = measure(parsed.data);
  if (length <= most) return parsed.data;
  throw new InvalidOptionsError('abandonCall', [
    {
      code: 'custom',
      path: ['message'],
      message: `is ${length} characters as the provider takes it; it takes at most ${most}`,
      input: undefined,
    },
  ]);
}
