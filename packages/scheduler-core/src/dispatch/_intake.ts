import type { EarlyEventBuffer } from '@ringkit/internal';
import type { CallStatusEvent } from '@ringkit/call-client';
import type { SchedulerEmitter } from '../events.js';
import type { Store, StoredCall } from '../store.js';

/** What the intake of statuses uses of the engine's outcomes. */
export interface IntakeParts {
  store: Store;
  emitter: SchedulerEmitter;
  /** The provider this engine places through. */
  provider: string;
  /** The row when this engine owns it, else `null`. */
  owned(row: StoredCall | null): StoredCall | null;
  /** Statuses of provider ids not stored yet. */
  early: EarlyEventBuffer<CallStatusEvent>;
  /** The rows this engine last wrote or read, by provider id. */
  recent: {
    get(providerCallId: string): StoredCall | undefined;
    forget(providerCallId: string): boolean;
    remember(row: StoredCall): void;
  };
  applyStatuses(events: readonly CallStatusEvent[], known?: StoredCall): Promise<StoredCall | null>;
  /** Applies the buffered events of a provider id now stored on `row`. */
  drainEarly(providerCallId: string, row: StoredCall): Promise<StoredCall>;
}

/**
 * How statuses come in: those of one provider id one after the other, those that arrive
 * together gathered into one write, and those of an id not stored yet kept until the answer of
 * a placement of this engine carries it (`expectAnswer`) or a look finds its row.
 */
export function createIntake(parts: IntakeParts) {
  const { store, early, recent, applyStatuses, drainEarly, owned } = parts;
  const ctx = parts;
  const { answers, writing, looks, lookAfterAnswers, expectAnswer } = createAnswerWait(parts);

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
   * together. Each resolves to the row after the statuses handled with it. `known`: the row of
   * the call as its caller just read it (a call center that looked it up), taken in place of a
   * look-up of its own when nothing of the id is handled before it (a stale one fails its write
   * and is read again).
   */
  function handleStatus(event: CallStatusEvent, known?: StoredCall): Promise<StoredCall | null> {
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
      const given =
        known && known.providerCallId === callId ? (owned(known) ?? undefined) : undefined;
      result = Promise.resolve().then(() => handleTogether(take(), given));
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
  async function handleTogether(
    events: CallStatusEvent[],
    known?: StoredCall,
  ): Promise<StoredCall | null> {
    try {
      return await handleEvents(events, known);
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

  /** Whether a placement's answer with this provider id is being written now. */
  const answering = (id: string) => writing.has(id);
  return { handleStatus, expectAnswer, answering };
}

/**
 * The answers this engine's placements wait for: statuses of an id not stored yet wait for them
 * before looking for their row (`lookAfterAnswers`), and a placement says which id its answer
 * carried (`expectAnswer`).
 */
function createAnswerWait(parts: IntakeParts) {
  const { store, early, recent, drainEarly, owned } = parts;
  const ctx = parts;
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

  return { answers, writing, looks, lookAfterAnswers, expectAnswer };
}
