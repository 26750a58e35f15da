import { describe, expect, it } from 'vitest';
import { csvLine, CsvSyntaxError, parseCsv } from './csv.js';

describe('parseCsv', () => {
  it('reads records of plain fields, with LF, CRLF or CR line ends, blank lines left out', async () => {
    expect(
      await parseCsv('phone,say\n+13018040009,hello\r\n\r\n19842068287\r15512459377,'),
    ).toEqual([
      { line: 1, fields: ['phone', 'say'] },
      { line: 2, fields: ['+13018040009', 'hello'] },
      { line: 4, fields: ['19842068287'] },
      { line: 5, fields: ['15512459377', ''] },
    ]);
  });

  it('reads quoted fields with commas, doubled quotes and line breaks, counting lines', async () => {
    const text = '13018040009,"Hello, ""Ann"""\n  "19842068287" , "two\nlines"\n15512459377';
    expect(await parseCsv(text)).toEqual([
      { line: 1, fields: ['13018040009', 'Hello, "Ann"'] },
      { line: 2, fields: ['19842068287', 'two\nlines'] },
      { line: 4, fields: ['15512459377'] },
    ]);
  });

  it('skips a byte order mark and drops spaces around fields', async () => {
    expect(await parseCsv('\uFEFF 13018040009 , hi ')).toEqual([
      { line: 1, fields: ['13018040009', 'hi'] },
    ]);
  });

  it('refuses an unclosed quote and text after a closing quote, naming the line', async () => {
    await expect(parseCsv('13018040009\n19842068287,"open\nstill open')).rejects.toThrow(
      new CsvSyntaxError(2, 'a quoted field is not closed'),
    );
    await expect(parseCsv('a\n\n\n"open,b')).rejects.toThrow(
      new CsvSyntaxError(4, 'a quoted field is not closed'),
    );
    await expect(parseCsv('a\n"b"c,d')).rejects.toThrow(/^line 2: text after a closing quote/);
  });

  it('reads nothing from an empty text, or one of blank lines', async () => {
    expect(await parseCsv('')).toEqual([]);
    expect(await parseCsv('\n \n')).toEqual([]);
    expect(await parseCsv('x\n  \ny')).toEqual([
      { line: 1, fields: ['x'] },
      { line: 3, fields: ['y'] },
    ]);
  });

  it('reads a long text a slice at a time, the loop turning between, records across slices whole', async () => {
    const lines = Array.from(
      { length: 10_000 },
      (_, i) => `+1415${2_000_000 + i},"Hello, number ${i}, a ""quote""\r\nand a second line"`,
    );
    const text = lines.join('\r\n');
    let turns = 0;
    const ticking = setInterval(() => turns++, 0);
    const rows = await parseCsv(text);
    clearInterval(ticking);
    expect(rows).toHaveLength(10_000);
    expect(rows[9_999]).toEqual({
      line: 19_999,
      fields: ['+14152009999', 'Hello, number 9999, a "quote"\r\nand a second line'],
    });
    expect(rows.every((row, i) => row.line === 2 * i + 1 && row.fields.length === 2)).toBe(true);
    // More than 700 KB: many slices, and timers ran between them.
    expect(turns).toBeGreaterThan(5);
  });
});

describe('csvLine', () => {
  it('quotes fields with commas, quotes or line breaks, and ends with CRLF', () => {
    expect(csvLine([0, '+13018040009', 'a,b', 'say "hi"', 'x\ny', null, undefined])).toBe(
      '0,+13018040009,"a,b","say ""hi""","x\ny",,\r\n',
    );
  });

  it('writes a cell a spreadsheet would run as a formula after a quote, numbers as they are', () => {
    expect(csvLine(['=1+1', '@SUM(A1)', '-2', '+1.5', '+cmd', '-x'])).toBe(
      "'=1+1,'@SUM(A1),-2,+1.5,'+cmd,'-x\r\n",
    );
  });

  it('reads back what it writes', async () => {
    const values = ['+13018040009', 'Hello, "Ann"\nbye', ''];
    expect(await parseCsv(csvLine(values))).toEqual([{ line: 1, fields: values }]);
  });
});
