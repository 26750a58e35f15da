/**
 * `readCsv()`, the one reader of every CSV upload and import: records and the line each starts
 * on, whatever the line ends and however the bytes are cut into chunks; every refusal a typed
 * error naming the line its bad record starts on, after the records before it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCsv, type CsvRecord, type CsvSource } from './csv.js';
import { CsvSyntaxError, isCsvSyntaxError } from './errors.js';

/** Every record `source` gives, and the error it ends with (`undefined` when none). */
async function read(source: CsvSource): Promise<{ rows: CsvRecord[]; error: unknown }> {
  const rows: CsvRecord[] = [];
  try {
    for await (const row of readCsv(source)) rows.push(row);
    return { rows, error: undefined };
  } catch (error) {
    return { rows, error };
  }
}

async function records(source: CsvSource): Promise<CsvRecord[]> {
  const { rows, error } = await read(source);
  if (error !== undefined) throw error;
  return rows;
}

/** `text` cut into chunks of `size` bytes (a character may be cut in two). */
function* chunks(text: string | Buffer, size: number): Generator<Uint8Array> {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

describe('readCsv', () => {
  it('reads LF, CRLF and CR line ends mixed in one file, each record with the line it starts on', async () => {
    const text = '+13018040009\r\n+19842068287\r+15512459377\n+14155552671\r\n\r+442079460958';
    expect(await records(text)).toEqual([
      { line: 1, fields: ['+13018040009'] },
      { line: 2, fields: ['+19842068287'] },
      { line: 3, fields: ['+15512459377'] },
      { line: 4, fields: ['+14155552671'] },
      { line: 6, fields: ['+442079460958'] },
    ]);
  });

  it('reads quoted fields with commas, doubled quotes and line breaks, each line end counted once', async () => {
    const text = '13018040009,"Hello, ""Ann"""\n  "19842068287" , "two\r\nlines"\n15512459377';
    expect(await records(text)).toEqual([
      { line: 1, fields: ['13018040009', 'Hello, "Ann"'] },
      { line: 2, fields: ['19842068287', 'two\r\nlines'] },
      { line: 4, fields: ['15512459377'] },
    ]);
  });

  it('skips a byte order mark, even one cut across chunks, and drops spaces around fields', async () => {
    expect(await records('\uFEFF 13018040009 , hi ')).toEqual([
      { line: 1, fields: ['13018040009', 'hi'] },
    ]);
    expect(await records(chunks('\uFEFFphone\r\n+13018040009', 1))).toEqual([
      { line: 1, fields: ['phone'] },
      { line: 2, fields: ['+13018040009'] },
    ]);
  });

  it('leaves out blank records: empty lines, lines of spaces, commas alone', async () => {
    expect(await records('')).toEqual([]);
    expect(await records('\n \n')).toEqual([]);
    expect(await records('x\n  \n,\n""\r\n\ry\n')).toEqual([
      { line: 1, fields: ['x'] },
      { line: 6, fields: ['y'] },
    ]);
  });

  it.each([
    ['a spreadsheet formula with quotes', '=HYPERLINK("http://x","y")', 'a quote inside a field'],
    ['a quote never closed', '"a', 'a quoted field is not closed'],
    ['a quote inside a field', 'x"y', 'a quote inside a field'],
  ])(
    'refuses %s with a CsvSyntaxError naming its line, after the records before it',
    async (_what, bad, message) => {
      const { rows, error } = await read(
        `+13018040009\r\n\r\n+19842068287\r${bad}\n+15512459377\n`,
      );
      expect(rows).toEqual([
        { line: 1, fields: ['+13018040009'] },
        { line: 3, fields: ['+19842068287'] },
      ]);
      expect(isCsvSyntaxError(error)).toBe(true);
      expect(error).toBeInstanceOf(CsvSyntaxError);
      expect((error as CsvSyntaxError).line).toBe(4);
      expect((error as CsvSyntaxError).code).toBe('invalid_csv');
      expect((error as Error).message).toContain(`line 4: ${message}`);
    },
  );

  it('names the line a bad record starts on, not the line where reading stopped', async () => {
    const closing = await read('a\n"two\r\nlines"x\nz');
    expect(closing.error).toEqual(
      new CsvSyntaxError(2, 'text after a closing quote (write "" for a quote)'),
    );
    const open = await read('13018040009\n19842068287,"open\nstill open\n\nmore');
    expect(open.rows).toEqual([{ line: 1, fields: ['13018040009'] }]);
    expect(open.error).toEqual(new CsvSyntaxError(2, 'a quoted field is not closed'));
    expect((await read('a\n\n\n"open,b')).error).toEqual(
      new CsvSyntaxError(4, 'a quoted field is not closed'),
    );
  });

  it('refuses bytes that are not UTF-8, and a character cut off at the end, naming the line', async () => {
    const bad = Buffer.concat([
      Buffer.from('a\nb\n"q\n'),
      Buffer.from([0xff]),
      Buffer.from('"\nz'),
    ]);
    const { rows, error } = await read(bad);
    expect(rows.map((r) => r.line)).toEqual([1, 2]);
    expect(error).toEqual(new CsvSyntaxError(3, 'not UTF-8 text'));
    // An overlong form of "/" and a surrogate written in UTF-8 are not UTF-8 either.
    expect((await read(Buffer.from([0x61, 0x0a, 0xc0, 0xaf]))).error).toEqual(
      new CsvSyntaxError(2, 'not UTF-8 text'),
    );
    expect((await read(Buffer.from([0xed, 0xa0, 0x80]))).error).toEqual(
      new CsvSyntaxError(1, 'not UTF-8 text'),
    );
    const cut = await read(Buffer.concat([Buffer.from('a\r\nb'), Buffer.from([0xe2, 0x82])]));
    expect(cut.rows).toEqual([{ line: 1, fields: ['a'] }]);
    expect(cut.error).toEqual(new CsvSyntaxError(2, 'not UTF-8 text'));
    // A character cut across chunks is one character.
    expect(await records(chunks('€,"ü\r\nß"', 1))).toEqual([{ line: 1, fields: ['€', 'ü\r\nß'] }]);
  });

  it('refuses a record past 64 KiB (a quote left open in a long file) without reading on', async () => {
    let pulled = 0;
    async function* source() {
      yield 'a\n"';
      for (let i = 0; i < 1000; i++) {
        pulled += 1;
        yield 'x'.repeat(1024) + '\n';
      }
    }
    const { rows, error } = await read(source());
    expect(rows).toEqual([{ line: 1, fields: ['a'] }]);
    expect(error).toEqual(
      new CsvSyntaxError(2, 'a record longer than 65536 bytes (is a quote left open?)'),
    );
    expect(pulled).toBeLessThan(100);
  });

  it('gives every whole record before its source fails, never the line it cut, then its error', async () => {
    const cut = new Error('connection reset');
    for (const text of ['a\r\nb,"x\ny"\r', 'a\r\nb,"x\ny"\r\nc,"d', 'a\r\nb,"x\ny"\nc']) {
      const { rows, error } = await read(
        (async function* () {
          yield* chunks(text, 3);
          throw cut;
        })(),
      );
      expect(rows).toEqual([
        { line: 1, fields: ['a'] },
        { line: 2, fields: ['b', 'x\ny'] },
      ]);
      expect(error).toBe(cut);
    }
  });

  it('reads a string, bytes, or an (async) iterable of either; refuses anything else', async () => {
    const expected = [
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['c'] },
    ];
    expect(await records('a,b\nc')).toEqual(expected);
    expect(await records(new TextEncoder().encode('a,b\nc'))).toEqual(expected);
    expect(await records(['a,', Buffer.from('b\r'), '\nc'])).toEqual(expected);
    expect(
      await records(
        (async function* () {
          yield 'a,b';
          yield new Uint8Array([0x0a, 0x63]);
        })(),
      ),
    ).toEqual(expected);
    await expect(records(42 as unknown as string)).rejects.toThrow(TypeError);
    await expect(records([42] as unknown as string[])).rejects.toThrow(/string or bytes/);
  });

  it('gives the event loop turns while it reads a long text', async () => {
    const lines = Array.from(
      { length: 10_000 },
      (_, i) => `+1415${2_000_000 + i},"Hello, number ${i}, a ""quote""\r\nand a second line"`,
    );
    let turns = 0;
    const ticking = setInterval(() => turns++, 0);
    const rows = await records(lines.join('\r\n'));
    clearInterval(ticking);
    expect(rows).toHaveLength(10_000);
    expect(rows[9_999]).toEqual({
      line: 19_999,
      fields: ['+14152009999', 'Hello, number 9999, a "quote"\r\nand a second line'],
    });
    expect(rows.every((row, i) => row.line === 2 * i + 1 && row.fields.length === 2)).toBe(true);
    expect(turns).toBeGreaterThan(5);
  });

  it('gives every record and its line, whatever the line ends, quotes and chunks (fast-check)', async () => {
    const field = fc.oneof(
      fc.stringMatching(/^[0-9a-z+]{0,6}$/),
      fc
        .array(fc.constantFrom('a', ',', '"', '\r', '\n', '\r\n', ' ', 'é', '€'), { maxLength: 6 })
        .map((parts) => parts.join('')),
    );
    const lineEnd = fc.constantFrom('\n', '\r\n', '\r');
    const row = fc.record({
      fields: fc.array(field, { minLength: 1, maxLength: 3 }),
      blankBefore: fc.array(lineEnd, { maxLength: 2 }),
      end: lineEnd,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { maxLength: 12 }),
        fc.integer({ min: 1, max: 40 }),
        fc.boolean(),
        async (rows, size, bom) => {
          let text = bom ? '\uFEFF' : '';
          const expected: CsvRecord[] = [];
          // An editor's count: CRLF is one line end, CR and LF one each (a CR and a LF written
          // one after the other make one CRLF).
          const lineNow = () => (text.match(/\r\n|\r|\n/g)?.length ?? 0) + 1;
          for (const r of rows) {
            text += r.blankBefore.join('');
            // Plain fields as they are; any other quoted, its quotes doubled.
            const cells = r.fields.map((f) =>
              /^[0-9a-z+]*$/.test(f) ? f : `"${f.replaceAll('"', '""')}"`,
            );
            if (r.fields.some((f) => f !== ''))
              expected.push({ line: lineNow(), fields: r.fields });
            text += cells.join(',') + r.end;
          }
          expect(await records(chunks(text, size))).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
