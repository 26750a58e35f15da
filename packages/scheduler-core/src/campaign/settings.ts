import { DEFAULT_CALL_TIMEOUT_MS } from '@ringkit/internal';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import type { StoredCampaign } from '../store.js';
import type { CallingWindow, RetryBackoff } from '../types.js';
import { customIssue } from '../_validate.js';

/** The settings every worker of a campaign shares: stored with it when it is created. */
export interface CampaignSettings {
  /** Placements per second for the whole campaign, across workers; `null` for no bound. */
  callsPerSecond: number | null;
  /**
   * Hours in which its calls may be placed, in `window.timezone`; with `'callee'`, in each
   * entry's own zones (resolved per entry when the campaign is created).
   */
  window: CallingWindow | null;
  /** Attempts per entry (`busy`, `no-answer` and a `failed` the provider reported are retried). */
  maxAttempts: number;
  retryBackoff: Required<RetryBackoff> | null;
  /**
   * How long a placed call may take before it is checked and ended `timeout`; also how long an
   * entry whose placement's outcome is unknown keeps its place under the cap.
   */
  callTimeoutMs: number;
}

/** A retry at once: the entry goes ahead of the entries after it. */
const AT_ONCE: Required<RetryBackoff> = { delayMs: 0, factor: 1, maxDelayMs: 0 };

/** The settings a campaign is created with, from a runner's options (their defaults applied). */
export function settingsOf(options: {
  callsPerSecond?: number;
  window?: CallingWindow;
  maxAttempts?: number;
  retryBackoff?: RetryBackoff;
  callTimeoutMs?: number;
}): CampaignSettings {
  return {
    callsPerSecond: options.callsPerSecond ?? null,
    window: options.window ?? null,
    maxAttempts: options.maxAttempts ?? 1,
    retryBackoff: options.retryBackoff ? { ...AT_ONCE, ...options.retryBackoff } : AT_ONCE,
    callTimeoutMs: options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
  };
}

const settingsSchema = z.object({
  callsPerSecond: z.number().positive().nullable(),
  window: z
    .object({
      start: z.string(),
      end: z.string(),
      timezone: z.string(),
      fallbackTimezone: z.string().optional(),
    })
    .nullable(),
  maxAttempts: z.number().int().min(1),
  retryBackoff: z
    .object({ delayMs: z.number(), factor: z.number(), maxDelayMs: z.number() })
    .nullable(),
  callTimeoutMs: z.number().int().min(1),
});

/** A campaign's settings as stored; a store's unreadable settings are an error, not a guess. */
export function campaignSettings(campaign: StoredCampaign): CampaignSettings {
  const parsed = settingsSchema.safeParse(campaign.settings);
  if (!parsed.success) {
    throw new ValidationError(`settings of campaign ${JSON.stringify(campaign.id)}`, [
      customIssue(['settings'], parsed.error.issues.map((i) => i.message).join('; ')),
    ]);
  }
  return parsed.data;
}
