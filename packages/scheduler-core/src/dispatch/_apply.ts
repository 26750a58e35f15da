import { canAdvance, isCallStatus, isTerminal, type CallStatusEvent } from '@ringkit/call-client';
import type { recordOf } from '../_records.js';
import type { StoredCall } from '../store.js';
import type { createAnnouncer } from './_announce.js';
import type { createFinisher } from './_finish.js';
import { foldStatuses, movesWritten, type Folded } from './_fold.js';
import { reasonOf } from './_transitions.js';
import type { Mutate } from './_writes.js';

/** What applying statuses uses of the engine's outcomes. */
export interface ApplierParts {
  mutate: Mutate;
  /** The row of provider id `callId`: `known` when it carries that id, else looked up. */
  rowOf(callId: string, known?: StoredCall): Promise<StoredCall | null>;
  finish: ReturnType<typeof createFinisher>['finish'];
  finishAfter: ReturnType<typeof createFinisher>['finishAfter'];
  emitStatus: ReturnType<typeof createAnnouncer>['emitStatus'];
  recordOfAttempt(next: StoredCall, before: StoredCall): ReturnType<typeof recordOf>;
}

/**
 * Provider statuses applied to the row of their call: one at a time (`applyStatus`), or those
 * of one call that came together in one write where they can be (`applyStatuses`).
 */
export function createApplier(parts: ApplierParts) {
  const { mutate, rowOf, finish, finishAfter, emitStatus, recordOfAttempt } = parts;

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

  return { applyStatus, applyStatuses };
}
