import { DEFAULT_CALL_TIMEOUT_MS, retrySchema } from '@ringkit/internal';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import type { StoredCampaign } from '../store.js';
import type { LinePacingMode } from '../agents/pacing.js';
import type { CallingWindow, RetryBackoff, RetryByOutcome, SharedBudget } from '../types.js';
import { mostAttempts } from '../_retry.js';
import { customIssue } from '../_validate.js';

/** The settings every worker of a campaign shares: stored with it when it is created. */
export interface CampaignSettings {
  /** Placements per second for the whole campaign, across workers; `null` for no bound. */
  callsPerSecond: number | null;
  /**
   * The named budget whose `callsPerSecond` it shares by weight with the scheduler and campaigns
   * naming it in the store; `null`: the campaign's budget is its own.
   */
  budget: { name: string; weight: number } | null;
  /**
   * Hours in which its calls may be placed, in `window.timezone`; with `'callee'`, in each
   * entry's own zones (resolved per entry when the campaign is created).
   */
  window: CallingWindow | null;
  /**
   * Attempts per entry. Without `retry`: `busy`, `no-answer` and a `failed` the provider
   * reported are retried after `retryBackoff`. With it: a bound on all attempts together (by
   * default the most its caps allow).
   */
  maxAttempts: number;
  /** `null` with `retry`. */
  retryBackoff: Required<RetryBackoff> | null;
  /** Retries by outcome (see `ScheduleInput.retry`); `null` when `maxAttempts` and `retryBackoff` decide. */
  retry: RetryByOutcome | null;
  /**
   * How long a placed call may take before it is checked and ended `timeout`; also how long an
   * entry whose placement's outcome is unknown keeps its place under the cap.
   */
  callTimeoutMs: number;
  /** How its lines are paced: `'power'` (no agents) or one of the agent modes. */
  mode: CampaignMode;
  /** The agent modes' settings; `null` in `'power'`. */
  agents: CampaignAgentSettings | null;
}

/**
 * How a campaign's lines are paced: `'power'` keeps `concurrency` calls in flight with nobody
 * behind them; the others connect each person who answers to one of the campaign's agents, and
 * dial one line per ready agent (`'progressive'`), a fixed number per ready agent (`{ ratio }`)
 * or as many as hold the abandon rate under its cap (`'predictive'`, see `createLinePacer`).
 */
export type CampaignMode = 'power' | LinePacingMode;

/** What a campaign with agents needs: the safe-harbour message's parts, and its rules. */
export interface CampaignAgentSettings {
  /** The seller's name, spoken to a person no agent reached in time. */
  sellerName: string;
  /** The number they may call back (E.164), spoken with it. */
  callbackNumber: string;
  /** The most abandoned calls per person answering, over 30 days: 0.03 or lower. */
  abandonCap: number;
  /** What a machine that answers gets: a hang-up, or a message left. */
  machine: 'hang-up' | { message: string };
  /** An agent's wrap-up after each call, ms. */
  wrapUpMs: number;
}

/** A retry at once: the entry goes ahead of the entries after it. */
const AT_ONCE: Required<RetryBackoff> = { delayMs: 0, factor: 1, maxDelayMs: 0 };

/** The settings a campaign is created with, from a runner's options (their defaults applied). */
export function settingsOf(options: {
  callsPerSecond?: number;
  budget?: SharedBudget;
  window?: CallingWindow;
  maxAttempts?: number;
  retryBackoff?: RetryBackoff;
  retry?: RetryByOutcome;
  callTimeoutMs?: number;
  mode?: CampaignMode;
  agents?: CampaignAgentSettings | null;
}): CampaignSettings {
  const retry = options.retry ?? null;
  // With `retry`, a `retryBackoff` given too is kept, so that the entries' check refuses it.
  const backoff = options.retryBackoff ? { ...AT_ONCE, ...options.retryBackoff } : null;
  return {
    callsPerSecond: options.callsPerSecond ?? null,
    budget: options.budget
      ? { name: options.budget.name, weight: options.budget.weight ?? 1 }
      : null,
    window: options.window ?? null,
    maxAttempts: options.maxAttempts ?? (retry ? mostAttempts(retry) : 1),
    retryBackoff: retry ? backoff : (backoff ?? AT_ONCE),
    retry,
    callTimeoutMs: options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
    mode: options.mode ?? 'power',
    agents: options.agents ?? null,
  };
}

const settingsSchema = z.object({
  callsPerSecond: z.number().positive().nullable(),
  // Campaigns stored before shared budgets have none.
  budget: z.object({ name: z.string(), weight: z.number().positive() }).nullable().default(null),
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
  // Campaigns stored before retries by outcome have none.
  retry: retrySchema.nullable().default(null),
  callTimeoutMs: z.number().int().min(1),
  // Campaigns stored before agents are power campaigns.
  mode: z
    .union([
      z.enum(['power', 'progressive', 'predictive']),
      z.object({ ratio: z.number().positive() }),
    ])
    .default('power'),
  agents: z
    .object({
      sellerName: z.string(),
      callbackNumber: z.string(),
      abandonCap: z.number().positive(),
      machine: z.union([z.literal('hang-up'), z.object({ message: z.string() })]),
      wrapUpMs: z.number().int().min(0),
    })
    .nullable()
    .default(null),
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
