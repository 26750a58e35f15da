import { readCsv } from '@ringkit/scheduler-core';
import { describe, expect, it } from 'vitest';
import { csvLine } from './csv.js';

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
    const rows = [];
    for await (const row of readCsv(csvLine(values))) rows.push(row);
    expect(rows).toEqual([{ line: 1, fields: values }]);
  });
});
