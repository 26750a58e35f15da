import type { DialerEntry } from '@ringkit/dialer';
import type { Response } from 'express';
import { csvLine } from '../csv.js';

// A campaign's CSV downloads (`results.csv`, `compliance.csv`): the rows, and writing them at the
// pace the client reads.

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

/**
 * Answers `rows` as the CSV download `filename`: its header (`columns`), then a line per row
 * (`line`), each written at the pace the client reads. The first row is read before any byte is
 * sent, so a failure to read it (a missing campaign) is still a JSON error; once the client has
 * gone, nothing more is read.
 */
export async function sendCsv<T>(
  res: Response,
  download: {
    filename: string;
    columns: readonly string[];
    rows: AsyncIterable<T>;
    line: (row: T) => string;
  },
): Promise<void> {
  const rows = download.rows[Symbol.asyncIterator]();
  let next = await rows.next();
  res.status(200).type('text/csv; charset=utf-8').attachment(download.filename);
  let open = await send(res, csvLine(download.columns));
  while (open && !next.done) {
    open = await send(res, download.line(next.value));
    if (open) next = await rows.next();
  }
  if (!open) await rows.return?.();
  else res.end();
}
