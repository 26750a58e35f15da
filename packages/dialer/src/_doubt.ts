/**
 * Calls in doubt, in the in-memory dialer: a placement whose outcome is unknown holds its slot
 * until its call surely ended (an event says so, or its call timeout passed), and events that
 * come after an entry ended still teach what they can (who answered, when, the real outcome).
 */
import { isCallStatus, isTerminal, type CallStatusEvent } from '@ringkit/call-client';
import { clampTimerMs } from '@ringkit/internal';
import type { Entry } from './_entry.js';
import { announce, fill } from './_placement.js';
import type { DialerRun } from './_run.js';

/**
 * Gives the events of an id no POST answered to the entry whose placement's outcome is
 * unknown, when no POST is pending and that entry's is the only such placement of the run
 * whose id is not known: then the call can only be its own. Otherwise nothing can be told
 * apart, and slots in doubt wait for their timeouts.
 */
export function adoptOrphans(run: DialerRun): void {
  const { buffer, doubtful } = run;
  if (run.posting > 0 || doubtful.size !== 1 || run.unattributed !== 1 || buffer.size === 0) {
    return;
  }
  const orphans = buffer.takeAll();
  if (orphans.size !== 1) return;
  const [entry] = doubtful;
  const [orphan] = orphans;
  if (!entry || !orphan || run.byId.has(orphan[0])) return;
  const [id, held] = orphan;
  run.byId.set(id, entry);
  entry.callId = id;
  run.unattributed -= 1;
  for (const event of held) learnAfterEnd(run, entry, event);
}

/**
 * What a status event teaches about an entry that has ended: when a late `answered` says it was
 * answered, and, for a placement whose outcome was unknown, its real outcome (which frees its
 * slot). `finished` is emitted again with what was learned.
 */
export function learnAfterEnd(run: DialerRun, entry: Entry, event: CallStatusEvent): void {
  const { clock, events } = run;
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
      run.set(entry, status);
      if (status !== 'failed') entry.error = undefined;
      const word = typeof event.providerStatus === 'string' ? event.providerStatus : null;
      run.emitStatus(run.moved(entry, previous, word));
    }
    if (events.has('finished')) events.emit('finished', entry.toJSON());
    release(run, entry);
    return;
  }
  if (learned && events.has('finished')) events.emit('finished', entry.toJSON());
}

/**
 * Frees the slot of an entry whose placement's outcome was unknown. With `timedOut` (its call
 * timeout passed, its end still unknown) `finished` tells that the slot is no longer held.
 */
export function release(run: DialerRun, entry: Entry, timedOut = false): void {
  if (!entry.inDoubt) return;
  entry.inDoubt = false;
  run.doubtful.delete(entry);
  if (entry.timer !== undefined) run.clock.clearTimeout(entry.timer);
  entry.timer = undefined;
  run.inFlight -= 1;
  // The freed slot is taken before anyone is told.
  const dialed = fill(run);
  if (run.inFlight === 0) run.deadlines.clear();
  if (timedOut && run.events.has('finished')) run.events.emit('finished', entry.toJSON());
  run.progress();
  announce(run, dialed);
  run.drainedYet();
}

/** Holds the slot of an entry in doubt until its attempt's call timeout passes. */
export function armDoubt(run: DialerRun, entry: Entry): void {
  const { clock } = run;
  const until = entry.dialedAt + run.callTimeoutMs;
  entry.timer = clock.setTimeout(
    () => {
      entry.timer = undefined;
      if (!entry.inDoubt) return;
      if (clock.now() < until)
        armDoubt(run, entry); // a clamped timer fired early
      else release(run, entry, true);
    },
    clampTimerMs(until - clock.now()),
  );
}
