import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  toE164,
  type CallOptions,
  type CallProvider,
  type Clock,
  type CountryCode,
} from '@ringkit/call-client';
import {
  callsPerSecondSchema,
  sharedBudgetSchema,
  clockSchema,
  concurrencySchema,
  countryCodeSchema,
  MAX_TIMER_MS,
  maxAttemptsSchema,
  providerSchema,
  storable,
  strictObject,
  timerMsSchema,
  type TracerLike,
} from '@ringkit/internal';
import { z } from 'zod';
import { invalidOptions } from '../errors.js';
import type { Store } from '../store.js';
import type { CallingWindow, RetryBackoff, RetryByOutcome, SharedBudget } from '../types.js';
import { doNotCallSchema, loopOf } from '../options.js';
import { dispatchLoopSchema, type DispatchLoop } from '../dispatch/loop.js';
import { customIssue } from '../_validate.js';
import {
  settingsOf,
  type CampaignAgentSettings,
  type CampaignMode,
  type CampaignSettings,
} from './settings.js';

/** One entry of a campaign's list. */
export interface CampaignEntryInput {
  /** The number, in any form `toE164` accepts; stored in E.164. */
  to: string;
  /** The entry's own call options, sent with each of its attempts (checked against the provider). */
  call?: CallOptions;
}

/** Options of {@link createCampaignRunner}. */
export interface CampaignRunnerOptions {
  /** A store with the campaign methods: `createMemoryStore()`, `createSqliteStore()`, `createPostgresStore()`. */
  store: Store;
  provider: CallProvider;
  /** The campaign's name: unique in the store, the same in every worker that joins it. */
  campaign: string;
  /**
   * The list, in order. Given: `start()` creates the campaign, or joins it when it exists with
   * the same list (another list is a `ConflictError`, reason `campaign_mismatch`). Left out:
   * `start()` joins an existing campaign (`CallNotFoundError` when there is none).
   */
  entries?: readonly CampaignEntryInput[];
  /**
   * With `entries`: `start()` creates the campaign or fails, with a `ConflictError` (reason
   * `campaign_exists`) when one of that name is stored, whatever its list. Of concurrent
   * exclusive starts, in one process or many, exactly one creates it.
   * @default false: an identical list joins the stored campaign
   */
  exclusive?: boolean;
  /** The app's own number: `from` of the call records. */
  callerId: string;
  /**
   * Calls of the campaign live at once across every worker, from claim to end. Used when the
   * campaign is created; change it later with `setConcurrency()`.
   * @default 3
   */
  concurrency?: number;
  /** Stored at creation (see {@link CampaignSettings}); a joining worker uses the stored ones. */
  callsPerSecond?: number;
  /**
   * Stored at creation: shares `callsPerSecond` by weight with the scheduler and the campaigns
   * naming the same budget in the store (see `SchedulerOptions.budget`). Needs `callsPerSecond`.
   */
  budget?: SharedBudget;
  window?: CallingWindow;
  /** @default 1 */
  maxAttempts?: number;
  /**
   * Without `retry` (a `ValidationError` with it).
   * @default { delayMs: 0, factor: 1, maxDelayMs: 0 }: a retry is due at once, ahead of the entries after it.
   */
  retryBackoff?: RetryBackoff;
  /**
   * Retries by outcome, each with its own delay and cap, as `schedule()`'s `retry`: stored with
   * the campaign and applied to every entry. `machine` needs every entry's `call.machineDetection`.
   * A retry's `afterMs` of 0 puts it ahead of the entries after it; a later one waits, and the
   * entries after it are dialed meanwhile.
   * @example retry: { busy: { afterMs: 300_000, maxAttempts: 3 }, 'no-answer': { afterMs: 3_600_000, maxAttempts: 2 } }
   */
  retry?: RetryByOutcome;
  /** @default 14400000 (4 hours) */
  callTimeoutMs?: number;
  /** @default systemClock */
  clock?: Clock;
  /**
   * The process's dispatch loop over `store` (`createDispatchLoop`), shared with the scheduler
   * and the other campaigns of the store: one timer, one sweep and one wake-up channel for all.
   * @default a loop of its own
   */
  loop?: DispatchLoop;
  /** @default `${hostname}:${pid}:${random}` */
  workerId?: string;
  /** @default 30000 */
  leaseMs?: number;
  /**
   * How often this worker reads the campaign again for what other workers changed (a pause,
   * places freed by calls that ended elsewhere).
   * @default 1000
   */
  recheckIntervalMs?: number;
  /** @default 1000 */
  watchIntervalMs?: number;
  /**
   * How many statuses of calls whose placement has not been answered yet this worker keeps, at
   * most (the oldest go first): a webhook may outrun its call's POST. 0 keeps none.
   * @default 1000
   */
  maxEarlyEvents?: number;
  /** @default 'US' */
  defaultCountry?: CountryCode;
  generateId?: () => string;
  tracer?: TracerLike;
  /**
   * The store whose do-not-call list the campaign's calls obey, when it is not `store` (see
   * `SchedulerOptions.doNotCall`): read right before every request leaves.
   * @default store
   */
  doNotCall?: Store;
  /**
   * How its lines are paced, stored at creation (see {@link CampaignMode}): `'power'` keeps
   * `concurrency` calls in flight with nobody behind them; `'progressive'`, `{ ratio }` and
   * `'predictive'` connect each person who answers to one of the campaign's agents (the store's,
   * `createAgents`) within 2 s, and need `agents`. In those modes `concurrency` stays a bound
   * on the lines, and an entry's `ringTimeoutS` below 15 is refused.
   * @default 'power'
   */
  mode?: CampaignMode;
  /** The agent modes' settings (required in them, refused in `'power'`); stored at creation. */
  agents?: CampaignAgentOptions;
}

/** What a campaign with agents takes (see {@link CampaignAgentSettings}). */
export interface CampaignAgentOptions {
  /** The seller's name, spoken to a person no agent reached in time: 1–100 characters. */
  sellerName: string;
  /** The number they may call back, spoken with it (national numbers in `defaultCountry`). */
  callbackNumber: string;
  /**
   * The most abandoned calls per person answering, over 30 days: the rule's 3 %, or lower.
   * @default 0.03
   */
  abandonCap?: number;
  /** @default 'hang-up' */
  machine?: 'hang-up' | { message: string };
  /** @default 10000 */
  wrapUpMs?: number;
}

/** The shortest ring of a call in the agent modes: 15 s (the TSR's, and the FCC's, rule). */
export const MIN_AGENT_RING_S = 15;

const agentOptionsSchema = strictObject({
  sellerName: storable(z.string().trim().min(1).max(100)),
  callbackNumber: z.string().min(1),
  abandonCap: z.number().gt(0).max(0.03, 'may be lowered from 0.03, never raised').optional(),
  machine: z
    .union([
      z.literal('hang-up'),
      strictObject({ message: storable(z.string().trim().min(1).max(1000)) }),
    ])
    .optional(),
  wrapUpMs: z.number().int().min(0).max(3_600_000).optional(),
});

/** A campaign's name: 1 to 200 characters every store holds as given. */
export const campaignNameSchema = storable(z.string().min(1).max(200));

const optionsSchema = z.looseObject({
  store: z.custom<Store>((v) => typeof v === 'object' && v !== null, 'a Store is required'),
  provider: providerSchema<CallProvider>(),
  campaign: campaignNameSchema,
  entries: z.array(z.unknown()).min(1).max(1_000_000).optional(),
  exclusive: z.boolean().optional(),
  callerId: z.string().min(1),
  concurrency: concurrencySchema.optional(),
  callsPerSecond: callsPerSecondSchema.optional(),
  budget: sharedBudgetSchema.optional(),
  maxAttempts: maxAttemptsSchema.optional(),
  callTimeoutMs: timerMsSchema.optional(),
  clock: clockSchema.optional(),
  loop: dispatchLoopSchema.optional(),
  workerId: storable(z.string().min(1).max(200)).optional(),
  leaseMs: z.number().int().min(100).max(86_400_000).optional(),
  recheckIntervalMs: z.number().int().min(0).max(MAX_TIMER_MS).optional(),
  watchIntervalMs: timerMsSchema.optional(),
  maxEarlyEvents: z.number().int().min(0).max(1_000_000).optional(),
  defaultCountry: countryCodeSchema.optional(),
  doNotCall: doNotCallSchema.optional(),
  mode: z
    .union([
      z.enum(['power', 'progressive', 'predictive']),
      strictObject({ ratio: z.number().min(0.1).max(20) }),
    ])
    .optional(),
  agents: agentOptionsSchema.optional(),
});

const CAMPAIGN_METHODS = [
  'insertCampaign',
  'getCampaign',
  'updateCampaign',
  'claimCampaign',
  'nextCampaignWake',
  'listCampaignCalls',
  'countCampaign',
] as const;

/** A store with every campaign method. */
export type CampaignStore = Store & Required<Pick<Store, (typeof CAMPAIGN_METHODS)[number]>>;

/** Whether `store` has every method a campaign needs. */
export const supportsCampaigns = (store: Store): store is CampaignStore =>
  CAMPAIGN_METHODS.every((m) => typeof store[m] === 'function');

/** A runner's options, checked and with this worker's defaults applied. */
export interface ResolvedCampaignOptions {
  store: CampaignStore;
  /** The campaign's name. */
  id: string;
  /** The loop's clock: every timer of the runner is one of the loop's. */
  clock: Clock;
  loop: DispatchLoop;
  defaultCountry: CountryCode;
  workerId: string;
  generateId: () => string;
  leaseMs: number;
  recheckIntervalMs: number;
  /** In E.164. */
  callerId: string;
  /** The settings the campaign is stored with when this worker creates it. */
  created: CampaignSettings;
}

/** A number among the runner's options, in E.164. @throws the options error naming `path` */
function optionNumber(value: string, path: string[], defaultCountry: CountryCode): string {
  try {
    return toE164(value, { defaultCountry });
  } catch (error) {
    throw invalidOptions('campaign', [
      customIssue(path, error instanceof Error ? error.message : 'not a phone number'),
    ]);
  }
}

/** The agent settings of `options`, checked, or `null` in `'power'`. @throws the options error */
function agentSettingsOf(
  options: CampaignRunnerOptions,
  defaultCountry: CountryCode,
): CampaignAgentSettings | null {
  const mode = options.mode ?? 'power';
  if (mode === 'power') {
    if (options.agents) {
      throw invalidOptions('campaign', [
        customIssue(
          ['agents'],
          "agent settings need an agent mode ('progressive', 'predictive' or { ratio })",
        ),
      ]);
    }
    return null;
  }
  const given = options.agents;
  if (!given) {
    throw invalidOptions('campaign', [
      customIssue(
        ['agents'],
        `mode ${JSON.stringify(mode)} needs agents: { sellerName, callbackNumber }`,
      ),
    ]);
  }
  if (!supportsAgents(options.store)) {
    throw invalidOptions('campaign', [
      customIssue(
        ['store'],
        `the store "${options.store.name}" has no agent methods (insertAgent…)`,
      ),
    ]);
  }
  const callbackNumber = optionNumber(
    given.callbackNumber,
    ['agents', 'callbackNumber'],
    defaultCountry,
  );
  return {
    sellerName: given.sellerName.trim(),
    callbackNumber,
    abandonCap: given.abandonCap ?? 0.03,
    machine:
      given.machine === undefined || given.machine === 'hang-up'
        ? 'hang-up'
        : { message: given.machine.message.trim() },
    wrapUpMs: given.wrapUpMs ?? 10_000,
  };
}

const AGENT_METHODS = [
  'insertAgent',
  'getAgent',
  'listAgents',
  'readyAgents',
  'updateAgent',
  'deleteAgent',
] as const;

/** Whether `store` keeps agents. */
export const supportsAgents = (store: Store): boolean =>
  AGENT_METHODS.every((m) => typeof store[m] === 'function');

/** Checks a runner's options and applies their defaults. @throws the options error */
export function resolveCampaignOptions(options: CampaignRunnerOptions): ResolvedCampaignOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw invalidOptions('campaign', parsed.error.issues);
  if (!supportsCampaigns(options.store)) {
    throw invalidOptions('campaign', [
      customIssue(
        ['store'],
        `the store "${options.store.name}" has no campaign methods (claimCampaign…)`,
      ),
    ]);
  }
  if (options.budget && options.callsPerSecond === undefined) {
    throw invalidOptions('campaign', [
      customIssue(['budget'], "a shared budget needs callsPerSecond (the budget's total)"),
    ]);
  }
  const store: CampaignStore = options.store;
  const defaultCountry = options.defaultCountry ?? 'US';
  const loop = loopOf(options, 'campaign');
  const resolved = {
    store,
    id: options.campaign,
    clock: loop.clock,
    loop,
    defaultCountry,
    workerId: options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    generateId: options.generateId ?? randomUUID,
    leaseMs: options.leaseMs ?? 30_000,
    recheckIntervalMs: options.recheckIntervalMs ?? 1000,
  };
  const callerId = optionNumber(options.callerId, ['callerId'], defaultCountry);
  const agents = agentSettingsOf(options, defaultCountry);
  return {
    ...resolved,
    callerId,
    created: settingsOf({ ...options, mode: options.mode ?? 'power', agents }),
  };
}
