import type {
  AnsweredBy,
  CallOptions,
  CallProvider,
  CallStatusEvent,
  Clock,
  CountryCode,
  PlacementOutcome,
  TerminalCallStatus,
} from '@ringkit/call-client';
import type {
  AttemptCounts,
  CallingWindow,
  CampaignRunnerOptions,
  DispatchLoop,
  RetryBackoff,
  RetryByOutcome,
  SharedBudget,
  Store,
} from '@ringkit/scheduler-core';
import type { Emitter } from 'mitt';
import type { StopOptions } from './stop-options.js';
import type { DialerAgentEvent } from './agent-event.js';
import type { TraceIds, TracerLike } from '@ringkit/internal';
import type { DialAttemptError } from './errors.js';

/**
 * Where an entry of the list is: `idle` (not dialed yet) → `dialing` (its POST is on its way)
 * → `initiated` → `ringing` → `answered` → one terminal status: `completed`, `busy`,
 * `no-answer`, `failed` or `canceled`. Within one attempt the status only moves forward.
 */
export type DialerEntryStatus =
  'idle' | 'dialing' | 'initiated' | 'ringing' | 'answered' | TerminalCallStatus;

/** One number of a dialer's list: the number alone, or with its own call options. */
export type DialerNumber = string | { phone: string; call?: CallOptions };

/** `idle` before `start()`, `done` once every entry has ended. */
export type DialerState = 'idle' | 'running' | 'paused' | 'done';

/** Options of {@link createDialer} for a list dialed in memory. */
export interface DialerOptions {
  /** Places the calls: any call-client `CallProvider` (webhook or polling flavour, or your own). */
  provider: CallProvider;
  /**
   * The numbers to dial, in order. A number listed twice is dialed twice. Each is normalised to
   * E.164 up front; any invalid one makes `createDialer` throw an `InvalidNumbersError` listing
   * them all. An entry may be `{ phone, call }`: its own `CallOptions` (what the call says, its
   * caller id, machine detection…), sent with each of its attempts and checked up front against
   * what the provider honours (`checkCallOptions`): a malformed one is an `InvalidOptionsError`
   * at `numbers.<index>.call.<option>`, one the provider cannot honour an
   * `UnsupportedCallOptionError`.
   * @example ['13018040009', { phone: '+1 (415) 555-2671', call: { say: 'Your order is ready.' } }]
   */
  numbers: readonly DialerNumber[];
  /**
   * How many calls are in flight at once while numbers remain. Change it later with
   * `setConcurrency()`.
   * @default 3
   */
  concurrency?: number;
  /**
   * Milliseconds an attempt may take, from its POST to a terminal status. When they pass, the
   * call is checked once with `provider.getCall` where the provider has it (a terminal answer
   * is taken), else the entry ends `failed` with a `DialAttemptError` of reason `timeout`.
   * The same option, with the same default, as the scheduler's: the longest call most providers
   * allow, so a call still in progress never loses its slot (`DEFAULT_CALL_TIMEOUT_MS`).
   * @default 14400000 (4 hours)
   */
  callTimeoutMs?: number;
  /**
   * Attempts per entry. Above 1, an attempt that ends `busy`, `no-answer` or `failed` (reported
   * by the provider, or a POST the provider surely did not accept) is followed at once by a new
   * attempt, ahead of the numbers not dialed yet. An attempt is one `placeCall` invocation;
   * call-client's own retries inside it do not count. Timeouts are never re-attempted.
   * @default 1
   */
  maxAttempts?: number;
  /**
   * The source of time for timeouts, polling and timestamps; pass a fake one in tests.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * The country assumed for numbers written without a country code.
   * @default 'US'
   */
  defaultCountry?: CountryCode;
  /**
   * Milliseconds between two status polls, for providers followed by polling (those with
   * `capabilities.polling` and without `capabilities.webhooks`): the interval of `watchCall`.
   * The same option as the scheduler's.
   * @default 1000
   */
  watchIntervalMs?: number;
  /**
   * Status events kept for calls whose POST has not answered yet (a webhook can arrive first).
   * Beyond it the oldest are dropped. Early events are also dropped once no POST is pending and
   * after `callTimeoutMs`.
   * @default 1000
   */
  maxEarlyEvents?: number;
  /**
   * The OpenTelemetry tracer of the engine's spans, `ringkit.scheduler.dispatch` and
   * `ringkit.scheduler.place` (the client's `ringkit.place_call` is its child). By default the
   * global tracer provider's, when `@opentelemetry/api` is installed.
   */
  tracer?: TracerLike;
}

/** One number of the list and what became of it. */
export interface DialerEntry {
  /** Its position in the list, from 0. */
  index: number;
  /** The number in E.164. */
  phone: string;
  /**
   * Where the latest attempt is, or how it ended. An entry waiting for its next attempt shows
   * how the last one ended (`busy`…); one that `stop()` ends before its next attempt keeps that
   * outcome for good (no new attempt is made). `canceled` is an entry `stop()` ended before its
   * first attempt, or a call canceled at the provider (`stop({ hangUp: true })`).
   */
  status: DialerEntryStatus;
  /**
   * The provider's id of the latest attempt's call, once its POST answered: the call `status`
   * tells of, kept when the entry waits for, or was stopped before, its next attempt.
   */
  callId: string | null;
  /**
   * Attempts made so far (`placeCall` invocations): an attempt `stop()` ended before it was placed
   * does not count, so an entry never dialed has `0`.
   */
  attempts: number;
  /**
   * When the first attempt's POST was sent (on the dialer's clock); `null` for an entry never
   * dialed. A durable campaign's times are the ones its store holds (the moment recorded just
   * before the request left, the step that answered or ended the call): every process, and a
   * dialer that reads the campaign later, shows the same, and a time once shown never changes.
   */
  startedAt: Date | null;
  /** When the entry ended for good; `null` while it may still change. */
  endedAt: Date | null;
  /**
   * When the latest attempt's call was answered, also when the provider said so only after the
   * call's end (webhooks out of order); `null` when it was not (or not yet).
   */
  answeredAt: Date | null;
  /**
   * Who answered the latest attempt's call, where the provider detected it (the entry's
   * `call.machineDetection`); `null` when it did not say.
   */
  answeredBy: AnsweredBy | null;
  /**
   * `true` while the latest placement's outcome is unknown (`status` `failed`, `error.reason`
   * `outcome_unknown`) and the call may still be ringing: the entry keeps its slot until
   * `callTimeoutMs` after its request, or, in a durable campaign, until the worker that placed it
   * writes the provider's late answer.
   */
  inDoubt: boolean;
  /** Why the latest attempt failed, when it failed without the provider saying so. */
  error?: DialAttemptError;
  /**
   * The entry's attempts by how each ended (`{ busy: 2, machine: 1 }`; an attempt `completed`
   * and answered by a machine is `machine`), read from its row's timeline: in a durable
   * campaign's entries only (see `retry`).
   */
  outcomes?: AttemptCounts;
}

/** A copy of the dialer's state; changing it changes nothing. */
export interface DialerSnapshot {
  state: DialerState;
  concurrency: number;
  /** `true` after `stop()`: no new call will be placed. */
  stopped: boolean;
  entries: DialerEntry[];
  /**
   * In a durable campaign's snapshot only, while some of its entries wait out another worker's
   * lease: entries in flight whose row a worker other than this process holds, by a lease not
   * run out yet. After a `kill -9` the dead process holds what it claimed or was placing until
   * its lease (`leaseMs`) runs out; nothing is placed in those slots meanwhile. Left out when no
   * entry waits.
   */
  leaseWait?: LeaseWait;
}

/** Entries of a durable campaign held by another worker's lease (see {@link DialerSnapshot.leaseWait}). */
export interface LeaseWait {
  /** How many entries in flight another worker holds by a lease not run out yet. */
  entries: number;
  /** When the latest of those leases runs out, as last read (a live worker renews its lease). */
  until: Date;
}

/** A call is being placed: `placeCall` has just been invoked (another worker's: first read). */
export interface DialerDialingEvent {
  index: number;
  phone: string;
  /** The attempt, from 1. */
  attempt: number;
  at: Date;
}

/** A placement request was answered, or failed (emitted once per `placeCall`, after its effect). */
export interface DialerPlacementEvent {
  index: number;
  phone: string;
  attempt: number;
  /** `placed`, `not_placed` (surely not) or `unknown` (the call may have rung). */
  outcome: PlacementOutcome;
  /** The provider's `name`. */
  provider: string;
  /** The provider's call id, when it answered one. */
  callId: string | null;
  /** The provider's own status word in its answer, when it answered with one. */
  providerStatus?: string;
  /** Why it failed, when it did. */
  error?: unknown;
  /** When the request was sent (on the dialer's clock). */
  sentAt: Date;
  /** Milliseconds from the request to the provider's answer (or the failure). */
  durationMs: number;
  /** The ids of the placement's span (`ringkit.scheduler.place`) when a tracer records it. */
  trace?: TraceIds;
}

/** An entry's status moved. */
export interface DialerStatusEvent {
  index: number;
  phone: string;
  status: DialerEntryStatus;
  previous: DialerEntryStatus;
  callId: string | null;
  attempt: number;
  /** The provider's own word, when the move came from the provider. */
  providerStatus?: string;
  /** Who answered the attempt's call, once the provider said so. */
  answeredBy: AnsweredBy | null;
  /** `true` when this attempt ended and a new one follows (see `maxAttempts`). */
  willRetry: boolean;
  at: Date;
}

/** Counts of entries by status. */
export type DialerCounts = Record<DialerEntryStatus, number>;

/** The `progress` event: the counts after every change of an entry. */
export interface DialerProgressEvent {
  total: number;
  /** Entries that ended for good. */
  ended: number;
  /** Calls in flight: from their POST to their terminal status. */
  inFlight: number;
  counts: DialerCounts;
}

export type { DialerAgentEvent } from './agent-event.js';

/** Every entry has ended; emitted once. */
export interface DialerDrainedEvent {
  total: number;
  counts: DialerCounts;
  at: Date;
}

/** Where a reported error came from. */
export type DialerErrorSource =
  | 'listener'
  | 'place_call'
  | 'watch'
  | 'timeout_check'
  | 'handle_status'
  | 'hang_up'
  /** A durable campaign's store failed (the operation is tried again). */
  | 'store';

/** Something went wrong without stopping the dialer. */
export interface DialerErrorEvent {
  error: unknown;
  source: DialerErrorSource;
  /** The entry concerned, if any. */
  index?: number;
  /** The event whose listener threw, for `source: 'listener'`. */
  event?: keyof DialerEvents;
}

/** The events a dialer emits, by name. */
export type DialerEvents = {
  /** `placeCall` was invoked for an entry. */
  dialing: DialerDialingEvent;
  /** A `placeCall` was answered, or failed. */
  placement: DialerPlacementEvent;
  /** An entry's status moved forward (or restarted at `dialing` for a new attempt). */
  status: DialerStatusEvent;
  /** An entry ended for good. */
  /**
   * The entry ended for good. Emitted again for an entry that learns more after its end: a late
   * `answered`, its doubt let go (`inDoubt: false`), or a placement's late answer (durable).
   */
  finished: DialerEntry;
  /** Counts by status, after each change. */
  progress: DialerProgressEvent;
  /** Every entry ended. */
  drained: DialerDrainedEvent;
  /** A campaign with agents: the person who answered reached `agent`, `waitMs` after the answer. */
  connected: DialerAgentEvent & { agent: string };
  /** A campaign with agents: no agent reached them within 2 s; they heard the safe-harbour message. */
  abandoned: DialerAgentEvent & { reason: string };
  /** A listener threw, a POST or a status poll failed, or `handleStatus` got a malformed event. */
  error: DialerErrorEvent;
};

export type { StopOptions } from './stop-options.js';

/** A dialer, as {@link createDialer} returns it: its methods, its snapshot and its events. */
export interface Dialer {
  /** Starts dialing. Throws a `DialerStateError` unless the dialer is `idle`. */
  start(): void;
  /** No new calls; calls in flight go on. Throws a `DialerStateError` before `start()`. */
  pause(): void;
  /** Dials again after `pause()`. Throws a `DialerStateError` before `start()` and after `stop()`. */
  resume(): void;
  /**
   * No new calls, for good: entries not dialed end `canceled`, calls in flight are still
   * followed to their end (or, with `hangUp: true`, hung up), then the dialer is `done`.
   * Throws `InvalidOptionsError` for bad or unknown options and, with `hangUp: true`, a
   * call-client's `UnsupportedOperationError` (code `hang_up_unsupported`) when the provider has
   * no `cancelCall` or no `hangUpCall` (then
   * nothing changes).
   */
  stop(options?: StopOptions): void;
  /** Changes how many calls are in flight, at once; of several in a row, only the last holds. */
  setConcurrency(concurrency: number): void;
  /**
   * Feeds a status event (e.g. as `createExpressWebhookHandler`'s `onEvent`). Events for calls whose
   * POST has not answered are kept until it does; unknown, late and repeated events are ignored.
   * Never throws.
   */
  handleStatus(event: CallStatusEvent): void;
  snapshot(): DialerSnapshot;
  on: Emitter<DialerEvents>['on'];
  off: Emitter<DialerEvents>['off'];
}

/**
 * A durable campaign: `createDialer({ …, store, campaign })`. The list, its order, its progress,
 * its pause state and every call live in the store; any number of processes sharing the store
 * may work the same campaign, and a process that dies loses nothing. `mode` and `agents` (see
 * scheduler-core's `CampaignRunnerOptions`) make it a campaign with agents.
 */
export interface CampaignDialerOptions
  extends Omit<DialerOptions, 'numbers'>, Pick<CampaignRunnerOptions, 'mode' | 'agents'> {
  /** A `@ringkit/scheduler-core` store: `createMemoryStore()`, `createSqliteStore()`, `createPostgresStore()`. */
  store: Store;
  /** The campaign's name, unique in the store. */
  campaign: string;
  /**
   * The list. Given, `start()` creates the campaign, or joins it when it exists with the same
   * list (another list: a `ConflictError` of scheduler-core, reason `campaign_mismatch`). Left
   * out, `start()` joins the stored campaign (`CallNotFoundError` when there is none).
   */
  numbers?: readonly DialerNumber[];
  /**
   * With `numbers`: `start()` creates the campaign or fails, with a `ConflictError` of
   * scheduler-core (reason `campaign_exists`) when one of that name is stored, whatever its
   * list. Of concurrent exclusive starts, in one process or many, exactly one creates it.
   * @default false
   */
  exclusive?: boolean;
  /** The app's own number: `from` of the campaign's call records (history). */
  callerId: string;
  /** Placements per second for the whole campaign, across every process. @default unlimited */
  callsPerSecond?: number;
  /** Shares `callsPerSecond` by weight with whoever names this budget in the store ("Fair shares"). */
  budget?: SharedBudget;
  /**
   * Hours in which the campaign's calls may be placed, in `window.timezone`; with `'callee'`, in
   * each entry's own number's zones (every one of them, where it has several).
   */
  window?: CallingWindow;
  /**
   * The wait before attempt `n + 1` (see `maxAttempts`). A retry keeps its place in the list:
   * once its wait is over it is dialed before every entry after it.
   * @default { delayMs: 0 }: at once
   */
  retryBackoff?: RetryBackoff;
  /**
   * Retries by outcome, each with its own delay and cap (scheduler-core's `retry`), stored with
   * the campaign: `{ busy: { afterMs, maxAttempts }, 'no-answer': {…}, failed: {…}, machine: {…} }`.
   * An outcome not listed is not retried; `maxAttempts`, if given, still bounds all attempts;
   * `retryBackoff` beside it is refused. `machine` (answered by a machine) needs every entry's
   * `call.machineDetection`. A wait of 0 dials the entry again ahead of the entries after it; a
   * longer one lets them be dialed meanwhile. The calling window applies to every retry.
   * @example retry: { busy: { afterMs: 300_000, maxAttempts: 3 }, 'no-answer': { afterMs: 3_600_000, maxAttempts: 2 } }
   */
  retry?: RetryByOutcome;
  /** This process's name in the store's leases. @default `${hostname}:${pid}:${random}` */
  workerId?: string;
  /** How long a claim holds an entry, renewed while it is placed. @default 30000 */
  leaseMs?: number;
  /**
   * How often this process reads what others did to the campaign, on the process's beat: a
   * read that finds it moved claims at once ("Each process's view" in `docs/guide/campaigns.md`). @default 1000
   */
  refreshIntervalMs?: number;
  /** The store of the do-not-call list, when not `store` (scheduler-core's `doNotCall`). @default store */
  doNotCall?: Store;
  /** The process's dispatch loop (scheduler-core's `createDispatchLoop`). @default its own */
  loop?: DispatchLoop;
}

/** A durable campaign's dialer: the `Dialer`'s methods, each resolving once stored. */
export interface CampaignDialer {
  /** The campaign's name. */
  readonly campaign: string;
  /**
   * Creates the campaign, or joins it as stored (its state, progress and settings), and starts
   * working it in this process. Calls placed by a process that died are followed, not placed
   * again.
   */
  start(): Promise<void>;
  /** No new calls in any process; calls in flight go on. */
  pause(): Promise<void>;
  /** Dials again; a `ConflictError` (`campaign_stopped`) after `stop()`. */
  resume(): Promise<void>;
  /**
   * No new calls, for good: entries not dialed end `canceled`, and an entry waiting for a retry
   * (or whose call in flight ends `busy`, `no-answer` or `failed`) is not tried again: it ends
   * with that outcome, its call id and the attempts it placed (see `StopOptions`).
   */
  stop(options?: StopOptions): Promise<void>;
  setConcurrency(concurrency: number): Promise<void>;
  /**
   * Dials again every entry whose placement's outcome is unknown (its call may have rung):
   * never done on its own. Resolves to how many.
   */
  redialUnknown(): Promise<number>;
  /** Feeds a status event; never throws (a failure is an `error` event). */
  handleStatus(event: CallStatusEvent): void;
  /** As this process last read it (`refreshIntervalMs`; the campaigns guide: the others' calls). */
  snapshot(): DialerSnapshot;
  /** Reads the store now; resolves when the snapshot and events have caught up. */
  refresh(): Promise<void>;
  /** This process stops working the campaign (calls it placed are recorded); others go on. */
  close(): Promise<void>;
  on: Emitter<DialerEvents>['on'];
  off: Emitter<DialerEvents>['off'];
}
