import {
  RETRYABLE_OUTCOMES,
  statusRank,
  type AnsweredBy,
  type CallOptions,
  type CallStatusEvent,
} from '@ringkit/call-client';
import type { DialAttemptError } from './errors.js';
import type { DialerCounts, DialerEntry, DialerEntryStatus } from './types.js';

/**
 * The position of an entry's status in an attempt's lifecycle: call-client's ranks
 * (`statusRank`), `dialing` in the place of `queued`, `idle` before them all.
 */
export function entryRank(status: DialerEntryStatus): number {
  if (status === 'idle') return -1;
  return statusRank(status === 'dialing' ? 'queued' : status);
}

/** The rank every terminal status shares. */
export const TERMINAL_RANK = statusRank('completed');

/** Outcomes after which `maxAttempts` allows a new attempt. */
export const RETRYABLE: ReadonlySet<DialerEntryStatus> = new Set(RETRYABLE_OUTCOMES);

/** The longest wait for the one `getCall` check made when an attempt times out. */
export const TIMEOUT_CHECK_LIMIT_MS = 10_000;

/** A time the dialers keep as ms since the epoch (the clock's), as users see it. */
const toDate = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/**
 * An entry as the dialers keep it: a {@link DialerEntry} with its times in ms since the epoch, on
 * the dialer's clock.
 */
export type EntryState = Omit<DialerEntry, 'startedAt' | 'endedAt' | 'answeredAt'> & {
  startedAt: number | null;
  endedAt: number | null;
  answeredAt: number | null;
};

/** The {@link DialerEntry} users see of `state`: a copy, its times as `Date`s. */
export function entryView(state: EntryState): DialerEntry {
  const { startedAt, endedAt, answeredAt, outcomes, ...rest } = state;
  return {
    ...rest,
    ...(outcomes === undefined ? {} : { outcomes: { ...outcomes } }),
    startedAt: toDate(startedAt),
    endedAt: toDate(endedAt),
    answeredAt: toDate(answeredAt),
  };
}

/** The dialer's mutable record of one number of the list. */
export class Entry {
  status: DialerEntryStatus = 'idle';
  callId: string | null = null;
  attempts = 0;
  startedAt: number | null = null;
  endedAt: number | null = null;
  answeredAt: number | null = null;
  /** Who answered the latest attempt's call, where the provider detected it. */
  answeredBy: AnsweredBy | null = null;
  /**
   * The latest placement's outcome is unknown (the request left, no clear answer came back): the
   * entry ended `failed`, but its slot stays taken until the call surely ended.
   */
  inDoubt = false;
  error: DialAttemptError | undefined = undefined;
  /** When the latest attempt's POST was sent. */
  dialedAt = 0;
  /** In flight: from the POST of an attempt to its end. */
  live = false;
  /** The POST of the current attempt has not answered yet. */
  posting = false;
  /** Something (a POST, a watch, a timeout check) listens to `controller`. */
  watched = false;
  /** What the entry was before its latest attempt. */
  dialedFrom: DialerEntryStatus = 'idle';
  /** `cancelCall` was invoked for the current attempt's call. */
  hangingUp = false;
  /** The timer of a timeout check (`getCall`) under way. */
  timer: unknown = undefined;
  controller: AbortController | undefined = undefined;

  constructor(
    readonly index: number,
    readonly phone: string,
    /** The entry's own call options, sent with each of its attempts. */
    readonly call: CallOptions | undefined = undefined,
  ) {}

  /** Keeps who answered, the first time a provider says it for the current attempt. */
  noteAnsweredBy(answeredBy: AnsweredBy | undefined): void {
    if (answeredBy !== undefined && this.answeredBy === null) this.answeredBy = answeredBy;
  }

  /** The current attempt is `attempt` and it has not ended. */
  isActive(attempt: number): boolean {
    return this.live && this.attempts === attempt;
  }

  /** A plain copy for snapshots and events. */
  toJSON(): DialerEntry {
    const { index, phone, status, callId, attempts, startedAt, endedAt, answeredAt } = this;
    const copy: EntryState = {
      index,
      phone,
      status,
      callId,
      attempts,
      startedAt,
      endedAt,
      answeredAt,
      answeredBy: this.answeredBy,
      inDoubt: this.inDoubt,
    };
    if (this.error) copy.error = this.error;
    return entryView(copy);
  }
}

export function emptyCounts(idle: number): DialerCounts {
  return {
    idle,
    dialing: 0,
    initiated: 0,
    ringing: 0,
    answered: 0,
    completed: 0,
    busy: 0,
    'no-answer': 0,
    failed: 0,
    canceled: 0,
    suppressed: 0,
  };
}

/** The event's call id as a string, or `undefined` when it has none. */
export function idOf(event: CallStatusEvent): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const id: unknown = event.callId;
  if (typeof id === 'string' && id !== '') return id;
  return typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : undefined;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Calls `fn`; a synchronous throw becomes a rejection, so callers have one path for failures. */
export function invoke<T>(fn: () => T | PromiseLike<T>): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}
