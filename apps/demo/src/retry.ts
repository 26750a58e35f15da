/**
 * Retries by outcome as the API takes and shows them, on scheduled calls and campaigns alike:
 * `retry: { busy: { after_ms, max_attempts }, 'no-answer': {…}, failed: {…}, machine: {…} }`.
 * The shape is the packages' one schema with the API's names; what depends on the rest of the
 * request (`retry_backoff` beside it, `machine` without machine detection) is the scheduler's
 * check, answered 400 with its issues.
 */
import { retrySchemaWith } from '@ringkit/internal';
import type { AttemptCounts, RetryByOutcome, RetryOutcome } from '@ringkit/scheduler-core';
import type { z } from 'zod';

/** The `retry` field of a request body. */
export const retryField = retrySchemaWith({ afterMs: 'after_ms', maxAttempts: 'max_attempts' });

export type RetryBody = z.output<typeof retryField>;

/** A checked `retry` body in the packages' words. */
export function toRetry(body: RetryBody): RetryByOutcome {
  const retry: RetryByOutcome = {};
  for (const [outcome, rule] of Object.entries(body)) {
    if (rule)
      retry[outcome as RetryOutcome] = { afterMs: rule.after_ms, maxAttempts: rule.max_attempts };
  }
  return retry;
}

/** Retries by outcome in the API's words; `null` for none. */
export function serializeRetry(retry: RetryByOutcome | null) {
  if (!retry) return null;
  const out: Record<string, { after_ms: number; max_attempts: number }> = {};
  for (const [outcome, rule] of Object.entries(retry)) {
    if (rule) out[outcome] = { after_ms: rule.afterMs, max_attempts: rule.maxAttempts };
  }
  return out;
}

/** Attempts by how each ended (`{ busy: 2, machine: 1 }`), as the API shows them. */
export const serializeAttemptCounts = (counts: AttemptCounts | undefined): AttemptCounts => ({
  ...counts,
});
