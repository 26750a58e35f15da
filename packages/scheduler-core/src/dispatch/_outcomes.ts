import { EarlyEventBuffer } from '@ringkit/internal';
import type { CallStatusEvent, Clock } from '@ringkit/call-client';
import type { SchedulerEmitter } from '../events.js';
import type { Store, StoredCall } from '../store.js';
import { fromOf, recordOf } from '../_records.js';
import { createAnnouncer } from './_announce.js';
import { createFinisher } from './_finish.js';
import { isTerminalStatus } from './_transitions.js';
import { createApplier } from './_apply.js';
import { createIntake } from './_intake.js';
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
  /** How many early events are kept, at most (the oldest go first). @default 1000 */
  maxEarlyEvents?: number;
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

  const early = new EarlyEventBuffer<CallStatusEvent>(
    ctx.maxEarlyEvents ?? MAX_BUFFERED,
    ctx.callTimeoutMs,
    () => clock.now(),
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

  const { applyStatus, applyStatuses } = createApplier({
    mutate,
    rowOf,
    finish,
    finishAfter,
    emitStatus,
    recordOfAttempt,
  });

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

  const { handleStatus, expectAnswer, answering } = createIntake({
    store,
    emitter: ctx.emitter,
    provider: ctx.provider,
    owned,
    early,
    recent,
    applyStatuses,
    drainEarly,
  });

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
    /** The row this engine last wrote or read for a provider id while its call is in flight. */
    recentRow: recent.get,
    /** Whether a placement's answer with this provider id is being written now. */
    answering,
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
