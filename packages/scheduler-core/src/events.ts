import type { SafeEmitter } from '@ringkit/internal';
import type { ScheduledCall, ScheduledCallStatus } from './types.js';

/** The events a scheduler emits, by name (`scheduler.on('status', (e) => …)`). */
export type SchedulerEvents = {
  /** A call was stored (by `schedule()`, or as the next occurrence of a recurrence). */
  scheduled: { call: ScheduledCall };
  /** A due call was claimed and is about to be sent to the provider. */
  dispatching: { call: ScheduledCall };
  /** A call moved to a new status (including `scheduled` again for a retry or a window). */
  status: {
    call: ScheduledCall;
    status: ScheduledCallStatus;
    previous: ScheduledCallStatus;
    providerStatus?: string;
    at: Date;
  };
  /** An attempt failed and another one is scheduled at `call.dueAt`. */
  retrying: { call: ScheduledCall; reason: string };
  /** The call completed. */
  completed: { call: ScheduledCall };
  /** The call ended without completing, for good (`reason`: `busy`, `outcome_unknown`…). */
  failed: { call: ScheduledCall; reason: string; error?: unknown };
  /** The call was canceled: before it was placed, hung up by `cancel()`, or by the provider. */
  canceled: { call: ScheduledCall };
  /** `reschedule()` moved a call not yet placed to `call.dueAt` (from `previousDueAt`). */
  rescheduled: { call: ScheduledCall; previousDueAt: Date };
  /** A listener threw, the store failed, or following a call failed. */
  error: { error: unknown; source: 'listener' | 'store' | 'provider' | 'watch'; callId?: string };
};

/** The scheduler's emitter: listeners that throw are reported as `error` events. */
export type SchedulerEmitter = SafeEmitter<SchedulerEvents>;
