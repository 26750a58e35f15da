/**
 * CSV both ways: the campaign upload (`phone[,say]`) and the results download. Reading is
 * csv-parse's (the CSV project's streaming parser, RFC 4180 and its common variants), fed a
 * slice at a time with a turn of the event loop between, so a 1 MiB upload holds the server for
 * no more than a slice. Writing is a few lines here: quoting, and the cells a spreadsheet would
 * run as formulas.
 */
import { CsvError, parse } from 'csv-parse';
import { yieldToLoop } from '@ringkit/internal';

/** Characters given to the parser at a time (about 2 ms of parsing). */
const SLICE_CHARS = 16 * 1024;

/** One record of a CSV text, with the line it starts on (from 1, as an editor counts). */
export interface CsvRow {
  line: number;
  fields: string[];
}

/** A CSV text that cannot be read: an unclosed quote, text after a closing quote. */
export class CsvSyntaxError extends Error {
  override name = 'CsvSyntaxError';
  readonly line: number;

  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

const LINE_BREAK = /\r\n|\n|\r/g;
const breaksIn = (text: string) => text.match(LINE_BREAK)?.length ?? 0;

/** The line (from 1) of the first character at or after `offset` that is not blank. */
function lineOf(bytes: Buffer, offset: number): number {
  let at = offset;
  while (at < bytes.length && /\s/.test(String.fromCharCode(bytes[at]!))) at += 1;
  return breaksIn(bytes.subarray(0, at).toString('utf8')) + 1;
}

/**
 * The records of `text`, blank lines left out. Fields are separated by `,`; a field in double
 * quotes may hold commas, line breaks and `""` (one quote); lines end with CRLF, LF or CR, mixed
 * as they come; spaces around a field are dropped; a byte order mark at the start is skipped.
 * @throws CsvSyntaxError naming the line, for an unclosed quote or text after a closing quote
 */
export async function parseCsv(text: string): Promise<CsvRow[]> {
  const parser = parse({
    bom: true,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
    info: true,
  });
  const rows: CsvRow[] = [];
  // csv-parse counts a CRLF inside a quoted field as two lines: what it has overcounted so far.
  let overcount = 0;
  let failure: unknown;
  parser.on('error', (error) => (failure ??= error));
  parser.on('readable', () => {
    let read: { info: { lines: number }; record: string[] } | null;
    while ((read = parser.read()) !== null) {
      const { info, record } = read;
      // Blank records (a line of spaces) are left out, like empty lines.
      if (record.every((field) => field === '')) continue;
      // The parser counts the line a record ends on; a quoted line break moves its start up.
      const breaks = record.reduce((n, field) => n + breaksIn(field), 0);
      overcount += record.reduce((n, field) => n + (field.match(/\r\n/g)?.length ?? 0), 0);
      rows.push({ line: info.lines - overcount - breaks, fields: record });
    }
  });
  const ended = new Promise<void>((resolve) => parser.once('close', resolve));
  for (let at = 0; at < text.length && failure === undefined; at += SLICE_CHARS) {
    parser.write(text.slice(at, at + SLICE_CHARS));
    await yieldToLoop();
  }
  if (failure === undefined) parser.end();
  else parser.destroy();
  await ended;
  if (failure instanceof CsvError) {
    if (failure.code === 'CSV_QUOTE_NOT_CLOSED') {
      // Where the quote opened: the record after the last one read.
      const line = lineOf(Buffer.from(text), parser.info.bytes_records);
      throw new CsvSyntaxError(line, 'a quoted field is not closed');
    }
    const line =
      ((failure as CsvError & { lines?: number }).lines ?? parser.info.lines) - overcount;
    if (failure.code === 'CSV_INVALID_CLOSING_QUOTE') {
      throw new CsvSyntaxError(line, 'text after a closing quote (write "" for a quote)');
    }
    throw new CsvSyntaxError(line, failure.message);
  }
  if (failure !== undefined) throw failure;
  return rows;
}

/**
 * A cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, a tab or a carriage return
 * first) is written after a `'`, unless it is a plain number such as a phone number in E.164.
 */
function neutralise(value: string): string {
  if (/^[=+\-@\t\r]/.test(value) && !/^[+-]?\d+(\.\d+)?$/.test(value)) return `'${value}`;
  return value;
}

/** One CSV line (CRLF-terminated): fields quoted where they must be. */
export function csvLine(values: readonly (string | number | null | undefined)[]): string {
  return (
    values
      .map((value) => {
        const text = neutralise(value === null || value === undefined ? '' : String(value));
        return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
      })
      .join(',') + '\r\n'
  );
}
