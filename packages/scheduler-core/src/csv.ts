/**
 * The one CSV reader of every upload and import: `readCsv(source)`. Parsing is csv-parse's (the
 * CSV project's streaming parser); beside it, one pass over the same bytes counts lines as an
 * editor does (CRLF, LF and CR alike, mixed as they come), checks that the bytes are UTF-8, and
 * notes the line each record starts on, so a record and a refusal both name the line a person
 * finds in the file.
 */
import { yieldToLoop } from '@ringkit/internal';
import { CsvError, parse } from 'csv-parse';
import { CsvSyntaxError } from './errors.js';

/** What {@link readCsv} reads: a text, its bytes, or an (async) iterable of strings or bytes. */
export type CsvSource =
  string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

/** One record of a CSV, with the line it starts on (from 1, as an editor counts). */
export interface CsvRecord {
  line: number;
  /** The fields, spaces around them dropped; a quoted field keeps what is inside its quotes. */
  fields: string[];
}

/** The longest record read, in bytes: far past any list's line, short of a whole file. */
const MAX_CSV_RECORD_BYTES = 64 * 1024;

/** Bytes parsed at a time: between two, the loop gets a turn once {@link TURN_MS} have passed. */
const SLICE_BYTES = 2048;
const TURN_MS = 5;

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BOM = [0xef, 0xbb, 0xbf];

/** Why `source` cannot be read as a CSV, or `null` when it can. */
export function csvSourceIssue(source: unknown): string | null {
  if (typeof source === 'string' || source instanceof Uint8Array) return null;
  if (
    typeof source === 'object' &&
    source !== null &&
    (Symbol.asyncIterator in source || Symbol.iterator in source)
  ) {
    return null;
  }
  return 'expected a string, bytes, or an (async) iterable of strings or bytes';
}

async function* chunksOf(source: CsvSource): AsyncGenerator<Buffer> {
  if (typeof source === 'string') {
    yield Buffer.from(source, 'utf8');
    return;
  }
  if (source instanceof Uint8Array) {
    yield Buffer.from(source.buffer, source.byteOffset, source.byteLength);
    return;
  }
  for await (const chunk of source) {
    if (typeof chunk === 'string') yield Buffer.from(chunk, 'utf8');
    else if (chunk instanceof Uint8Array) {
      yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    } else throw new TypeError(`a CSV chunk must be a string or bytes, not ${typeof chunk}`);
  }
}

/**
 * The pass beside the parser: the line of every byte, the line each record starts on, and
 * whether the bytes are UTF-8. A record ends at a line end outside quotes, as the parser's do;
 * until the parser finds a quote out of place, the two agree on every record, and the first
 * record the parser has not yet given is the one it stopped on.
 */
class Lines {
  /** The line of the next byte. */
  private line = 1;
  private quoted = false;
  /** The last byte was a CR: a LF now ends the same line. */
  private afterCr = false;
  /** The lines records start on, the parser's next record first (from `head`). */
  private starts: number[] = [1];
  private head = 0;
  /** Where the last record of the bytes read last ended (the offset after its line end), or -1. */
  lastEnd = -1;
  /** UTF-8: continuation bytes still due, and the range of the next one. */
  private due = 0;
  private low = 0x80;
  private high = 0xbf;

  /**
   * Reads `bytes`; returns the offset of the first one that is not UTF-8, or -1. Bytes after
   * it are not read.
   */
  scan(bytes: Uint8Array): number {
    const starts = this.starts;
    this.lastEnd = -1;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      if (this.due > 0) {
        if (byte < this.low || byte > this.high) return i;
        this.due -= 1;
        this.low = 0x80;
        this.high = 0xbf;
        continue;
      }
      if (byte < 0x80) {
        if (byte === LF) {
          if (this.afterCr) this.afterCr = false;
          else {
            this.line += 1;
            if (!this.quoted) starts.push(this.line);
          }
          if (!this.quoted) this.lastEnd = i + 1;
        } else if (byte === CR) {
          this.afterCr = true;
          this.line += 1;
          if (!this.quoted) {
            starts.push(this.line);
            this.lastEnd = i + 1;
          }
        } else {
          this.afterCr = false;
          if (byte === QUOTE) this.quoted = !this.quoted;
        }
        continue;
      }
      this.afterCr = false;
      if (byte >= 0xc2 && byte <= 0xdf) this.due = 1;
      else if (byte >= 0xe0 && byte <= 0xef) {
        this.due = 2;
        if (byte === 0xe0) this.low = 0xa0;
        else if (byte === 0xed) this.high = 0x9f;
      } else if (byte >= 0xf0 && byte <= 0xf4) {
        this.due = 3;
        if (byte === 0xf0) this.low = 0x90;
        else if (byte === 0xf4) this.high = 0x8f;
      } else return i;
    }
    return -1;
  }

  /** Whether the bytes ended inside a character. */
  get cut(): boolean {
    return this.due > 0;
  }

  /** The line the parser's next record starts on; `take()` moves past it. */
  next(): number {
    return this.starts[this.head] ?? this.line;
  }

  take(): number {
    const line = this.next();
    this.head += 1;
    if (this.head >= 4096) {
      this.starts = this.starts.slice(this.head);
      this.head = 0;
    }
    return line;
  }

  /** The line the record being read when the bytes stopped starts on. */
  current(): number {
    return this.starts.at(-1) ?? this.line;
  }
}

/** The parser's refusal as a {@link CsvSyntaxError} naming the line its record starts on. */
function syntaxError(error: unknown, line: number): unknown {
  if (!(error instanceof CsvError)) return error;
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new CsvSyntaxError(line, 'a quoted field is not closed');
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return new CsvSyntaxError(line, 'text after a closing quote (write "" for a quote)');
    case 'INVALID_OPENING_QUOTE':
      return new CsvSyntaxError(
        line,
        'a quote inside a field that does not start with one (quote the whole field, and write "" for each quote in it)',
      );
    case 'CSV_MAX_RECORD_SIZE':
      return new CsvSyntaxError(
        line,
        `a record longer than ${MAX_CSV_RECORD_BYTES} bytes (is a quote left open?)`,
      );
    default:
      return new CsvSyntaxError(line, error.message);
  }
}

/**
 * The records of a CSV as it streams, blank ones (nothing but spaces and commas) left out.
 * Fields are separated by `,`; a field in double quotes may hold commas, line ends and `""` (one
 * quote); lines end with CRLF, LF or CR, mixed as they come; spaces around a field are dropped;
 * a byte order mark at the start is skipped. The loop gets a turn every few milliseconds, so a
 * long file never holds a server. Every import and upload reads its CSV here, so one never
 * accepts what another refuses.
 *
 * @example
 * for await (const { line, fields } of readCsv(createReadStream('list.csv'))) {
 *   console.log(line, fields);
 * }
 * @throws CsvSyntaxError naming the line the bad record starts on: a quoted field not closed,
 * text after a closing quote, a quote inside a field that does not start with one, a record
 * over 64 KiB, bytes that are not UTF-8. The records before it have been
 * given.
 */
export async function* readCsv(source: CsvSource): AsyncGenerator<CsvRecord, void, undefined> {
  const issue = csvSourceIssue(source);
  if (issue !== null) throw new TypeError(`readCsv: ${issue}`);
  const records: string[][] = [];
  let failure: unknown;
  const parser = parse({
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    trim: true,
    max_record_size: MAX_CSV_RECORD_BYTES,
    // Records are taken as they are parsed, in the same turn, never queued in the stream.
    on_record: (record: string[]) => {
      records.push(record);
      return undefined;
    },
  });
  parser.on('error', (error) => (failure ??= error));
  parser.resume();
  const lines = new Lines();
  /**
   * The bytes after the last record's line end, not given to the parser yet: the record being
   * read. When the source fails, the parser ends on the records before it, never on half a line.
   */
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const hold = (bytes: Buffer) => {
    if (bytes.length === 0) return;
    pending.push(Buffer.from(bytes));
    pendingBytes += bytes.length;
  };
  const release = (bytes?: Buffer) => {
    const all = bytes === undefined ? pending : [...pending, bytes];
    pending = [];
    pendingBytes = 0;
    if (all.length > 0) parser.write(all.length === 1 ? all[0] : Buffer.concat(all));
  };
  /** The records parsed so far, each with the line it starts on. */
  function* parsed(): Generator<CsvRecord> {
    for (let i = 0; i < records.length; i++) {
      const fields = records[i]!;
      const line = lines.take();
      if (fields.some((field) => field !== '')) yield { line, fields };
    }
    records.length = 0;
  }
  const failed = () => {
    const error = failure ?? parser.errored;
    return error ? syntaxError(error, lines.next()) : undefined;
  };
  /** Ends the parser on the bytes given to it: the last whole record comes out. */
  async function* close(): AsyncGenerator<CsvRecord, void, undefined> {
    const ended = new Promise<void>((resolve) => {
      parser.once('finish', resolve);
      parser.once('error', () => resolve());
      parser.once('close', resolve);
    });
    parser.end();
    await ended;
    yield* parsed();
    const error = failed();
    if (error !== undefined) throw error;
  }
  let turn = performance.now();
  /** Parses `chunk` a slice at a time, giving each record as soon as it is whole. */
  async function* feed(chunk: Buffer): AsyncGenerator<CsvRecord, void, undefined> {
    for (let at = 0; at < chunk.length; at += SLICE_BYTES) {
      const slice = chunk.subarray(at, at + SLICE_BYTES);
      const bad = lines.scan(slice);
      const read = bad === -1 ? slice : slice.subarray(0, bad);
      if (lines.lastEnd === -1) hold(read);
      else {
        release(read.subarray(0, lines.lastEnd));
        hold(read.subarray(lines.lastEnd));
      }
      // No line end in sight: the parser refuses a record that long.
      if (pendingBytes > MAX_CSV_RECORD_BYTES) release();
      yield* parsed();
      const error = failed();
      if (error !== undefined) throw error;
      if (bad !== -1) {
        yield* close();
        throw new CsvSyntaxError(lines.current(), 'not UTF-8 text');
      }
      if (performance.now() - turn >= TURN_MS) {
        await yieldToLoop();
        turn = performance.now();
        const late = failed();
        if (late !== undefined) throw late;
      }
    }
  }
  const chunks = chunksOf(source);
  // The first bytes wait until they tell whether they are a byte order mark.
  let head: Buffer | null = Buffer.alloc(0);
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (error) {
        // The source failed: the records read whole are given, then its error.
        try {
          yield* close();
        } catch {
          // What the parser says of a text cut off is beside the point.
        }
        throw error;
      }
      if (next.done) break;
      if (head === null) {
        yield* feed(next.value);
        continue;
      }
      const first: Buffer = Buffer.concat([head, next.value]);
      if (first.length < BOM.length && first.every((byte, i) => byte === BOM[i])) {
        head = first;
        continue;
      }
      head = null;
      yield* feed(BOM.every((byte, i) => first[i] === byte) ? first.subarray(BOM.length) : first);
    }
    if (head !== null) yield* feed(head);
    // A character cut off at the end: the last record is not text.
    if (lines.cut) {
      yield* close();
      throw new CsvSyntaxError(lines.current(), 'not UTF-8 text');
    }
    release();
    yield* close();
  } finally {
    parser.destroy();
    await chunks.return(undefined);
  }
}
