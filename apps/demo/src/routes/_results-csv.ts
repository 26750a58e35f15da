import type { DialerEntry } from '@ringkit/dialer';
import type { Response } from 'express';
import { csvLine } from '../csv.js';

// `GET /api/campaigns/:id/results.csv`: the rows, and writing them at the pace the client reads.

/** The columns of `results.csv`, one row per entry. */
export const resultColumns = [
  'index',
  'phone',
  'status',
  'attempts',
  'call_id',
  'started_at',
  'ended_at',
  'answered_by',
  'error',
];

const iso = (date: Date | null) => (date === null ? '' : date.toISOString());

/** One entry's row of `results.csv`. */
export function resultLine(entry: DialerEntry): string {
  return csvLine([
    entry.index,
    entry.phone,
    entry.status,
    entry.attempts,
    entry.callId,
    iso(entry.startedAt),
    iso(entry.endedAt),
    entry.answeredBy,
    entry.error?.reason,
  ]);
}

/**
 * Writes `chunk` to the response, waiting for `'drain'` when its buffer is full. `false` once
 * the client has gone (the response closed before it drained).
 */
export function send(res: Response, chunk: string): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  if (res.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const settle = (open: boolean) => {
      res.off('drain', drained);
      res.off('close', closed);
      resolve(open);
    };
    const drained = () => settle(true);
    const closed = () => settle(false);
    res.once('drain', drained);
    res.once('close', closed);
  });
}
