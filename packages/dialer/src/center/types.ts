import type { CallProvider, CallStatusEvent, Clock, CountryCode } from '@ringkit/call-client';
import type { Emitter } from 'mitt';
import type {
  DispatchLoop,
  Scheduler,
  SchedulerOptions,
  Store,
  SuppressionList,
  Agents,
} from '@ringkit/scheduler-core';
import type { Campaigns, CampaignsOptions } from '../campaign/types.js';
import type { StatusRoute } from './_route.js';

export type { StatusRoute } from './_route.js';

/** Options of {@link createCallCenter}. */
export interface CallCenterOptions {
  /**
   * The one store: scheduled calls, every campaign with its entries, the call records (inbound
   * ones too), the do-not-call list and the named budgets. `createSqliteStore`,
   * `createPostgresStore` or `createMemoryStore` of `@ringkit/scheduler-core`.
   */
  store: Store;
  /** Places the scheduled calls, and the campaigns' unless `campaignProvider` is given. */
  provider: CallProvider;
  /**
   * Places the campaigns' calls when not `provider`: another provider (another account, another
   * API) under another `name`, or the same one under the same name (`provider` wrapped, e.g. with
   * a time limit for campaign calls). A call is placed only through the provider named on it.
   */
  campaignProvider?: CallProvider;
  /** The app's own number: `from` of every call record. */
  callerId: string;
  /** @default systemClock */
  clock?: Clock;
  /** The country of numbers written without a country code. @default 'US' */
  defaultCountry?: CountryCode;
  /** The scheduler's own options (`callsPerSecond`, `budget`, `retention`, `concurrency`…). */
  scheduler?: Omit<
    SchedulerOptions,
    'store' | 'provider' | 'callerId' | 'clock' | 'defaultCountry' | 'loop'
  >;
  /** What every campaign of this process shares (`callTimeoutMs`, `refreshIntervalMs`…). */
  campaigns?: Omit<
    CampaignsOptions,
    'store' | 'provider' | 'callerId' | 'clock' | 'defaultCountry' | 'loop'
  >;
}

/** The events of a {@link CallCenter} itself (its parts' are on `scheduler` and `campaigns`). */
export type CallCenterEvents = {
  /** Statuses held for a call no row carried, given up after the last look (see `handleStatus`). */
  unmatched: { events: CallStatusEvent[] };
  /** A held status could not be looked for or given to its call. */
  error: { error: unknown; source: 'status' };
};

/**
 * Scheduled calls, campaigns, inbound calls and the do-not-call list of one store, as one
 * system: one history per number, one list every call obeys, one way in for every status.
 */
export interface CallCenter {
  /** Scheduled calls: `schedule`, `cancel`, `reschedule`, `list`, `counts`, their events. */
  readonly scheduler: Scheduler;
  /** The campaigns (`create`, `pause`, `stop`, `results`…); `null` on a store without them. */
  readonly campaigns: Campaigns | null;
  /**
   * The one dispatch loop of the scheduler and every campaign here: one timer, one sweep, one
   * wake-up channel (`loop.engines` counts the parts working on it, `loop.timers` their waits).
   */
  readonly loop: DispatchLoop;
  /** The one do-not-call list; `null` on a store without suppression methods. */
  readonly suppressions: SuppressionList | null;
  /** The agents of the store, shared by every worker; `null` on a store without agent methods. */
  readonly agents: Agents | null;
  /** `scheduler.schedule`. */
  schedule: Scheduler['schedule'];
  /** A number's one history, newest first: scheduled calls, campaign calls, inbound calls. */
  history: Scheduler['history'];
  /**
   * Every call of the store, whatever its numbers, newest first, filtered by direction,
   * statuses, a time range and a number (`scheduler.callLog`): scheduled, campaign and inbound
   * calls in one log.
   */
  callLog: Scheduler['callLog'];
  /** Merges a call record into its one record by id (`scheduler.recordCall`). */
  recordCall: Scheduler['recordCall'];
  /**
   * Records one webhook's news of a call to the app's number, as call-client's voice handlers
   * give it (`scheduler.recordInbound`): every update of one call merges into one line of the
   * caller's and the app number's history.
   */
  recordInbound: Scheduler['recordInbound'];
  /**
   * A provider's status event, from any webhook: found by one indexed look-up of its provider
   * (`event.provider`, else `provider`'s name) and its id (none for a call this process placed,
   * nor for the statuses after a call's first), and given to its owner alone: the scheduled
   * call, or the campaign entry, whose call it is. A status no row carries yet (a
   * webhook that outran the placement's answer, here or in another worker) is held once for the
   * process and looked for again (50 ms, then further apart, about 36 s in all): it goes to its
   * call when found, else is given up as `unmatched`. Statuses of one call are handled in the
   * order they came. Rejects with an `InvalidOptionsError` for an event that is no
   * `CallStatusEvent`, with `CallCenterClosedError` after `stop()`, and with what the store
   * rejected with: the provider may send it again.
   */
  handleStatus(event: CallStatusEvent): Promise<StatusRoute>;
  /** Starts dispatching scheduled calls and joins every stored campaign not done. */
  start(): Promise<void>;
  /**
   * Stops this process's work: no new claims; calls in flight are recorded; campaigns go on in
   * the store for the next worker. The store stays open (its owner closes it).
   */
  stop(): Promise<void>;
  on: Emitter<CallCenterEvents>['on'];
  off: Emitter<CallCenterEvents>['off'];
}
