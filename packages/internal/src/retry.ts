/**
 * The one schema of retries by outcome (`retry: { busy: { afterMs, maxAttempts }, … }`): the
 * scheduler's `schedule()`, campaigns (through it) and the demo's request bodies (with its
 * snake_case names) are checked by it, with the same bounds and the same messages.
 */
import { z } from 'zod';
import { maxAttemptsSchema } from './options.js';
import { strictObject } from './strict.js';

/** The outcomes an attempt may be retried after, each with its own delay and cap. */
export const RETRY_OUTCOMES = ['busy', 'no-answer', 'failed', 'machine'] as const;

/** One of {@link RETRY_OUTCOMES}. */
export type RetryOutcome = (typeof RETRY_OUTCOMES)[number];

/** The longest wait before a retry: the longest delay a timer takes (about 24.8 days). */
export const MAX_RETRY_AFTER_MS = 2_147_483_647;

/** What people call the outcomes elsewhere (Twilio, Telnyx, dialers' reports). */
const OUTCOME_ALIASES: Record<string, string> = {
  noanswer: 'no-answer',
  unanswered: 'no-answer',
  timeout: 'no-answer',
  engaged: 'busy',
  error: 'failed',
  failure: 'failed',
  voicemail: 'machine',
  answeringmachine: 'machine',
  amd: 'machine',
};

/**
 * The schema of `retry`, its two fields named as the caller's API names them.
 * @example retrySchemaWith({ afterMs: 'after_ms', maxAttempts: 'max_attempts' }) // the demo's
 */
export function retrySchemaWith<A extends string, M extends string>(names: {
  afterMs: A;
  maxAttempts: M;
}) {
  const rule = strictObject(
    {
      [names.afterMs]: z.number().int().min(0).max(MAX_RETRY_AFTER_MS),
      [names.maxAttempts]: maxAttemptsSchema,
    } as Record<A | M, z.ZodNumber>,
    {
      delay: names.afterMs,
      delayms: names.afterMs,
      wait: names.afterMs,
      attempts: names.maxAttempts,
    },
    'field',
  );
  return strictObject(
    {
      busy: rule.optional(),
      'no-answer': rule.optional(),
      failed: rule.optional(),
      machine: rule.optional(),
    },
    OUTCOME_ALIASES,
    'outcome',
  );
}

/** `retry` with the packages' names: `{ busy: { afterMs, maxAttempts }, … }`. */
export const retrySchema = retrySchemaWith({ afterMs: 'afterMs', maxAttempts: 'maxAttempts' });
