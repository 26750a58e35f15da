import { describe, expect, it } from 'vitest';
import { csvLine, CsvSyntaxError, parseCsv } from './csv.js';

describe('parseCsv', () => {
  it('reads records of plain fields, with LF, CRLF or CR line ends, blank lines left out', () => {
    expect(parseCsv('phone,say\n+13018040009,hello\r\n\r\n19842068287\r15512459377,')).toEqual([
      { line: 1, fields: ['phone', 'say'] },
      { line: 2, fields: ['+13018040009', 'hello'] },
      { line: 4, fields: ['19842068287'] },
      { line: 5, fields: ['15512459377', ''] },
    ]);
  });

  it('reads quoted fields with commas, doubled quotes and line breaks, counting lines', () => {
    const text = '13018040009,"Hello, ""Ann"""\n  "19842068287" , "two\nlines"\n15512459377';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['13018040009', 'Hello, "Ann"'] },
      { line: 2, fields: ['19842068287', 'two\nlines'] },
      { line: 4, fields: ['15512459377'] },
    ]);
  });

  it('skips a byte order mark and keeps spaces of unquoted fields for the caller to trim', () => {
    expect(parseCsv('\uFEFF 13018040009 , hi ')).toEqual([
      { line: 1, fields: [' 13018040009 ', ' hi '] },
    ]);
  });

  it('refuses an unclosed quote and text after a closing quote, naming the line', () => {
    expect(() => parseCsv('13018040009\n19842068287,"open\nstill open')).toThrow(
      new CsvSyntaxError(2, 'a quoted field is not closed'),
    );
    expect(() => parseCsv('a\n"b"c,d')).toThrow(/^line 2: text after a closing quote/);
  });

  it('reads nothing from an empty text', () => {
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('\n \n')).toEqual([]);
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

  it('reads back what it writes', () => {
    const values = ['+13018040009', 'Hello, "Ann"\nbye', ''];
    expect(parseCsv(csvLine(values))).toEqual([{ line: 1, fields: values }]);
  });
});
