import { EarlyEventBuffer } from '@ringkit/internal';
import {
  canAdvance,
  isCallStatus,
  isTerminal,
  type AnsweredBy,
  type CallStatus,
  type CallStatusEvent,
  type Clock,
} from '@ringkit/call-client';
import { isConflictError } from '../errors.js';
import type { SchedulerEmitter, SchedulerEvents } from '../events.js';
import type { Store, StoredCall } from '../store.js';
import type { ScheduledCallStatus } from '../types.js';
import { answeredByOf, fromOf, recordOf } from '../_records.js';
import { newStoredCall, toScheduledCall } from '../_rows.js';
import { nextRun } from '../_time.js';
import {
  advanced,
  answeredByLearned,
  answeredLate,
  canRetry,
  continuesSeries,
  ended,
  isTerminalStatus,
  reasonOf,
  recordWorthy,
} from './_transitions.js';
import type { Mutate } from './_writes.js';

/** Early events kept for provider ids not stored yet, at most (the oldest go first). */
const MAX_BUFFERED = 1000;

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
}

/** How an attempt ends. */
export interface EndOptions {
  /** The attempt's final status (`failed` for one that ended without a provider status). */
  status: CallStatus;
  /** Why (`null` for `completed`): the provider's status, or ours (`timeout`, `outcome_unknown`…). */
  reason: string | null;
  /**
   * Whether this ending allows another attempt (within `maxAttempts`): only when the provider
   * surely placed no call, or reported the call's end itself.
   * @default false
   */
  retryable?: boolean;
  error?: unknown;
  /** Who answered, as the provider status that ends the attempt says. */
  answeredBy?: AnsweredBy;
  /** Set when a provider status ends the attempt: only the attempt with this id is ended. */
  providerCallId?: string;
  /**
   * Set when the attempt ends without a provider answer (an unknown outcome): only an attempt
   * still `queued` on the same `placingAt` is ended, never one whose answer was written meanwhile.
   */
  unanswered?: boolean;
}

/**
 * What happens to a call once placed: provider statuses move it forward, final ones end the
 * attempt (a retry, or the final status and the series' next occurrence), and every write comes
 * back as the row written, so nothing is read again. Events for provider ids not stored yet
 * (a webhook before the POST's answer) wait in a bounded buffer.
 */
export function createOutcomes(ctx: OutcomeContext) {
  const { store, clock, emitter, mutate } = ctx;
  /** The row when this engine owns it (see {@link OutcomeContext.campaign}), else `null`. */
  const owned = (row: StoredCall | null) =>
    row !== null && (row.campaign ?? null) === ctx.campaign ? row : null;

  const early = new EarlyEventBuffer<CallStatusEvent>(MAX_BUFFERED, ctx.callTimeoutMs, () =>
    clock.now(),
  );
  const recordOfAttempt = (next: StoredCall, before: StoredCall) =>
    recordOf(next, before.attempt, fromOf(next, ctx.callerId));

  function emitStatus(row: StoredCall, previous: ScheduledCallStatus, providerStatus?: string) {
    if (!emitter.has('status')) return;
    const event: SchedulerEvents['status'] = {
      call: toScheduledCall(row),
      status: row.status,
      previous,
      at: new Date(clock.now()),
    };
    if (providerStatus !== undefined) event.providerStatus = providerStatus;
    const answeredBy = answeredByOf(row, row.attempt);
    if (answeredBy !== null) event.answeredBy = answeredBy;
    emitter.emit('status', event);
  }

  /** The events of an attempt that ended with `status` (the row may be `scheduled` for a retry). */
  function announceEnd(
    row: StoredCall,
    previous: ScheduledCallStatus,
    status: CallStatus,
    reason: string | null,
    error?: unknown,
  ) {
    const call = toScheduledCall({ ...row, status });
    if (emitter.has('status')) {
      // A retry is at the next attempt already: who answered is the ended one's.
      const attempt = row.status === 'scheduled' ? row.attempt - 1 : row.attempt;
      const answeredBy = answeredByOf(row, attempt);
      emitter.emit('status', {
        call,
        status,
        previous,
        at: new Date(clock.now()),
        ...(answeredBy === null ? {} : { answeredBy }),
      });
    }
    if (row.status === 'scheduled') {
      emitter.emit('retrying', { call: toScheduledCall(row), reason: reason ?? status });
      ctx.wake(row.dueAt);
    } else if (status === 'completed') {
      emitter.emit('completed', { call });
    } else if (status === 'canceled') {
      emitter.emit('canceled', { call });
    } else {
      emitter.emit(
        'failed',
        error === undefined
          ? { call, reason: reason ?? status }
          : { call, reason: reason ?? status, error },
      );
    }
  }

  /** Stores the series' next occurrence; idempotent, so two workers never make two. */
  async function scheduleNext(row: StoredCall) {
    const options = row.options!;
    const recurrence = options.recurrence!;
    const seriesId = options.seriesId ?? row.id;
    const base = Math.max(options.occurrenceAt ?? row.dueAt, clock.now());
    const next = nextRun(recurrence.cron, recurrence.timezone, base);
    if (next === null) return;
    const key = `series:${seriesId}:${next}`;
    try {
      const stored = await store.insert(
        newStoredCall({
          id: ctx.generateId(),
          to: row.to,
          dueAt: next,
          now: clock.now(),
          idempotencyKey: key,
          options: { ...options, seriesId, occurrenceAt: next },
          call: row.call,
        }),
      );
      emitter.emit('scheduled', { call: toScheduledCall(stored) });
      ctx.wake(next);
    } catch (error) {
      if (!(isConflictError(error) && error.reason === 'duplicate')) throw error;
    }
  }

  /**
   * Ends the current attempt of `before` (the row as last seen): retry, or the final status and
   * the next occurrence. Resolves to the row as written, or as found when someone else ended it.
   */
  async function finish(before: StoredCall, options: EndOptions): Promise<StoredCall> {
    const { status, reason, retryable = false } = options;
    const now = clock.now();
    const retry = canRetry(before, status, retryable);
    if (!retry && continuesSeries(status) && before.options?.recurrence) await scheduleNext(before);
    const result = await mutate(
      before.id,
      (r) => {
        if (options.providerCallId !== undefined && r.providerCallId !== options.providerCallId) {
          return null; // another attempt by now
        }
        if (
          options.unanswered &&
          (r.status !== 'queued' ||
            r.attempt !== before.attempt ||
            r.placingAt !== before.placingAt)
        ) {
          return null; // answered, or ended, meanwhile
        }
        if (
          r.version !== before.version &&
          (r.status === 'scheduled' || isTerminalStatus(r.status))
        ) {
          return null; // someone else ended this attempt
        }
        return ended(r, {
          status,
          reason,
          retry: retry && r.attempt === before.attempt,
          at: now,
          answeredBy: options.answeredBy,
        });
      },
      { fresh: before, record: recordOfAttempt },
    );
    if (result.changed) {
      announceEnd(result.row, result.before.status, status, reason, options.error);
    }
    return result.row;
  }

  /**
   * Applies a provider status to the call whose current attempt has that provider id: `known`
   * when the caller has the row at hand (it is checked by the write), else looked up.
   */
  async function applyStatus(
    event: CallStatusEvent,
    known?: StoredCall,
  ): Promise<StoredCall | null> {
    const row =
      known && known.providerCallId === event.callId
        ? known
        : owned(await store.findByProviderCallId(event.callId));
    if (!row) return null;
    const from = row.status;
    if (event.status === 'answered' && from !== 'scheduled' && !canAdvance(from, 'answered')) {
      return answeredAfter(row, event);
    }
    if (from === 'scheduled') return row;
    if (!isCallStatus(event.status) || !canAdvance(from, event.status)) {
      return event.answeredBy === undefined ? row : learnAnsweredBy(row, event);
    }
    const status = event.status;
    if (isTerminal(status)) {
      return finish(row, {
        status,
        reason: reasonOf(status),
        retryable: true,
        providerCallId: event.callId,
        answeredBy: event.answeredBy,
      });
    }
    const at = event.at.getTime();
    const {
      row: updated,
      before,
      changed,
    } = await mutate(
      row.id,
      (r) => {
        if (r.providerCallId !== event.callId || r.status === 'scheduled') return null;
        if (canAdvance(r.status, status)) {
          return advanced(r, status, at, event.providerStatus, event.answeredBy);
        }
        // Overtaken meanwhile by a later status (two webhooks handled at once): the answer
        // still counts, on the timeline and in the record, and so does who answered.
        return status === 'answered'
          ? answeredLate(r, at, event.providerStatus, event.answeredBy)
          : answeredByLearned(r, event.answeredBy);
      },
      {
        fresh: row,
        record: (next, prev) =>
          recordWorthy(status) || event.answeredBy !== undefined
            ? recordOfAttempt(next, prev)
            : null,
      },
    );
    if (changed && updated.status !== before.status) {
      emitStatus(updated, before.status, event.providerStatus);
    }
    return updated;
  }

  /** A late `answered`: on the timeline and in the record, the status unchanged. */
  async function answeredAfter(row: StoredCall, event: CallStatusEvent): Promise<StoredCall> {
    const at = event.at.getTime();
    const { row: updated } = await mutate(
      row.id,
      (r) =>
        r.providerCallId === event.callId && r.status !== 'scheduled'
          ? answeredLate(r, at, event.providerStatus, event.answeredBy)
          : null,
      { fresh: row, record: recordOfAttempt },
    );
    return updated;
  }

  /**
   * A repeated or late status that says who answered when nothing before it did: on the
   * timeline and in the record, the status unchanged.
   */
  async function learnAnsweredBy(row: StoredCall, event: CallStatusEvent): Promise<StoredCall> {
    const { row: updated } = await mutate(
      row.id,
      (r) =>
        r.providerCallId === event.callId && r.status !== 'scheduled'
          ? answeredByLearned(r, event.answeredBy)
          : null,
      { fresh: row, record: recordOfAttempt },
    );
    return updated;
  }

  /** Applies the buffered events of a provider id now stored on `row`; the row after them. */
  async function drainEarly(providerCallId: string, row: StoredCall): Promise<StoredCall> {
    const events = early.take(providerCallId);
    let current = row;
    for (const event of events) current = (await applyStatus(event, current)) ?? current;
    return current;
  }

  /** A status from a webhook (or the app's own polling); `null` for a provider id not stored. */
  async function handleStatus(event: CallStatusEvent): Promise<StoredCall | null> {
    const callId = String(event.callId);
    const normalised = { ...event, callId };
    const row = await applyStatus(normalised);
    if (row) return row;
    // Maybe the POST that created the call has not been answered yet: keep the event for later.
    early.add(normalised);
    // Unless the answer was recorded meanwhile.
    const found = owned(await store.findByProviderCallId(callId));
    return found ? drainEarly(callId, found) : null;
  }

  return {
    emitStatus,
    announceEnd,
    scheduleNext,
    finish,
    applyStatus,
    drainEarly,
    /** Whether events wait for this provider id. */
    hasEarly: (providerCallId: string) => early.has(providerCallId),
    handleStatus,
    recordOfAttempt,
  };
}

export type Outcomes = ReturnType<typeof createOutcomes>;
