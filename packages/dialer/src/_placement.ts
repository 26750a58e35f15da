/**
 * Placing calls, in the in-memory dialer: every free slot takes the next entry (a retry first),
 * `placeCall` is invoked first thing, and its answer (a call id, or a failure) moves the entry on.
 */
import {
  isAmbiguousPlacement,
  isCallStatus,
  isRetryablePlacementError,
  placementOutcomeOf,
  type CallStatusEvent,
  type ProviderCall,
} from '@ringkit/call-client';
import { endSpan, traceIds, type SpanLike } from '@ringkit/internal';
import { messageOf, type Entry } from './_entry.js';
import type { DialerRun } from './_run.js';

/** What `buffer.take` would give for an id nothing was kept for, without allocating. */
const NO_EVENTS: readonly CallStatusEvent[] = Object.freeze([]);

/**
 * Places a call in every free slot; the caller then announces them with `announce`. The list
 * of them is made once the first POST has left.
 */
export function fill(run: DialerRun): Entry[] | undefined {
  let dialed: Entry[] | undefined;
  while (run.state === 'running' && run.inFlight < run.concurrency) {
    const entry =
      run.retries.length > 0
        ? run.retries.shift()
        : run.next < run.total
          ? run.entries[run.next++]
          : undefined;
    if (entry === undefined) break;
    dial(run, entry);
    (dialed ??= []).push(entry);
  }
  return dialed;
}

/** The `dialing` and `status` events of the entries `fill` dialed, and `progress`. */
export function announce(run: DialerRun, dialed: Entry[] | undefined): void {
  if (dialed === undefined) return;
  const { events, clock } = run;
  for (const entry of dialed) {
    const { index, phone, attempts: attempt } = entry;
    if (events.has('dialing'))
      events.emit('dialing', { index, phone, attempt, at: new Date(clock.now()) });
    run.emitStatus(run.moved(entry, entry.dialedFrom));
    run.progress();
  }
}

/** The entry's POST has answered (or will never): it no longer waits for one. */
export function postAnswered(run: DialerRun, entry: Entry): void {
  entry.posting = false;
  entry.watched = false;
  run.posting -= 1;
  // Events no POST claimed may still be the call of a placement whose outcome is unknown.
  if (run.posting === 0 && run.buffer.size > 0 && run.doubtful.size === 0) run.buffer.clear();
}

/**
 * Invokes `placeCall` first thing; the rest of the bookkeeping and every event come after. No
 * closure or options object is made before the call leaves, but the placement's span when
 * there is something to trace to.
 */
function dial(run: DialerRun, entry: Entry) {
  const { provider, tracing, clock } = run;
  const attempt = ++entry.attempts;
  entry.callId = null;
  entry.answeredAt = null;
  entry.answeredBy = null;
  entry.error = undefined;
  entry.hangingUp = false;
  entry.live = entry.posting = entry.watched = true;
  run.inFlight += 1;
  run.posting += 1;
  entry.dialedFrom = run.set(entry, 'dialing');
  const controller = run.spare ?? new AbortController();
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
  run.spare = new AbortController();
  const now = clock.now();
  entry.startedAt ??= now;
  entry.dialedAt = now;
  run.deadlines.add(entry, attempt, now + run.callTimeoutMs);
  placed
    .then(
      (call) => {
        try {
          onPlaced(run, entry, attempt, call);
        } finally {
          placementDone(run, entry, attempt, span, now, { call });
        }
      },
      (error: unknown) => {
        try {
          onPlaceFailed(run, entry, attempt, error);
        } finally {
          placementDone(run, entry, attempt, span, now, { error });
        }
      },
    )
    .catch((error: unknown) => run.report(error, 'place_call'));
}

/** Ends the placement's span and emits `placement`, once the answer took effect. */
function placementDone(
  run: DialerRun,
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
  if (!run.events.has('placement')) return;
  const callId = answer.call && typeof answer.call.id === 'string' ? answer.call.id : null;
  const providerStatus = answer.call?.providerStatus;
  run.events.emit('placement', {
    index: entry.index,
    phone: entry.phone,
    attempt,
    outcome,
    provider: run.provider.name,
    callId,
    ...(typeof providerStatus === 'string' ? { providerStatus } : {}),
    ...(answer.call ? {} : { error: answer.error }),
    sentAt: new Date(sentAt),
    durationMs: Math.max(0, run.clock.now() - sentAt),
    ...(trace === undefined ? {} : { trace }),
  });
}

function onPlaced(run: DialerRun, entry: Entry, attempt: number, call: ProviderCall) {
  const { byId, buffer, hooks } = run;
  const id = typeof call?.id === 'string' && call.id !== '' ? call.id : undefined;
  if (!entry.isActive(attempt) || !entry.posting) {
    if (id !== undefined && !byId.has(id)) byId.set(id, entry);
    return;
  }
  const early = id === undefined || buffer.size === 0 ? NO_EVENTS : buffer.take(id);
  postAnswered(run, entry);
  if (id === undefined || byId.has(id)) {
    const name = run.provider.name;
    const why =
      id === undefined
        ? `${name} answered the POST without a call id`
        : `${name} answered call id ${id}, already given to entry #${byId.get(id)?.index}`;
    hooks.fail(entry, id === undefined ? 'place_failed' : 'duplicate_id', why);
    return;
  }
  byId.set(id, entry);
  entry.callId = id;
  entry.noteAnsweredBy(call.answeredBy);
  const status = isCallStatus(call.status) && call.status !== 'queued' ? call.status : 'initiated';
  hooks.advance(
    entry,
    status,
    typeof call.providerStatus === 'string' ? call.providerStatus : null,
  );
  for (const event of early) {
    if (!entry.isActive(attempt)) break;
    entry.noteAnsweredBy(event.answeredBy);
    hooks.advance(entry, event.status, event.providerStatus);
  }
  if (run.poll && entry.isActive(attempt)) hooks.follow(entry, attempt, id);
  if (run.hangingUp) hooks.hangUp(entry);
  hooks.adoptOrphans();
}

function onPlaceFailed(run: DialerRun, entry: Entry, attempt: number, error: unknown) {
  if (!entry.isActive(attempt) || !entry.posting) return;
  run.report(error, 'place_call', entry.index);
  if (isAmbiguousPlacement(error)) {
    // The request left and no clear answer came back: the phone may be ringing. Never dialed
    // again; the slot stays taken until the call surely ended. Webhooks kept for ids no POST
    // answered may be this call's, so the POST's end is noted only once the entry is in doubt.
    const message = `The call may or may not have been placed: ${messageOf(error)}`;
    run.hooks.fail(entry, 'outcome_unknown', message, error, { holdSlot: true });
    return;
  }
  postAnswered(run, entry);
  const message = `Placing the call failed: ${messageOf(error)}`;
  // A new attempt only where the POST surely placed no call: nobody is called twice.
  const redialable = isRetryablePlacementError(error);
  run.hooks.fail(entry, 'place_failed', message, error, { redialable });
  run.hooks.adoptOrphans();
}
