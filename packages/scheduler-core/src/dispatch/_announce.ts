import type { CallStatus, Clock } from '@ringkit/call-client';
import type { SchedulerEmitter, SchedulerEvents } from '../events.js';
import type { StoredCall } from '../store.js';
import type { ScheduledCallStatus } from '../types.js';
import { answeredByOf } from '../_records.js';
import { toScheduledCall } from '../_rows.js';

/** The do-not-call entry's reason, as the claim that ended the call wrote it in its last step. */
const suppressionNote = (row: StoredCall): string =>
  row.events?.at(-1)?.note ?? row.reason ?? 'suppressed';

/** What the events of a call's changes need. */
export interface AnnounceContext {
  clock: Clock;
  emitter: SchedulerEmitter;
  /** Makes sure the dispatch timer fires by `at` (a retry is due then). */
  wake: (at: number) => void;
}

/**
 * The events of a call's changes, once written: `status` for a step, and for an attempt that
 * ended, `retrying`, `completed`, `canceled` or `failed`.
 */
export function createAnnouncer(ctx: AnnounceContext) {
  const { clock, emitter } = ctx;

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
    } else if (status === 'suppressed') {
      emitter.emit('suppressed', { call, reason: suppressionNote(row) });
    } else {
      emitter.emit(
        'failed',
        error === undefined
          ? { call, reason: reason ?? status }
          : { call, reason: reason ?? status, error },
      );
    }
  }

  return { emitStatus, announceEnd };
}
