// The fields of Twilio's requests to an app (status callbacks, voice webhooks), read one way.
import { z } from 'zod';
import type { TwilioParams } from './signature.js';

/** A whole number of Twilio's (a duration in seconds, a sequence number), as a number. */
export const countSchema = z
  .string()
  .regex(/^\d{1,9}$/, 'must be a whole number')
  .transform(Number);

/**
 * The one value of each of `names` that `params` carries (a list of one counts as one), and the
 * first name it carries more than once, if any: a field Twilio sends once is never read from a
 * repeated parameter.
 */
export function singleFields(
  params: TwilioParams,
  names: readonly string[],
): { fields: Record<string, string>; repeated?: string } {
  const fields: Record<string, string> = {};
  for (const name of names) {
    const value = params[name];
    if (value === undefined) continue;
    if (typeof value === 'string') fields[name] = value;
    else if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string')
      fields[name] = value[0];
    else return { fields, repeated: name };
  }
  return { fields };
}

/**
 * RFC 2822's date and time, as Twilio writes `Timestamp`: `Mon, 16 Aug 2010 03:45:01 +0000`
 * (the weekday and the seconds optional, a numeric zone or `GMT`/`UT`/`UTC`).
 */
const RFC_2822 =
  /^(?:[A-Z][a-z]{2},\s*)?(\d{1,2})\s+([A-Z][a-z]{2})\s+(\d{4})\s+\d{2}:\d{2}(?::\d{2})?\s+(?:[+-]\d{4}|GMT|UTC?)$/;
const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';

/** The time `Timestamp` says, when it is RFC 2822 and a real date (not the 30th of February). */
export function readTimestamp(text: string | undefined): Date | undefined {
  const parts = text === undefined ? null : RFC_2822.exec(text.trim());
  if (parts === null) return undefined;
  const [, day, month, year] = parts;
  const monthIndex = MONTHS.indexOf(month!) / 3;
  if (!Number.isInteger(monthIndex)) return undefined;
  const date = new Date(Date.UTC(Number(year), monthIndex, Number(day)));
  if (date.getUTCMonth() !== monthIndex) return undefined;
  const time = Date.parse(text!);
  return Number.isFinite(time) ? new Date(time) : undefined;
}

/** Zod's issues as one line: each field's name and what is wrong with it. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => `${issue.path.join('.') || 'parameters'} ${issue.message}`)
    .join('; ');
}
