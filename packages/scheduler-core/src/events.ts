import type { AnsweredBy, PlacementOutcome } from '@ringkit/call-client';
import type { SafeEmitter, TraceIds } from '@ringkit/internal';
import type { ScheduledCall, ScheduledCallStatus } from './types.js';

/** The events a scheduler emits, by name (`scheduler.on('status', (e) => …)`). */
export type SchedulerEvents = {
  /** A call was stored (by `schedule()`, or as the next occurrence of a recurrence). */
  scheduled: { call: ScheduledCall };
  /** A due call was claimed and is about to be sent to the provider. */
  dispatching: { call: ScheduledCall };
  /**
   * A placement request was answered, or failed: once per request, after its outcome is written.
   * What a log line or a metric of placements needs.
   */
  placement: PlacementEvent;
  /** A call moved to a new status (including `scheduled` again for a retry or a window). */
  status: {
    call: ScheduledCall;
    status: ScheduledCallStatus;
    previous: ScheduledCallStatus;
    providerStatus?: string;
    /** Who answered the attempt, once the provider said so (`machineDetection`). */
    answeredBy?: AnsweredBy;
    at: Date;
  };
  /**
   * In a campaign with agents: the person who answered reached an agent, `waitMs` after the
   * answer (over 2000, it counts as abandoned in the campaign's rate all the same).
   */
  connected: { call: ScheduledCall; agent: string; waitMs: number };
  /**
   * In a campaign with agents: no agent reached the person who answered within 2 s (`reason`
   * `'no_agent'`), or the agent's line could not be joined (`'connect_failed'`); they heard the
   * safe-harbour message.
   */
  abandoned: { call: ScheduledCall; waitMs: number; reason: string };
  /** An attempt failed and another one is scheduled at `call.dueAt`. */
  retrying: { call: ScheduledCall; reason: string };
  /** The call completed. */
  completed: { call: ScheduledCall };
  /** The call ended without completing, for good (`reason`: `busy`, `outcome_unknown`…). */
  failed: { call: ScheduledCall; reason: string; error?: unknown };
  /** The call was canceled: before it was placed, hung up by `cancel()`, or by the provider. */
  canceled: { call: ScheduledCall };
  /**
   * The call came due with its number on the do-not-call list: it ended `suppressed` and nothing
   * was sent. `reason` is the list entry's own.
   */
  suppressed: { call: ScheduledCall; reason: string };
  /** `reschedule()` moved a call not yet placed to `call.dueAt` (from `previousDueAt`). */
  rescheduled: { call: ScheduledCall; previousDueAt: Date };
  /**
   * A retention pass deleted finished calls (`calls`) and call records (`records`) past their
   * age, and, with `retention.suppressionsAfterDays`, do-not-call entries (`suppressions`) past
   * their `until` (`retention` option). Only from the worker that held the retention lease.
   */
  pruned: { calls: number; records: number; suppressions?: number };
  /**
   * A listener threw, the store failed, placing or following a call failed, the one `getCall`
   * check of a call that reached no end within `callTimeoutMs` failed (`timeout_check`), or
   * ending a call at a campaign's `stop({ hangUp: true })` failed (`hang_up`).
   */
  error: {
    error: unknown;
    source: 'listener' | 'store' | 'provider' | 'watch' | 'timeout_check' | 'hang_up';
    callId?: string;
  };
};

/** The scheduler's emitter: listeners that throw are reported as `error` events. */
export type SchedulerEmitter = SafeEmitter<SchedulerEvents>;

/** One placement request and what became of it (the `placement` event). */
export interface PlacementEvent {
  /** The call as written after the answer (or the failure). */
  call: ScheduledCall;
  /** `placed`, `not_placed` (surely not: retried if attempts remain) or `unknown` (may have rung). */
  outcome: PlacementOutcome;
  /** The provider's `name`. */
  provider: string;
  /** The provider's own status word in its answer, when it answered. */
  providerStatus?: string;
  /** Who answered, when the provider's answer says so already. */
  answeredBy?: AnsweredBy;
  /** Why it failed, when it did. */
  error?: unknown;
  /** When the request was sent. */
  sentAt: Date;
  /** Milliseconds from the call's due time to the request being sent: the dispatch lag. */
  lagMs: number;
  /** Milliseconds from the request being sent to the provider's answer (or the failure). */
  durationMs: number;
  /**
   * The ids of the placement's span (`ringkit.scheduler.place`) when a tracer records it, so a
   * log line can point at it.
   */
  trace?: TraceIds;
}
