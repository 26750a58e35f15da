/**
 * The state of one run of the in-memory dialer (entries, slots, retries, calls in doubt), which
 * its parts change in place: placement (`_placement.ts`), the ends of attempts
 * (`_attempt-end.ts`), calls in doubt and late events (`_doubt.ts`). Here are the state changes
 * every part makes alike: an entry's status, its `status` event, `progress`, `drained`.
 */
import type { CallProvider, CallStatus, CallStatusEvent, Clock } from '@ringkit/call-client';
import { createSafeEmitter, EarlyEventBuffer, type Tracing } from '@ringkit/internal';
import { Deadlines } from './_deadlines.js';
import { emptyCounts, Entry } from './_entry.js';
import type { ResolvedOptions } from './_options.js';
import type { DialAttemptFailure } from './errors.js';
import type {
  DialerCounts,
  DialerEntryStatus,
  DialerErrorSource,
  DialerEvents,
  DialerState,
  DialerStatusEvent,
} from './types.js';

/** How an attempt ends: whether a new attempt may follow, whether its slot stays taken. */
export interface EndOptions {
  /** A new attempt may follow (the provider surely placed no call, or reported its end). */
  redialable?: boolean;
  /** The outcome is unknown: the slot stays taken until the call surely ended. */
  holdSlot?: boolean;
}

/**
 * What placing a call needs of the parts that come after it, wired by `createMemoryDialer`: the
 * ends of attempts and calls in doubt themselves place the next calls.
 */
export interface RunHooks {
  /** Moves the entry forward; ends its attempt on a terminal status. */
  advance(entry: Entry, status: CallStatus, providerStatus: string | null): boolean;
  /** Ends the entry's attempt `failed` with a `DialAttemptError`. */
  fail(
    entry: Entry,
    reason: DialAttemptFailure,
    message: string,
    cause?: unknown,
    how?: EndOptions,
  ): void;
  /** Gives events no POST claimed to the one placement in doubt they can only belong to. */
  adoptOrphans(): void;
  /** Follows a placed call by polling `getCall`. */
  follow(entry: Entry, attempt: number, id: string): void;
  /** Hangs up the entry's call (`stop({ hangUp: true })`). */
  hangUp(entry: Entry): void;
  /** The attempt's `callTimeoutMs` passed. */
  timedOut(entry: Entry, attempt: number): void;
}

/** One run of the in-memory dialer: its list, its counters, its queues. */
export class DialerRun {
  readonly provider: CallProvider;
  readonly clock: Clock;
  readonly callTimeoutMs: number;
  readonly maxAttempts: number;
  /** Follow calls by polling `getCall` rather than waiting for webhooks. */
  readonly poll: boolean;
  readonly tracing: Tracing;
  readonly entries: Entry[];
  readonly total: number;
  readonly counts: DialerCounts;
  readonly events = createSafeEmitter<DialerEvents>((error, type) => ({
    error,
    source: 'listener',
    event: type,
  }));
  /** Status events of ids no POST answered yet. */
  readonly buffer: EarlyEventBuffer<CallStatusEvent>;
  /** Every id a provider answered, to the entry whose POST got it. */
  readonly byId = new Map<string, Entry>();
  /** Entries waiting for their next attempt; dialed before the rest of the list. */
  readonly retries: Entry[] = [];
  /** Entries whose placement's outcome is unknown, each still holding its slot. */
  readonly doubtful = new Set<Entry>();
  readonly deadlines: Deadlines;
  /** Set by `createMemoryDialer` before the run starts. */
  readonly hooks = {} as RunHooks;
  /**
   * Placements of unknown outcome whose call id was never learned, in doubt or not any more: a
   * webhook for an id no POST answered may be the call of any of them.
   */
  unattributed = 0;
  concurrency: number;
  state: DialerState = 'idle';
  stopped = false;
  /** `stop({ hangUp: true })` was called: every call in flight is hung up, now or once placed. */
  hangingUp = false;
  /** The next entry of the list not dialed yet. */
  next = 0;
  inFlight = 0;
  ended = 0;
  /** POSTs sent and not answered yet. */
  posting = 0;
  /** The reason every attempt's controller is aborted with: made once. */
  abortReason: DOMException | undefined;
  /** The controller of the next POST, made ahead so that it does not wait for it. */
  spare: AbortController | undefined;

  constructor(resolved: ResolvedOptions) {
    const { clock, callTimeoutMs } = resolved;
    this.provider = resolved.provider;
    this.clock = clock;
    this.callTimeoutMs = callTimeoutMs;
    this.maxAttempts = resolved.maxAttempts;
    this.poll = resolved.poll;
    this.tracing = resolved.tracing;
    this.concurrency = resolved.concurrency;
    this.entries = resolved.phones.map(
      (phone, index) => new Entry(index, phone, resolved.calls[index]),
    );
    this.total = this.entries.length;
    this.counts = emptyCounts(this.total);
    this.buffer = new EarlyEventBuffer<CallStatusEvent>(
      resolved.maxEarlyEvents,
      callTimeoutMs,
      () => clock.now(),
    );
    this.deadlines = new Deadlines(clock, (entry, attempt) => this.hooks.timedOut(entry, attempt));
  }

  readonly report = (error: unknown, source: DialerErrorSource, index?: number): void => {
    this.events.emit('error', index === undefined ? { error, source } : { error, source, index });
  };

  /** Sets the entry's status, keeping the counts; returns the status it had. */
  set(entry: Entry, status: DialerEntryStatus): DialerEntryStatus {
    const previous = entry.status;
    this.counts[previous] -= 1;
    this.counts[status] += 1;
    entry.status = status;
    return previous;
  }

  /** The `status` event of the entry's latest move, or nothing when no one listens. */
  moved(
    entry: Entry,
    previous: DialerEntryStatus,
    providerStatus: string | null = null,
    willRetry = false,
  ): DialerStatusEvent | undefined {
    if (!this.events.has('status')) return undefined;
    const { index, phone, status, callId, attempts: attempt, answeredBy } = entry;
    const move = {
      ...{ index, phone, status, previous, callId, attempt, answeredBy },
      ...(providerStatus === null ? {} : { providerStatus }),
      willRetry,
    };
    return { ...move, at: new Date(this.clock.now()) };
  }

  emitStatus(event: DialerStatusEvent | undefined): void {
    if (event) this.events.emit('status', event);
  }

  progress(): void {
    const { events, total, ended, inFlight } = this;
    if (events.has('progress')) {
      events.emit('progress', { total, ended, inFlight, counts: { ...this.counts } });
    }
  }

  /** Done when every entry ended and no slot is held by a call that may still be ringing. */
  drainedYet(): void {
    const { state } = this;
    if (this.ended < this.total || this.inFlight > 0 || state === 'done' || state === 'idle') {
      return;
    }
    this.state = 'done';
    this.buffer.clear();
    this.deadlines.clear();
    const at = new Date(this.clock.now());
    this.events.emit('drained', { total: this.total, counts: { ...this.counts }, at });
  }
}
