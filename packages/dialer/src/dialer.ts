/**
 * `createDialer()`: the in-memory dialer, or the durable one (`campaign/`) with a `store`. The
 * in-memory dialer is one run's state (`_run.ts`) changed in place by its parts: placement
 * (`_placement.ts`), the ends of attempts (`_attempt-end.ts`), calls in doubt and late events
 * (`_doubt.ts`), following calls (`_follow.ts`), hanging them up (`_hang-up.ts`), deadlines
 * (`_deadlines.ts`); options (`_options.ts`), entries and ranks (`_entry.ts`). This file wires
 * them and holds what a user calls: start, pause, resume, stop, concurrency, webhooks.
 */
import { isCallStatus, type CallStatusEvent } from '@ringkit/call-client';
import { advance, end, fail } from './_attempt-end.js';
import { adoptOrphans, learnAfterEnd } from './_doubt.js';
import { idOf, type Entry } from './_entry.js';
import { followByPolling, onAttemptTimeout, type AttemptHost } from './_follow.js';
import { hangUpEntry, missingHangUpMethod, type HangUpHost } from './_hang-up.js';
import { concurrencySchema, resolveOptions, stopOptionsSchema } from './_options.js';
import { announce, fill } from './_placement.js';
import { DialerRun } from './_run.js';
import { createCampaignDialer } from './campaign/_dialer.js';
import { DialerStateError, hangUpUnsupported, invalidOptions } from './errors.js';
import type {
  CampaignDialer,
  CampaignDialerOptions,
  Dialer,
  DialerEntryStatus,
  DialerOptions,
  StopOptions,
} from './types.js';

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
  const run = new DialerRun(resolved);
  const { provider, events } = run;
  const attemptHost: AttemptHost = {
    ...resolved,
    advance: (entry, status, word) => advance(run, entry, status, word),
    fail: (entry, reason, message, cause) => fail(run, entry, reason, message, cause),
    report: run.report,
  };
  const hangUpHost: HangUpHost = {
    provider,
    advance: attemptHost.advance,
    endAs: (entry, outcome, word) => end(run, entry, outcome, word),
    report: run.report,
  };
  Object.assign(run.hooks, {
    advance: attemptHost.advance,
    fail: (entry, reason, message, cause, how) => fail(run, entry, reason, message, cause, how),
    adoptOrphans: () => adoptOrphans(run),
    follow: (entry, attempt, id) => void followByPolling(attemptHost, entry, attempt, id),
    hangUp: (entry) => hangUpEntry(hangUpHost, entry),
    timedOut: (entry, attempt) => onAttemptTimeout(attemptHost, entry, attempt),
  } satisfies typeof run.hooks);

  return {
    start() {
      if (run.state !== 'idle' || run.stopped) {
        const now = run.stopped ? 'stopped' : run.state;
        throw new DialerStateError('start', now, `the dialer has already started (${now})`);
      }
      run.state = 'running';
      announce(run, fill(run));
      run.drainedYet();
    },
    pause() {
      if (run.state === 'idle')
        throw new DialerStateError('pause', run.state, 'the dialer has not started');
      if (run.state === 'running') run.state = 'paused';
    },
    resume() {
      if (run.state === 'idle')
        throw new DialerStateError('resume', run.state, 'the dialer has not started');
      if (run.stopped) throw new DialerStateError('resume', 'stopped', 'the dialer was stopped');
      if (run.state !== 'paused') return;
      run.state = 'running';
      announce(run, fill(run));
    },
    stop: (stopOptions?: StopOptions) => stop(run, stopOptions),
    setConcurrency(value) {
      const parsed = concurrencySchema.safeParse(value);
      if (!parsed.success) {
        throw invalidOptions('setConcurrency', parsed.error.issues);
      }
      run.concurrency = parsed.data;
      announce(run, fill(run));
    },
    handleStatus: (event: CallStatusEvent) => handleStatus(run, event),
    snapshot: () => ({
      state: run.state,
      concurrency: run.concurrency,
      stopped: run.stopped,
      entries: run.entries.map((e) => e.toJSON()),
    }),
    on: events.on,
    off: events.off,
  };
}

/** A status event of one of the run's calls: to its entry, or kept for a POST not answered yet. */
function handleStatus(run: DialerRun, event: CallStatusEvent): void {
  const id = idOf(event);
  if (id === undefined || !isCallStatus(event.status)) {
    run.report(new TypeError('handleStatus() expects a CallStatusEvent'), 'handle_status');
    return;
  }
  const providerStatus = typeof event.providerStatus === 'string' ? event.providerStatus : null;
  const entry = run.byId.get(id);
  if (entry) {
    if (entry.callId === id && entry.live) {
      entry.noteAnsweredBy(event.answeredBy);
      advance(run, entry, event.status, providerStatus);
    } else if (entry.callId === id) learnAfterEnd(run, entry, event);
  } else if (run.posting > 0 || run.doubtful.size > 0) {
    run.buffer.add(id === event.callId ? event : { ...event, callId: id });
    adoptOrphans(run);
  }
}

function stop(run: DialerRun, options?: StopOptions) {
  const parsed = stopOptionsSchema.safeParse(options);
  if (!parsed.success) throw invalidOptions('stop', parsed.error.issues);
  const wantsHangUp = parsed.data?.hangUp === true;
  const missing = wantsHangUp ? missingHangUpMethod(run.provider) : null;
  if (missing !== null) throw hangUpUnsupported(run.provider.name, missing);
  closeList(run);
  if (wantsHangUp && run.state !== 'done') {
    run.hangingUp = true;
    for (const entry of run.entries) if (entry.live) run.hooks.hangUp(entry);
  }
}

/** No new calls: entries not dialed and retries waiting end now. */
function closeList(run: DialerRun) {
  if (run.stopped || run.state === 'done') return;
  run.stopped = true;
  run.state = 'paused';
  const { events } = run;
  const at = run.clock.now();
  const closed: [Entry, DialerEntryStatus][] = [];
  for (const entry of run.retries.splice(0)) closed.push([entry, entry.status]);
  while (run.next < run.total) {
    const entry = run.entries[run.next++] as Entry;
    closed.push([entry, run.set(entry, 'canceled')]);
  }
  closed.sort(([a], [b]) => a.index - b.index);
  for (const [entry] of closed) entry.endedAt = at;
  run.ended += closed.length;
  for (const [entry, previous] of closed) {
    if (previous !== entry.status) run.emitStatus(run.moved(entry, previous));
    if (events.has('finished')) events.emit('finished', entry.toJSON());
  }
  if (closed.length > 0) run.progress();
  run.drainedYet();
}
