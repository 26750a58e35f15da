import { canAdvance, isCallStatus, isTerminal, type CallStatusEvent } from '@ringkit/call-client';
import type { StoredCall, StoredCallPatch } from '../store.js';
import type { ScheduledCallStatus } from '../types.js';
import { advanced, answeredByLearned, answeredLate, recordWorthy } from './_transitions.js';
import type { Mutation } from './_writes.js';

/** A status a folded write moved the call to, told with a version of its own. */
export interface FoldedMove {
  /** The row after this step (its version is set when it is told). */
  row: StoredCall;
  previous: ScheduledCallStatus;
  providerStatus?: string;
  /** Its place among the fold's changes, from 1: its version is the read one plus this. */
  step: number;
}

/** Provider statuses that change nothing but the timeline, and moves, applied to one row. */
export interface Folded {
  /** The row after them. */
  row: StoredCall;
  /** What they change, together. */
  patch: StoredCallPatch;
  /** How many of them changed the row: the steps of the write. */
  changes: number;
  /** The moves among them, in order. */
  moves: FoldedMove[];
  /** Whether the attempt's call record changes with them (see `recordWorthy`). */
  record: boolean;
}

/**
 * Applies provider statuses that do not end the attempt to `row`, in order, as one write would:
 * each as a status of its own would be (a move forward, an `answered` that came late, or who
 * answered), skipping those of another attempt. Pure: it is run again on the row read afresh
 * when the write meets a newer version.
 */
export function foldStatuses(row: StoredCall, events: readonly CallStatusEvent[]): Folded {
  let current = row;
  const patch: StoredCallPatch = {};
  const moves: FoldedMove[] = [];
  let changes = 0;
  let record = false;
  for (const event of events) {
    if (current.providerCallId !== event.callId || current.status === 'scheduled') continue;
    const at = event.at.getTime();
    const from = current.status;
    // A status that ends the attempt is not folded here (see `finish`): it only says who answered.
    const forward =
      isCallStatus(event.status) && !isTerminal(event.status) && canAdvance(from, event.status);
    const step: StoredCallPatch | null = forward
      ? advanced(current, event.status, at, event.providerStatus, event.answeredBy)
      : event.status === 'answered'
        ? answeredLate(current, at, event.providerStatus, event.answeredBy)
        : answeredByLearned(current, event.answeredBy);
    if (!step) continue;
    changes += 1;
    current = { ...current, ...step };
    Object.assign(patch, step);
    record ||= !forward || recordWorthy(current.status) || event.answeredBy !== undefined;
    if (forward) {
      const move: FoldedMove = { row: current, previous: from, step: changes };
      if (event.providerStatus !== undefined) move.providerStatus = event.providerStatus;
      moves.push(move);
    }
  }
  return { row: current, patch, changes, moves, record };
}

/**
 * The moves of a fold once written: each with the version of its step (the version read plus
 * its place) and the write's `updatedAt`, for `status` events.
 */
export function movesWritten(
  folded: Folded,
  written: Mutation,
): { row: StoredCall; previous: ScheduledCallStatus; providerStatus?: string }[] {
  const base = written.before.version;
  return folded.moves.map((move) => ({
    ...move,
    row: { ...move.row, version: base + move.step, updatedAt: written.row.updatedAt },
  }));
}
