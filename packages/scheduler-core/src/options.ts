import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  systemClock,
  toE164,
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
  createTracing,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_WATCH_INTERVAL_MS,
  timerMsSchema,
  MAX_TIMER_MS,
  tracerSchema,
  providerSchema,
  storable,
  strictObject,
  type TracerLike,
  type Tracing,
} from '@ringkit/internal';
import { z } from 'zod';
import { invalidOptions } from './errors.js';
import type { Store } from './store.js';
import type { SharedBudget } from './types.js';
import { customIssue } from './_validate.js';
import {
  createDispatchLoop,
  dispatchLoopSchema,
  loopParts,
  type DispatchLoop,
} from './dispatch/loop.js';

/** Options of {@link createScheduler}. */
export interface SchedulerOptions {
  /** Where calls, leases and history live: `createMemoryStore()`, `createSqliteStore({ path })`, or yours. */
  store: Store;
  /** Places the calls, e.g. `createMockCallApiClient()`. */
  provider: CallProvider;
  /** The app's own number: `from` of every call record. Normalised to E.164. */
  callerId: string;
  /**
   * The source of time; tests pass a fake one.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * The process's dispatch loop over `store` (`createDispatchLoop`), shared with the campaign
   * runners of the same store: one timer, one sweep and one wake-up channel for all of them.
   * Its clock is the scheduler's (`clock`, when given, must be the one the loop was made with).
   * @default a loop of its own
   */
  loop?: DispatchLoop;
  /**
   * Placements (requests to the provider) in flight at once, per scheduler.
   * @default 10
   */
  concurrency?: number;
  /**
   * How long a claim holds a call, in ms; renewed while the request is in flight. A crashed
   * worker's calls are reclaimed when it runs out.
   * @default 30000
   */
  leaseMs?: number;
  /**
   * This worker's name in leases.
   * @default `${hostname}:${pid}:${random}`
   */
  workerId?: string;
  /**
   * The country assumed for numbers written without a country code.
   * @default 'US'
   */
  defaultCountry?: CountryCode;
  /**
   * A slow safety re-check of the store, in ms, for calls added by other processes sharing it
   * (stores without `subscribe`). `0` turns it off (the timer is still re-armed by every change
   * made through this scheduler).
   * @default 30000
   */
  recheckIntervalMs?: number;
  /**
   * Milliseconds between two status polls of a placed call, for providers followed by polling:
   * the interval of `watchCall`. The same option as the dialer's.
   * @default 1000
   */
  watchIntervalMs?: number;
  /**
   * A placed call that has not ended this long after it was placed (its webhooks were lost, or
   * its provider went quiet) is checked once with `getCall` where the provider has it, and
   * otherwise ends `failed` with reason `timeout`. It is never retried: it may have rung.
   * The default is the longest call most providers allow.
   * @default 14400000 (4 hours)
   */
  callTimeoutMs?: number;
  /**
   * Makes ids for new calls.
   * @default crypto.randomUUID
   */
  generateId?: () => string;
  /**
   * The most calls placed in any one second. With a store that keeps send budgets (the built-in
   * ones: `reserveSendSlot`, and `claimDue`'s `budget`) it is one budget for every worker using the store together;
   * otherwise it is paced in this process. Calls wait their turn in due order; slots are spaced
   * `1100 / callsPerSecond` ms apart so that a request up to 100 ms late still keeps the bound
   * (see "Pacing" in the campaigns guide, `docs/guide/campaigns.md`). A provider client's own `callsPerSecond` applies as well.
   * @default unlimited
   * @example callsPerSecond: 1 // a Twilio account's default CPS
   */
  callsPerSecond?: number;
  /**
   * Shares `callsPerSecond` with every campaign and scheduler that names the same budget in the
   * store (one provider account, say), by weight: while others wait for slots too, this
   * scheduler gets `weight / Σ weights` of them; one that has nothing to send leaves its part to
   * the others at once. The total never exceeds `callsPerSecond`, which every sharer must give
   * alike. Needs `callsPerSecond`, and a store that keeps send budgets (the built-in ones). See
   * "Fair shares" in the campaigns guide (`docs/guide/campaigns.md`).
   * @default undefined (the store's own budget, for the scheduler alone)
   * @example budget: { name: 'twilio', weight: 1 }
   */
  budget?: SharedBudget;
  /**
   * The store whose do-not-call list the scheduler's calls obey, when it is not `store`: where a
   * scheduler and campaigns keep separate stores, one list (in one of them) serves both. `store`'s
   * claims never see that list, so it is read right before every request leaves (otherwise the
   * claim's own reading serves a request that leaves within 50 ms of it). A store with the
   * suppression methods (`getSuppression`…).
   * @default store
   */
  doNotCall?: Store;
  /**
   * The OpenTelemetry tracer of the scheduler's spans (`ringkit.scheduler.dispatch` for each
   * claim, `ringkit.scheduler.place` for each placement). By default the one of the global
   * tracer provider, when `@opentelemetry/api` is installed. The provider client traces its
   * requests itself (`ringkit.place_call`, a child of `ringkit.scheduler.place`).
   */
  tracer?: TracerLike;
  /**
   * Deletes what has piled up: finished calls and call records older than the given number of
   * days (fractions allowed), in small batches, by whichever worker holds the store's short
   * `retention` lease, so workers sharing a store never delete at the same time and claims are
   * never held up. Off by default: nothing is ever deleted. Needs a store with
   * `deleteFinished`, `deleteCallRecords` and `acquireLease` (all three built-in stores).
   * @example retention: { finishedAfterDays: 30, historyAfterDays: 365 }
   */
  retention?: RetentionOptions;
}

/** What `retention` deletes, and how. */
export interface RetentionOptions {
  /**
   * A call in a finished status (`completed`, `busy`, `no-answer`, `failed`, `canceled`) is
   * deleted this many days after its last change (when it ended). Unset: kept.
   */
  finishedAfterDays?: number;
  /** A call record (history) is deleted this many days after its call started. Unset: kept. */
  historyAfterDays?: number;
  /**
   * A do-not-call entry whose `until` has passed (it stops nothing any more) is deleted this
   * many days after it. Unset: kept (an entry without `until` is never deleted).
   */
  suppressionsAfterDays?: number;
  /**
   * How often a pass runs, in ms. A pass deletes batch after batch until nothing older is left.
   * @default 60000
   */
  intervalMs?: number;
  /**
   * Rows deleted by one statement (one short transaction).
   * @default 500
   */
  batchSize?: number;
}

const isFunction = (v: unknown) => typeof v === 'function';

/** `doNotCall`: a store that can say whether a number is listed. */
export const doNotCallSchema = z.custom<Store>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Partial<Store>).getSuppression === 'function',
  'a Store with the suppression methods (getSuppression…)',
);

const optionsSchema = strictObject(
  {
    store: z.custom<Store>((v) => typeof v === 'object' && v !== null, 'a Store is required'),
    provider: providerSchema<CallProvider>(),
    callerId: z.string().min(1),
    clock: clockSchema.optional(),
    loop: dispatchLoopSchema.optional(),
    concurrency: concurrencySchema.optional(),
    leaseMs: z.number().int().min(100).max(86_400_000).optional(),
    workerId: storable(z.string().min(1).max(200)).optional(),
    defaultCountry: countryCodeSchema.optional(),
    recheckIntervalMs: z.number().int().min(0).max(MAX_TIMER_MS).optional(),
    watchIntervalMs: timerMsSchema.optional(),
    callTimeoutMs: timerMsSchema.optional(),
    generateId: z.custom<() => string>(isFunction, 'expected a function').optional(),
    callsPerSecond: callsPerSecondSchema.optional(),
    budget: sharedBudgetSchema.optional(),
    doNotCall: doNotCallSchema.optional(),
    tracer: tracerSchema.optional(),
    retention: strictObject({
      finishedAfterDays: z.number().positive('must be above 0').max(36_500).optional(),
      historyAfterDays: z.number().positive('must be above 0').max(36_500).optional(),
      suppressionsAfterDays: z.number().min(0).max(36_500).optional(),
      intervalMs: z.number().int().min(1).max(MAX_TIMER_MS).optional(),
      batchSize: z.number().int().min(1).max(10_000).optional(),
    })
      .refine(
        (r) =>
          r.finishedAfterDays !== undefined ||
          r.historyAfterDays !== undefined ||
          r.suppressionsAfterDays !== undefined,
        'give finishedAfterDays, historyAfterDays, suppressionsAfterDays, or several',
      )
      .optional(),
  },
  {
    from: 'callerId',
    caller: 'callerId',
    maxconcurrency: 'concurrency',
    parallel: 'concurrency',
    cps: 'callsPerSecond',
    ratelimit: 'callsPerSecond',
    lease: 'leaseMs',
    worker: 'workerId',
    country: 'defaultCountry',
    timeout: 'callTimeoutMs',
    pollintervalms: 'watchIntervalMs',
  },
);

/** The options with every default applied. */
export interface ResolvedOptions {
  store: Store;
  provider: CallProvider;
  callerId: string;
  /** The loop's clock: every timer of the scheduler is one of the loop's. */
  clock: Clock;
  loop: DispatchLoop;
  concurrency: number;
  leaseMs: number;
  workerId: string;
  defaultCountry: CountryCode;
  recheckIntervalMs: number;
  watchIntervalMs: number;
  callTimeoutMs: number;
  generateId: () => string;
  callsPerSecond: number | undefined;
  /** `budget`, its weight given (1 by default). */
  budget: { name: string; weight: number } | null;
  /** The store of the do-not-call list, when not `store`. */
  doNotCall: Store | undefined;
  tracing: Tracing;
  retention: ResolvedRetention | null;
}

/** `retention` with its defaults, in ms. */
export interface ResolvedRetention {
  finishedAfterMs: number | null;
  historyAfterMs: number | null;
  suppressionsAfterMs: number | null;
  intervalMs: number;
  batchSize: number;
}

const DAY_MS = 86_400_000;

/** Checks the options (an `InvalidOptionsError` naming each bad one) and applies the defaults. */
export function resolveOptions(options: SchedulerOptions): ResolvedOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw invalidOptions('scheduler', parsed.error.issues);
  const defaultCountry = options.defaultCountry ?? 'US';
  let callerId: string;
  try {
    callerId = toE164(options.callerId, { defaultCountry });
  } catch (error) {
    throw invalidOptions('scheduler', [
      customIssue(['callerId'], error instanceof Error ? error.message : 'not a phone number'),
    ]);
  }
  const { retention } = options;
  if (options.budget && options.callsPerSecond === undefined) {
    throw invalidOptions('scheduler', [
      customIssue(['budget'], "a shared budget needs callsPerSecond (the budget's total)"),
    ]);
  }
  if (options.budget && !options.store.reserveSendSlot) {
    throw invalidOptions('scheduler', [
      customIssue(
        ['budget'],
        `the store "${options.store.name}" keeps no shared budgets (it has no reserveSendSlot)`,
      ),
    ]);
  }
  if (
    retention &&
    !(options.store.deleteFinished && options.store.deleteCallRecords && options.store.acquireLease)
  ) {
    throw invalidOptions('scheduler', [
      customIssue(
        ['retention'],
        `the store "${options.store.name}" cannot delete (it has no deleteFinished, deleteCallRecords and acquireLease)`,
      ),
    ]);
  }
  const loop = loopOf(options, 'scheduler');
  return {
    store: options.store,
    provider: options.provider,
    callerId,
    clock: loop.clock,
    loop,
    concurrency: options.concurrency ?? 10,
    leaseMs: options.leaseMs ?? 30_000,
    workerId: options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    defaultCountry,
    recheckIntervalMs: options.recheckIntervalMs ?? 30_000,
    watchIntervalMs: options.watchIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS,
    callTimeoutMs: options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
    generateId: options.generateId ?? randomUUID,
    callsPerSecond: options.callsPerSecond,
    budget: options.budget
      ? { name: options.budget.name, weight: options.budget.weight ?? 1 }
      : null,
    doNotCall: options.doNotCall,
    tracing: createTracing('@ringkit/scheduler-core', options.tracer),
    retention: retention
      ? {
          finishedAfterMs:
            retention.finishedAfterDays === undefined
              ? null
              : Math.round(retention.finishedAfterDays * DAY_MS),
          historyAfterMs:
            retention.historyAfterDays === undefined
              ? null
              : Math.round(retention.historyAfterDays * DAY_MS),
          suppressionsAfterMs:
            retention.suppressionsAfterDays === undefined
              ? null
              : Math.round(retention.suppressionsAfterDays * DAY_MS),
          intervalMs: retention.intervalMs ?? 60_000,
          batchSize: retention.batchSize ?? 500,
        }
      : null,
  };
}

/**
 * The dispatch loop of a scheduler or a campaign runner: the one given (over the same store, on
 * the same clock), or a loop of its own. @throws InvalidOptionsError
 */
export function loopOf(
  options: { store: Store; clock?: Clock | undefined; loop?: DispatchLoop | undefined },
  name: string,
): DispatchLoop {
  const { loop } = options;
  if (!loop)
    return createDispatchLoop({ store: options.store, clock: options.clock ?? systemClock });
  if (loop.store !== options.store) {
    throw invalidOptions(name, [customIssue(['loop'], 'the loop works another store')]);
  }
  if (options.clock && options.clock !== loopParts(loop).base) {
    throw invalidOptions(name, [
      customIssue(
        ['clock'],
        'the loop runs on another clock (leave `clock` out, or make the loop with it)',
      ),
    ]);
  }
  return loop;
}
