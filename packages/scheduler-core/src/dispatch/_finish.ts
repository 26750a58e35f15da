import type { AnsweredBy, CallStatus, Clock } from '@ringkit/call-client';
import { isConflictError } from '../errors.js';
import type { SchedulerEmitter } from '../events.js';
import type { Store, StoredCall, StoredCallRecord } from '../store.js';
import type { ScheduledCallStatus } from '../types.js';
import { newStoredCall, toScheduledCall } from '../_rows.js';
import { nextRun } from '../_time.js';
import { retryDelay } from '../_retry.js';
import { canRetry, continuesSeries, ended, isTerminalStatus } from './_transitions.js';
import { movesWritten, type Folded } from './_fold.js';
import type { Mutate, Mutation } from './_writes.js';

/** How an attempt ends. */
export interface EndOptions {
  /** The attempt's final status (`failed` for one that ended without a provider status). */
  status: CallStatus;
  /** Why (`null` for `completed`): the provider's status, or ours (`timeout`, `outcome_unknown`…). */
  reason: string | null;
  /**
   * Whether this ending allows another attempt (within `maxAttempts` and `retry`): only when the provider
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

/** What ending attempts needs. */
export interface FinishContext {
  store: Store;
  clock: Clock;
  emitter: SchedulerEmitter;
  mutate: Mutate;
  generateId: () => string;
  /** Makes sure the dispatch timer fires by `at`. */
  wake: (at: number) => void;
  /** The events of an attempt that ended (see `_announce.ts`). */
  announceEnd: (
    row: StoredCall,
    previous: ScheduledCallStatus,
    status: CallStatus,
    reason: string | null,
    error?: unknown,
  ) => void;
  /** The call record of the attempt a write changes. */
  recordOfAttempt: (next: StoredCall, before: StoredCall) => StoredCallRecord | null;
  /** The `status` event of a step (see `_announce.ts`). */
  emitStatus: (row: StoredCall, previous: ScheduledCallStatus, providerStatus?: string) => void;
}

/**
 * The end of an attempt: a retry, or the final status and, for a recurring call, the series'
 * next occurrence. Every end is one compare-and-set with the attempt's call record, and no end
 * is written twice, whoever else (a webhook, another worker) ends the attempt meanwhile.
 */
export function createFinisher(ctx: FinishContext) {
  const { store, clock, emitter, mutate } = ctx;

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
          provider: row.provider ?? null,
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
    return (await finishAfter(before, options)).row;
  }

  /**
   * {@link finish}, with the statuses that came just before the end (`lead`: `foldStatuses` of
   * them, run on the row as written) in the same write, each a step with its own version and
   * `status` event. Resolves to the write: unchanged (none of it written) when someone else
   * ended the attempt meanwhile.
   */
  async function finishAfter(
    before: StoredCall,
    options: EndOptions,
    lead?: (row: StoredCall) => Folded,
  ): Promise<Mutation> {
    const { status, reason, retryable = false } = options;
    const now = clock.now();
    const end = { status, answeredBy: options.answeredBy, retryable };
    /** The row as last seen, with the statuses before the end. */
    const seen = lead ? lead(before).row : before;
    const retry = canRetry(seen, end);
    if (!retry && continuesSeries(status) && before.options?.recurrence) await scheduleNext(before);
    let folded = null as Folded | null;
    const result = await mutate(
      before.id,
      (r) => {
        folded = null;
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
        folded = lead ? lead(r) : null;
        const current = folded ? folded.row : r;
        // Decided on the row as written (who answered may have been learned meanwhile), but for
        // a recurring call, whose series' next occurrence was stored, or not, on `before`.
        let later: number | null = null;
        if (current.attempt === before.attempt) {
          if (!before.options?.recurrence) later = retryDelay(current, end);
          else if (retry) later = retryDelay(current, end) ?? retryDelay(seen, end);
        }
        const ending = ended(current, {
          status,
          reason,
          retryAfterMs: later,
          at: now,
          answeredBy: options.answeredBy,
        });
        return folded ? { ...folded.patch, ...ending } : ending;
      },
      {
        fresh: before,
        record: ctx.recordOfAttempt,
        steps: () => (folded?.changes ?? 0) + 1,
        frees: true,
      },
    );
    if (result.changed) {
      let previous = result.before.status;
      if (folded) {
        for (const move of movesWritten(folded, result)) {
          ctx.emitStatus(move.row, move.previous, move.providerStatus);
          previous = move.row.status;
        }
      }
      ctx.announceEnd(result.row, previous, status, reason, options.error);
    }
    return result;
  }

  return { scheduleNext, finish, finishAfter };
}
