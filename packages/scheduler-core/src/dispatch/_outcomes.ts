import { EarlyEventBuffer } from '@ringkit/internal';
import {
  canAdvance,
  isCallStatus,
  isTerminal,
  type CallStatusEvent,
  type Clock,
} from '@ringkit/call-client';
import type { SchedulerEmitter } from '../events.js';
import type { Store, StoredCall } from '../store.js';
import { fromOf, recordOf } from '../_records.js';
import { createAnnouncer } from './_announce.js';
import { createFinisher } from './_finish.js';
import { isTerminalStatus, reasonOf } from './_transitions.js';
import { foldStatuses, movesWritten, type Folded } from './_fold.js';
import type { Mutate } from './_writes.js';

/** Early events kept for provider ids not stored yet, at most (the oldest go first). */
const MAX_BUFFERED = 1000;
/** Rows kept by provider id, as this engine last wrote or read them, at most (oldest go first). */
const MAX_RECENT = 2000;

export interface OutcomeContext {
  store: Store;
  clock: Clock;
  emitter: SchedulerEmitter;
  mutate: Mutate;
  callerId: string;
  generateId: () => string;
  /** Makes sure the dispatch timer fires by `at`. */
  wake: (at: number) => void;
  /** How long an early event waits for its call's POST to be answered. */
  callTimeoutMs: number;
  /**
   * The rows this engine owns: a campaign's (its id), or the scheduler's own (`null`). A status
   * for a row of another owner is left alone, as for an unknown call.
   */
  campaign: string | null;
  /**
   * The name of the provider this engine places through (`CallProvider.name`): the call ids of
   * its statuses are that provider's, and a status that names another provider is not for it.
   */
  provider: string;
}

/**
 * What happens to a call once placed: provider statuses move it forward, final ones end the
 * attempt (a retry, or the final status and the series' next occurrence), and every write comes
 * back as the row written, so nothing is read again. Events for provider ids not stored yet
 * (a webhook before the POST's answer) wait in a bounded buffer. The events of each change are
 * in `_announce.ts`, the end of an attempt (a retry, or the end and the series' next occurrence)
 * in `_finish.ts`.
 */
export function createOutcomes(ctx: OutcomeContext) {
  const { store, clock, mutate } = ctx;
  /** The row when this engine owns it (see {@link OutcomeContext.campaign}), else `null`. */
  const owned = (row: StoredCall | null) =>
    row !== null && (row.campaign ?? null) === ctx.campaign ? row : null;
  /** The row of provider id `callId`: `known` when it carries that id, else looked up. */
  const rowOf = async (callId: string, known?: StoredCall) =>
    known && known.providerCallId === callId
      ? known
      : owned(await store.findByProviderCallId(ctx.provider, callId));

  const early = new EarlyEventBuffer<CallStatusEvent>(MAX_BUFFERED, ctx.callTimeoutMs, () =>
    clock.now(),
  );
  const recordOfAttempt = (next: StoredCall, before: StoredCall) =>
    recordOf(next, before.attempt, fromOf(next, ctx.callerId));
  const recent = createRecent();
  const { emitStatus, announceEnd } = createAnnouncer(ctx);
  const { scheduleNext, finish, finishAfter } = createFinisher({
    ...ctx,
    announceEnd,
    emitStatus,
    recordOfAttempt,
  });

  /**
   * Applies a provider status to the call whose current attempt has that provider id: `known`
   * when the caller has the row at hand (it is checked by the write), else looked up. A status
   * that ends the attempt ends it (`finish`); any other moves the call forward, or, overtaken by
   * a later status, still goes on the timeline and in the record as a late `answered` or as who
   * answered (`foldStatuses`, the same rules as statuses written together).
   */
  async function applyStatus(
    event: CallStatusEvent,
    known?: StoredCall,
  ): Promise<StoredCall | null> {
    const row = await rowOf(event.callId, known);
    if (!row) return null;
    const { status } = event;
    if (
      row.status !== 'scheduled' &&
      isCallStatus(status) &&
      isTerminal(status) &&
      canAdvance(row.status, status)
    ) {
      return finish(row, {
        status,
        reason: reasonOf(status),
        retryable: true,
        providerCallId: event.callId,
        answeredBy: event.answeredBy,
      });
    }
    return writeFolded(row, (r) => foldStatuses(r, [event]));
  }

  /**
   * Applies statuses of one provider id that came together (webhooks of one call that arrived
   * while the one before them was handled, or waited for its row) in one write where they can
   * be: those before the first that ends the attempt, and that end, each a step with its own
   * version and events, as if applied one by one. When the end cannot be written (someone else
   * ended the attempt meanwhile), those before it are applied to the row as found, and it after
   * them. What follows the end is applied after it.
   */
  async function applyStatuses(
    events: readonly CallStatusEvent[],
    known?: StoredCall,
  ): Promise<StoredCall | null> {
    if (events.length === 1) return applyStatus(events[0]!, known);
    const callId = events[0]!.callId;
    const row = await rowOf(callId, known);
    if (!row) return null;
    const cut = events.findIndex((e) => isCallStatus(e.status) && isTerminal(e.status));
    const lead = cut < 0 ? events : events.slice(0, cut);
    const fold = (r: StoredCall) => foldStatuses(r, lead);
    let current = row;
    const seen = fold(row);
    const last = cut < 0 ? undefined : events[cut]!;
    const tried =
      last !== undefined &&
      seen.row.providerCallId === callId &&
      seen.row.status !== 'scheduled' &&
      canAdvance(seen.row.status, last.status);
    let ended = false;
    if (tried) {
      const ending = await finishAfter(
        row,
        {
          status: last.status,
          reason: reasonOf(last.status),
          retryable: true,
          providerCallId: callId,
          answeredBy: last.answeredBy,
        },
        fold,
      );
      current = ending.row;
      ended = ending.changed;
    }
    if (!ended) {
      // Nothing written yet: the statuses before the end, as they apply now, then the end. One by
      // one, an end with nothing before it to write was tried once, from the row at hand: it
      // was that try.
      if (lead.length > 0) current = await writeFolded(current, fold);
      if (last && !(tried && seen.changes === 0)) {
        current = (await applyStatus(last, current)) ?? current;
      }
    }
    for (const event of events.slice(cut < 0 ? events.length : cut + 1)) {
      current = (await applyStatus(event, current)) ?? current;
    }
    return current;
  }

  /** Statuses that do not end the attempt, folded into one write (see `foldStatuses`). */
  async function writeFolded(
    row: StoredCall,
    fold: (r: StoredCall) => Folded,
  ): Promise<StoredCall> {
    let folded = null as Folded | null;
    const result = await mutate(
      row.id,
      (r) => {
        folded = fold(r);
        return folded.changes > 0 ? folded.patch : null;
      },
      {
        fresh: row,
        record: (next, prev) => (folded?.record ? recordOfAttempt(next, prev) : null),
        steps: () => folded?.changes ?? 1,
      },
    );
    if (result.changed && folded) {
      for (const move of movesWritten(folded, result)) {
        emitStatus(move.row, move.previous, move.providerStatus);
      }
    }
    return result.row;
  }

  /** Applies the buffered events of a provider id now stored on `row`; the row after them. */
  async function drainEarly(providerCallId: string, row: StoredCall): Promise<StoredCall> {
    const events = early.take(providerCallId);
    const current = events.length > 0 ? ((await applyStatuses(events, row)) ?? row) : row;
    recent.remember(current);
    return current;
  }

  /**
   * Looks again for the row of a provider id whose events wait in the buffer (its call placed
   * by another worker, whose answer was not written when they came), and applies them: the row
   * after them, `'drained'` when nothing waits any more (applied meanwhile, or expired), `null`
   * when no row has the id yet.
   */
  async function lookAgain(providerCallId: string): Promise<StoredCall | 'drained' | null> {
    if (!early.has(providerCallId)) return 'drained';
    const found = owned(await store.findByProviderCallId(ctx.provider, providerCallId));
    if (!found) return null;
    return early.has(providerCallId) ? drainEarly(providerCallId, found) : 'drained';
  }

  /** The last statuses of each provider id still being handled, and what they left. */
  const handling = new Map<string, Promise<StoredCall | null>>();
  /**
   * The statuses of each provider id gathered to be handled together, and what their callers
   * get: the row after them.
   */
  const gathering = new Map<
    string,
    { events: CallStatusEvent[]; result: Promise<StoredCall | null> }
  >();

  /**
   * A status from a webhook (or the app's own polling); `null` for a provider id not stored.
   * The statuses of one provider id are handled one after the other, each from the row the one
   * before it left, and those that arrive together go in one write where they can (see
   * `applyStatuses`): a status of an id nothing is handling is handled a microtask from now
   * (never after a timer), with the statuses of the same id that arrive before then (a burst
   * read from one socket in one go); those that arrive while some are handled wait for them,
   * together. Each resolves to the row after the statuses handled with it.
   */
  function handleStatus(event: CallStatusEvent): Promise<StoredCall | null> {
    if (event.provider !== undefined && event.provider !== ctx.provider) {
      return Promise.resolve(null); // another provider's call, whatever its id
    }
    const callId = String(event.callId);
    const normalised = { ...event, callId };
    const gathered = gathering.get(callId);
    if (gathered) {
      gathered.events.push(normalised);
      return gathered.result;
    }
    const before = handling.get(callId);
    const events = [normalised];
    const take = () => {
      gathering.delete(callId);
      return events;
    };
    let result: Promise<StoredCall | null>;
    if (before) {
      result = before.then(
        (row) => handleEvents(take(), row ?? undefined),
        () => handleEvents(take()),
      );
    } else {
      result = Promise.resolve().then(() => handleTogether(take()));
    }
    gathering.set(callId, { events, result });
    handling.set(callId, result);
    const done = () => {
      if (handling.get(callId) === result) handling.delete(callId);
    };
    result.then(done, done);
    return result;
  }

  /**
   * Statuses of one id that arrived together, nothing of the id handled before them. When they
   * fail together (a store that did not answer), they are handled again as they would have been
   * one after the other: the first alone, then the rest from the row it left (or read again, when
   * it failed once more). Their callers share what the last of them gives.
   */
  async function handleTogether(events: CallStatusEvent[]): Promise<StoredCall | null> {
    try {
      return await handleEvents(events);
    } catch (error) {
      if (events.length === 1) throw error;
    }
    let row: StoredCall | null | undefined;
    try {
      row = await handleEvents(events.slice(0, 1));
    } catch {
      row = undefined;
    }
    return handleEvents(events.slice(1), row ?? undefined);
  }

  /**
   * Statuses of one provider id: applied to the row at hand (the one the statuses before them
   * left, or the row this engine last wrote for the provider id: a stale one fails its write and
   * is read again), else to the row looked up. With no row yet, they wait in the buffer; while
   * requests of this engine are on their way, they are looked for once their answers are
   * written (one of them may be their call's, which applies what waits), and behind a look
   * already planned for their id.
   */
  async function handleEvents(
    events: CallStatusEvent[],
    known?: StoredCall,
  ): Promise<StoredCall | null> {
    const id = events[0]!.callId;
    const at = known ?? recent.get(id);
    if (!at && (looks.has(id) || writing.has(id))) {
      // Its row is not stored yet, and will be found without a look-up: by the placement of
      // this engine whose answer carried the id (it applies what waits once its write is done),
      // or by the look already planned. Should that write fail, the look after the answers
      // still finds what was stored.
      for (const event of events) early.add(event);
      if (!looks.has(id)) lookAfterAnswers(id);
      return null;
    }
    const row = await applyStatuses(events, at);
    if (row) {
      // A retry's row has no provider id yet: what was kept under this one is stale now.
      if (row.providerCallId === id) recent.remember(row);
      else recent.forget(id);
      return row;
    }
    // Maybe the POST that created the call has not been answered yet: keep the events for later.
    for (const event of events) early.add(event);
    if (answers.size > 0) {
      lookAfterAnswers(id);
      return null;
    }
    // Unless the answer was recorded meanwhile: by this engine, or by another.
    const found = recent.get(id) ?? owned(await store.findByProviderCallId(ctx.provider, id));
    return found ? drainEarly(id, found) : null;
  }

  /** The answers this engine's placements wait for (their requests on their way). */
  const answers = new Set<Promise<void>>();
  /**
   * Provider ids this engine's placements were answered with, while the answer is written (and
   * what waited for it applied): how many placements each (a provider that reuses an id).
   */
  const writing = new Map<string, number>();
  /** The provider ids looked for once those answers are written. */
  const looks = new Set<string>();

  /** Looks for the row of `id` once the answers awaited now are written, if events still wait. */
  function lookAfterAnswers(id: string) {
    looks.add(id);
    Promise.all([...answers])
      .then(async () => {
        looks.delete(id);
        if (!early.has(id)) return; // applied by the answer that carried the id
        const found = recent.get(id) ?? owned(await store.findByProviderCallId(ctx.provider, id));
        if (found && early.has(id)) await drainEarly(id, found);
      })
      .catch((error: unknown) => ctx.emitter.emit('error', { error, source: 'store' }));
  }

  /**
   * A placement's request goes out: the statuses of unknown ids that come meanwhile wait for its
   * answer before looking for their row. Once the provider answered with an id, `answeredWith`
   * it: the statuses of that id then wait for the answer's write instead of looking for a row
   * not stored yet. Call `settle` once the answer is written and what waited for it applied (or
   * the request or the write failed).
   */
  function expectAnswer(): { answeredWith(id: string): void; settle(): void } {
    let settle!: () => void;
    const answered = new Promise<void>((resolve) => (settle = resolve));
    answers.add(answered);
    let answeredId: string | null = null;
    return {
      answeredWith(id) {
        answeredId = id;
        writing.set(id, (writing.get(id) ?? 0) + 1);
      },
      settle() {
        answers.delete(answered);
        if (answeredId !== null) {
          const left = writing.get(answeredId)! - 1;
          if (left === 0) writing.delete(answeredId);
          else writing.set(answeredId, left);
        }
        settle();
      },
    };
  }

  return {
    emitStatus,
    announceEnd,
    scheduleNext,
    finish,
    applyStatus,
    applyStatuses,
    drainEarly,
    /** Whether events wait for this provider id. */
    hasEarly: (providerCallId: string) => early.has(providerCallId),
    lookAgain,
    expectAnswer,
    /** Keeps a row this engine wrote (a placement's answer) for the statuses that follow. */
    remember: recent.remember,
    handleStatus,
    recordOfAttempt,
  };
}

export type Outcomes = ReturnType<typeof createOutcomes>;

/**
 * The rows an engine last wrote or read, by provider call id: a status for a call placed or
 * followed here starts from it instead of a look-up (every write is a compare-and-set of the
 * version, so a row changed meanwhile by another worker is read again, never overwritten).
 */
function createRecent() {
  const rows = new Map<string, StoredCall>();
  return {
    get: (providerCallId: string) => rows.get(providerCallId),
    forget: (providerCallId: string) => rows.delete(providerCallId),
    /** Keeps `row` while its call is in flight (a status after its end is looked up). */
    remember(row: StoredCall) {
      const id = row.providerCallId;
      if (id === null) return;
      rows.delete(id);
      if (row.status === 'scheduled' || isTerminalStatus(row.status)) return;
      rows.set(id, row);
      if (rows.size > MAX_RECENT) rows.delete(rows.keys().next().value!);
    },
  };
}
