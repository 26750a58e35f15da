/**
 * `createDialer()`: one closure over the state of one run (entries, slots, retries, calls in
 * doubt), which every method and event handler changes in place. It stays one file because those
 * paths must agree on every counter; the parts that need no such state live beside it: options
 * (`_options.ts`), entries and ranks (`_entry.ts`), following calls (`_follow.ts`), hanging
 * them up (`_hang-up.ts`), deadlines (`_deadlines.ts`).
 */
import {
  isAmbiguousPlacement,
  isRetryablePlacementError,
  placementOutcomeOf,
  isCallStatus,
  isTerminal,
  type CallStatus,
  type CallStatusEvent,
  type ProviderCall,
  type TerminalCallStatus,
} from '@ringkit/call-client';
import { clampTimerMs } from '@ringkit/internal';
import {
  createSafeEmitter,
  EarlyEventBuffer,
  endSpan,
  traceIds,
  type SpanLike,
} from '@ringkit/internal';
import { Deadlines } from './_deadlines.js';
import { followByPolling, onAttemptTimeout, type AttemptHost } from './_follow.js';
import { hangUpEntry, missingHangUpMethod, type HangUpHost } from './_hang-up.js';
import {
  emptyCounts,
  Entry,
  idOf,
  messageOf,
  entryRank,
  RETRYABLE,
  TERMINAL_RANK,
} from './_entry.js';
import { concurrencySchema, resolveOptions, stopOptionsSchema } from './_options.js';
import {
  DialAttemptError,
  DialerStateError,
  hangUpUnsupported,
  invalidOptions,
  type DialAttemptFailure,
} from './errors.js';
import { createCampaignDialer } from './_campaign.js';
import type {
  CampaignDialer,
  CampaignDialerOptions,
  Dialer,
  DialerEntryStatus,
  DialerErrorSource,
  DialerEvents,
  DialerOptions,
  DialerState,
  DialerStatusEvent,
  StopOptions,
} from './types.js';

/** How an attempt ends: whether a new attempt may follow, whether its slot stays taken. */
interface EndOptions {
  /** A new attempt may follow (the provider surely placed no call, or reported its end). */
  redialable?: boolean;
  /** The outcome is unknown: the slot stays taken until the call surely ended. */
  holdSlot?: boolean;
}

/** What `buffer.take` would give for an id nothing was kept for, without allocating. */
const NO_EVENTS: readonly CallStatusEvent[] = Object.freeze([]);

/**
 * Creates a dialer. Without a `store` it keeps its state in this process's memory (the `Dialer`);
 * with a `store` of `@ringkit/scheduler-core` and a `campaign` name the list is a durable
 * campaign (the `CampaignDialer`): any number of processes sharing the store may work it, and one
 * that dies loses nothing.
 */
export function createDialer(options: CampaignDialerOptions): CampaignDialer;
export function createDialer(options: DialerOptions): Dialer;
export function createDialer(
  options: DialerOptions | CampaignDialerOptions,
): Dialer | CampaignDialer {
  if (typeof options === 'object' && options !== null && 'store' in options && options.store) {
    return createCampaignDialer(options);
  }
  return createMemoryDialer(options as DialerOptions);
}

/**
 * Creates a dialer for one list of numbers: `start()` dials them in order, keeping
 * `concurrency` calls in flight while numbers remain and placing the next call in the same tick
 * as a call ends. State lives in memory; every change is an event.
 *
 * Throws an `InvalidOptionsError` for bad options and one `InvalidNumbersError` listing
 * every number that is not a phone number.
 *
 * @example
 * const dialer = createDialer({ provider, numbers: ['13018040009', '13018040009'] });
 * dialer.on('finished', (entry) => console.log(entry.phone, entry.status));
 * dialer.start();
 */
function createMemoryDialer(options: DialerOptions): Dialer {
  const resolved = resolveOptions(options);
  const { provider, clock, callTimeoutMs, maxAttempts, poll, tracing } = resolved;
  const entries = resolved.phones.map(
    (phone, index) => new Entry(index, phone, resolved.calls[index]),
  );
  const total = entries.length;
  const counts = emptyCounts(total);
  const events = createSafeEmitter<DialerEvents>((error, type) => ({
    error,
    source: 'listener',
    event: type,
  }));
  const buffer = new EarlyEventBuffer<CallStatusEvent>(resolved.maxEarlyEvents, callTimeoutMs, () =>
    clock.now(),
  );
  /** Every id a provider answered, to the entry whose POST got it. */
  const byId = new Map<string, Entry>();
  /** Entries waiting for their next attempt; dialed before the rest of the list. */
  const retries: Entry[] = [];
  /** Entries whose placement's outcome is unknown, each still holding its slot. */
  const doubtful = new Set<Entry>();
  /**
   * Placements of unknown outcome whose call id was never learned, in doubt or not any more: a
   * webhook for an id no POST answered may be the call of any of them.
   */
  let unattributed = 0;
  let concurrency = resolved.concurrency;
  let state: DialerState = 'idle';
  let stopped = false;
  /** `stop({ hangUp: true })` was called: every call in flight is hung up, now or once placed. */
  let hangingUp = false;
  let next = 0;
  let inFlight = 0;
  let ended = 0;
  let posting = 0;
  let abortReason: DOMException | undefined;
  let spare: AbortController | undefined;
  const host: AttemptHost = { ...resolved, advance, fail, report };
  const hangUpHost: HangUpHost = {
    provider,
    advance,
    endAs: (entry, outcome, word) => end(entry, outcome, word),
    report,
  };
  const hangUp = (entry: Entry) => hangUpEntry(hangUpHost, entry);
  const deadlines = new Deadlines(clock, (e, attempt) => onAttemptTimeout(host, e, attempt));

  function report(error: unknown, source: DialerErrorSource, index?: number) {
    events.emit('error', index === undefined ? { error, source } : { error, source, index });
  }

  function set(entry: Entry, status: DialerEntryStatus): DialerEntryStatus {
    const previous = entry.status;
    counts[previous] -= 1;
    counts[status] += 1;
    entry.status = status;
    return previous;
  }

  /** The `status` event of the entry's latest move, or nothing when no one listens. */
  function moved(
    entry: Entry,
    previous: DialerEntryStatus,
    providerStatus: string | null = null,
    willRetry = false,
  ): DialerStatusEvent | undefined {
    if (!events.has('status')) return undefined;
    const { index, phone, status, callId, attempts: attempt, answeredBy } = entry;
    const move = {
      ...{ index, phone, status, previous, callId, attempt, answeredBy },
      ...(providerStatus === null ? {} : { providerStatus }),
      willRetry,
    };
    return { ...move, at: new Date(clock.now()) };
  }

  function emitStatus(event: DialerStatusEvent | undefined) {
    if (event) events.emit('status', event);
  }

  function progress() {
    if (events.has('progress')) {
      events.emit('progress', { total, ended, inFlight, counts: { ...counts } });
    }
  }

  /**
   * Places a call in every free slot; the caller then announces them with `announce`. The list
   * of them is made once the first POST has left.
   */
  function fill(): Entry[] | undefined {
    let dialed: Entry[] | undefined;
    while (state === 'running' && inFlight < concurrency) {
      const entry =
        retries.length > 0 ? retries.shift() : next < total ? entries[next++] : undefined;
      if (entry === undefined) break;
      dial(entry);
      (dialed ??= []).push(entry);
    }
    return dialed;
  }

  /**
   * Invokes `placeCall` first thing; the rest of the bookkeeping and every event come after. No
   * closure or options object is made before the call leaves, but the placement's span when
   * there is something to trace to.
   */
  function dial(entry: Entry) {
    const attempt = ++entry.attempts;
    entry.callId = null;
    entry.answeredAt = null;
    entry.answeredBy = null;
    entry.error = undefined;
    entry.hangingUp = false;
    entry.live = entry.posting = entry.watched = true;
    inFlight += 1;
    posting += 1;
    entry.dialedFrom = set(entry, 'dialing');
    const controller = spare ?? new AbortController();
    entry.controller = controller;
    const span = tracing.enabled
      ? tracing.start('ringkit.dialer.place', {
          'ringkit.dialer.index': entry.index,
          'ringkit.call.attempt': attempt,
          'ringkit.provider': provider.name,
        })
      : undefined;
    let placed: Promise<ProviderCall>;
    try {
      const signal = controller.signal;
      placed = Promise.resolve(
        span === undefined
          ? provider.placeCall({ ...entry.call, to: entry.phone, signal })
          : tracing.within(span, () =>
              provider.placeCall({ ...entry.call, to: entry.phone, signal }),
            ),
      );
    } catch (error) {
      placed = Promise.reject(error);
    }
    // Made ahead, so that the next POST does not wait for it.
    spare = new AbortController();
    const now = clock.now();
    entry.startedAt ??= now;
    entry.dialedAt = now;
    deadlines.add(entry, attempt, now + callTimeoutMs);
    placed
      .then(
        (call) => {
          try {
            onPlaced(entry, attempt, call);
          } finally {
            placementDone(entry, attempt, span, now, { call });
          }
        },
        (error: unknown) => {
          try {
            onPlaceFailed(entry, attempt, error);
          } finally {
            placementDone(entry, attempt, span, now, { error });
          }
        },
      )
      .catch((error: unknown) => report(error, 'place_call'));
  }

  /** Ends the placement's span and emits `placement`, once the answer took effect. */
  function placementDone(
    entry: Entry,
    attempt: number,
    span: SpanLike | undefined,
    sentAt: number,
    answer: { call: ProviderCall; error?: never } | { call?: never; error: unknown },
  ) {
    const outcome = answer.call ? 'placed' : placementOutcomeOf(answer.error);
    const trace = traceIds(span);
    if (span !== undefined) {
      span.setAttribute('ringkit.placement.outcome', outcome);
      endSpan(span, answer.error);
    }
    if (!events.has('placement')) return;
    const callId = answer.call && typeof answer.call.id === 'string' ? answer.call.id : null;
    const providerStatus = answer.call?.providerStatus;
    events.emit('placement', {
      index: entry.index,
      phone: entry.phone,
      attempt,
      outcome,
      provider: provider.name,
      callId,
      ...(typeof providerStatus === 'string' ? { providerStatus } : {}),
      ...(answer.call ? {} : { error: answer.error }),
      sentAt: new Date(sentAt),
      durationMs: Math.max(0, clock.now() - sentAt),
      ...(trace === undefined ? {} : { trace }),
    });
  }

  function announce(dialed: Entry[] | undefined) {
    if (dialed === undefined) return;
    for (const entry of dialed) {
      const { index, phone, attempts: attempt } = entry;
      if (events.has('dialing'))
        events.emit('dialing', { index, phone, attempt, at: new Date(clock.now()) });
      emitStatus(moved(entry, entry.dialedFrom));
      progress();
    }
  }

  function postAnswered(entry: Entry) {
    entry.posting = false;
    entry.watched = false;
    posting -= 1;
    // Events no POST claimed may still be the call of a placement whose outcome is unknown.
    if (posting === 0 && buffer.size > 0 && doubtful.size === 0) buffer.clear();
  }

  /**
   * Gives the events of an id no POST answered to the entry whose placement's outcome is
   * unknown, when no POST is pending and that entry's is the only such placement of the run
   * whose id is not known: then the call can only be its own. Otherwise nothing can be told
   * apart, and slots in doubt wait for their timeouts.
   */
  function adoptOrphans() {
    if (posting > 0 || doubtful.size !== 1 || unattributed !== 1 || buffer.size === 0) return;
    const orphans = buffer.takeAll();
    if (orphans.size !== 1) return;
    const [entry] = doubtful;
    const [orphan] = orphans;
    if (!entry || !orphan || byId.has(orphan[0])) return;
    const [id, held] = orphan;
    byId.set(id, entry);
    entry.callId = id;
    unattributed -= 1;
    for (const event of held) learnAfterEnd(entry, event);
  }

  /**
   * What a status event teaches about an entry that has ended: when a late `answered` says it was
   * answered, and, for a placement whose outcome was unknown, its real outcome (which frees its
   * slot). `finished` is emitted again with what was learned.
   */
  function learnAfterEnd(entry: Entry, event: CallStatusEvent) {
    const status = event.status;
    let learned = entry.answeredBy === null && event.answeredBy !== undefined;
    entry.noteAnsweredBy(event.answeredBy);
    if (status === 'answered') {
      const said = event.at instanceof Date ? event.at.getTime() : Number.NaN;
      let at = Number.isFinite(said) ? said : clock.now();
      // An entry in doubt ended when its POST failed; its call may have gone on after that.
      if (entry.endedAt !== null && !entry.inDoubt) at = Math.min(at, entry.endedAt);
      // Unset, or an earlier time than the one known: a late event may say when it really was.
      if (entry.answeredAt === null || at < entry.answeredAt) {
        entry.answeredAt = at;
        learned = true;
      }
    }
    if (entry.inDoubt && isCallStatus(status) && isTerminal(status)) {
      const previous = entry.status;
      entry.endedAt = clock.now(); // the call's real end, no longer the failed POST's
      if (status !== previous) {
        set(entry, status);
        if (status !== 'failed') entry.error = undefined;
        const word = typeof event.providerStatus === 'string' ? event.providerStatus : null;
        emitStatus(moved(entry, previous, word));
      }
      if (events.has('finished')) events.emit('finished', entry.toJSON());
      release(entry);
      return;
    }
    if (learned && events.has('finished')) events.emit('finished', entry.toJSON());
  }

  /**
   * Frees the slot of an entry whose placement's outcome was unknown. With `timedOut` (its call
   * timeout passed, its end still unknown) `finished` tells that the slot is no longer held.
   */
  function release(entry: Entry, timedOut = false) {
    if (!entry.inDoubt) return;
    entry.inDoubt = false;
    doubtful.delete(entry);
    if (entry.timer !== undefined) clock.clearTimeout(entry.timer);
    entry.timer = undefined;
    inFlight -= 1;
    // The freed slot is taken before anyone is told.
    const dialed = fill();
    if (inFlight === 0) deadlines.clear();
    if (timedOut && events.has('finished')) events.emit('finished', entry.toJSON());
    progress();
    announce(dialed);
    drainedYet();
  }

  /** Holds the slot of an entry in doubt until its attempt's call timeout passes. */
  function armDoubt(entry: Entry) {
    const until = entry.dialedAt + callTimeoutMs;
    entry.timer = clock.setTimeout(
      () => {
        entry.timer = undefined;
        if (!entry.inDoubt) return;
        if (clock.now() < until)
          armDoubt(entry); // a clamped timer fired early
        else release(entry, true);
      },
      clampTimerMs(until - clock.now()),
    );
  }

  function onPlaced(entry: Entry, attempt: number, call: ProviderCall) {
    const id = typeof call?.id === 'string' && call.id !== '' ? call.id : undefined;
    if (!entry.isActive(attempt) || !entry.posting) {
      if (id !== undefined && !byId.has(id)) byId.set(id, entry);
      return;
    }
    const early = id === undefined || buffer.size === 0 ? NO_EVENTS : buffer.take(id);
    postAnswered(entry);
    if (id === undefined || byId.has(id)) {
      const why =
        id === undefined
          ? `${provider.name} answered the POST without a call id`
          : `${provider.name} answered call id ${id}, already given to entry #${byId.get(id)?.index}`;
      fail(entry, id === undefined ? 'place_failed' : 'duplicate_id', why);
      return;
    }
    byId.set(id, entry);
    entry.callId = id;
    entry.noteAnsweredBy(call.answeredBy);
    const status =
      isCallStatus(call.status) && call.status !== 'queued' ? call.status : 'initiated';
    advance(entry, status, typeof call.providerStatus === 'string' ? call.providerStatus : null);
    for (const event of early) {
      if (!entry.isActive(attempt)) break;
      entry.noteAnsweredBy(event.answeredBy);
      advance(entry, event.status, event.providerStatus);
    }
    if (poll && entry.isActive(attempt)) void followByPolling(host, entry, attempt, id);
    if (hangingUp) hangUp(entry);
    adoptOrphans();
  }

  function onPlaceFailed(entry: Entry, attempt: number, error: unknown) {
    if (!entry.isActive(attempt) || !entry.posting) return;
    report(error, 'place_call', entry.index);
    if (isAmbiguousPlacement(error)) {
      // The request left and no clear answer came back: the phone may be ringing. Never dialed
      // again; the slot stays taken until the call surely ended. Webhooks kept for ids no POST
      // answered may be this call's, so the POST's end is noted only once the entry is in doubt.
      const message = `The call may or may not have been placed: ${messageOf(error)}`;
      fail(entry, 'outcome_unknown', message, error, { holdSlot: true });
      return;
    }
    postAnswered(entry);
    const message = `Placing the call failed: ${messageOf(error)}`;
    // A new attempt only where the POST surely placed no call: nobody is called twice.
    fail(entry, 'place_failed', message, error, { redialable: isRetryablePlacementError(error) });
    adoptOrphans();
  }

  /** Moves an entry forward; `false` when the status is not ahead of the entry's. */
  function advance(entry: Entry, status: CallStatus, providerStatus: string | null): boolean {
    const target: DialerEntryStatus = status === 'queued' ? 'dialing' : status;
    if (entryRank(target) <= entryRank(entry.status)) return false;
    if (entryRank(target) === TERMINAL_RANK) {
      end(entry, target as TerminalCallStatus, providerStatus, undefined, true);
      return true;
    }
    if (target === 'answered') entry.answeredAt = clock.now();
    emitStatus(moved(entry, set(entry, target), providerStatus));
    progress();
    return true;
  }

  function fail(
    entry: Entry,
    reason: DialAttemptFailure,
    message: string,
    cause?: unknown,
    how: EndOptions = {},
  ) {
    const { index, attempts: attempt, callId } = entry;
    const error = new DialAttemptError({ reason, message, index, attempt, callId, cause });
    end(entry, 'failed', null, error, how.redialable, how.holdSlot);
  }

  /**
   * Ends the current attempt: a new one follows when allowed, else the entry is finished. With
   * `holdSlot` (a placement whose outcome is unknown) the slot stays taken until the call surely
   * ended or its timeout passed. The freed slot is taken (its POST sent) before anything that can
   * wait: events, timestamps, the deadline queue. Positional arguments, so that the path from a
   * terminal status to the next POST allocates nothing.
   */
  function end(
    entry: Entry,
    outcome: TerminalCallStatus,
    providerStatus: string | null = null,
    error?: DialAttemptError,
    redialable = false,
    holdSlot = false,
  ) {
    if (entry.timer !== undefined) {
      clock.clearTimeout(entry.timer);
      entry.timer = undefined;
    }
    if (entry.watched) {
      abortReason ??= new DOMException('The call attempt ended', 'AbortError');
      entry.controller?.abort(abortReason);
    }
    if (holdSlot) {
      entry.inDoubt = true;
      doubtful.add(entry);
    }
    if (entry.posting) postAnswered(entry);
    entry.controller = undefined;
    entry.watched = false;
    entry.live = false;
    if (!holdSlot) inFlight -= 1;
    if (error) {
      entry.error = error;
      if (error.reason === 'outcome_unknown' && entry.callId === null) unattributed += 1;
    }
    const willRetry =
      redialable && entry.attempts < maxAttempts && !stopped && RETRYABLE.has(outcome);
    const previous = set(entry, outcome);
    let move: DialerStatusEvent | undefined;
    if (willRetry) {
      // fill() may dial the entry again at once: its event is taken before.
      move = moved(entry, previous, providerStatus, true);
      retries.push(entry);
    } else ended += 1;
    const dialed = fill();
    if (inFlight === 0) deadlines.clear();
    if (!willRetry) {
      entry.endedAt = clock.now();
      move = moved(entry, previous, providerStatus, false);
    }
    emitStatus(move);
    if (!willRetry && events.has('finished')) events.emit('finished', entry.toJSON());
    progress();
    announce(dialed);
    if (holdSlot) {
      armDoubt(entry);
      adoptOrphans();
    }
    drainedYet();
  }

  /** Done when every entry ended and no slot is held by a call that may still be ringing. */
  function drainedYet() {
    if (ended < total || inFlight > 0 || state === 'done' || state === 'idle') return;
    state = 'done';
    buffer.clear();
    deadlines.clear();
    events.emit('drained', { total, counts: { ...counts }, at: new Date(clock.now()) });
  }

  function stop(options?: StopOptions) {
    const parsed = stopOptionsSchema.safeParse(options);
    if (!parsed.success) throw invalidOptions('stop', parsed.error.issues);
    const wantsHangUp = parsed.data?.hangUp === true;
    const missing = wantsHangUp ? missingHangUpMethod(provider) : null;
    if (missing !== null) throw hangUpUnsupported(provider.name, missing);
    closeList();
    if (wantsHangUp && state !== 'done') {
      hangingUp = true;
      for (const entry of entries) if (entry.live) hangUp(entry);
    }
  }

  /** No new calls: entries not dialed and retries waiting end now. */
  function closeList() {
    if (stopped || state === 'done') return;
    stopped = true;
    state = 'paused';
    const at = clock.now();
    const closed: [Entry, DialerEntryStatus][] = [];
    for (const entry of retries.splice(0)) closed.push([entry, entry.status]);
    while (next < total) {
      const entry = entries[next++] as Entry;
      closed.push([entry, set(entry, 'canceled')]);
    }
    closed.sort(([a], [b]) => a.index - b.index);
    for (const [entry] of closed) entry.endedAt = at;
    ended += closed.length;
    for (const [entry, previous] of closed) {
      if (previous !== entry.status) emitStatus(moved(entry, previous));
      if (events.has('finished')) events.emit('finished', entry.toJSON());
    }
    if (closed.length > 0) progress();
    drainedYet();
  }

  return {
    start() {
      if (state !== 'idle' || stopped) {
        const now = stopped ? 'stopped' : state;
        throw new DialerStateError('start', now, `the dialer has already started (${now})`);
      }
      state = 'running';
      announce(fill());
      drainedYet();
    },
    pause() {
      if (state === 'idle')
        throw new DialerStateError('pause', state, 'the dialer has not started');
      if (state === 'running') state = 'paused';
    },
    resume() {
      if (state === 'idle')
        throw new DialerStateError('resume', state, 'the dialer has not started');
      if (stopped) throw new DialerStateError('resume', 'stopped', 'the dialer was stopped');
      if (state !== 'paused') return;
      state = 'running';
      announce(fill());
    },
    stop,
    setConcurrency(value) {
      const parsed = concurrencySchema.safeParse(value);
      if (!parsed.success) {
        throw invalidOptions('setConcurrency', parsed.error.issues);
      }
      concurrency = parsed.data;
      announce(fill());
    },
    handleStatus(event: CallStatusEvent): void {
      const id = idOf(event);
      if (id === undefined || !isCallStatus(event.status)) {
        report(new TypeError('handleStatus() expects a CallStatusEvent'), 'handle_status');
        return;
      }
      const providerStatus = typeof event.providerStatus === 'string' ? event.providerStatus : null;
      const entry = byId.get(id);
      if (entry) {
        if (entry.callId === id && entry.live) {
          entry.noteAnsweredBy(event.answeredBy);
          advance(entry, event.status, providerStatus);
        } else if (entry.callId === id) learnAfterEnd(entry, event);
      } else if (posting > 0 || doubtful.size > 0) {
        buffer.add(id === event.callId ? event : { ...event, callId: id });
        adoptOrphans();
      }
    },
    snapshot: () => ({ state, concurrency, stopped, entries: entries.map((e) => e.toJSON()) }),
    on: events.on,
    off: events.off,
  };
}
