/**
 * CSV as RFC 4180 writes it, both ways: the campaign upload (`phone[,say]`) and the results
 * download. Written here rather than taken from a CSV library: the upload is one small body
 * (at most {@link CAMPAIGN_BODY_LIMIT_BYTES}) of two columns, read whole, and the rules that
 * matter (quoted fields with `""`, commas and line breaks inside quotes, CRLF or LF, a byte
 * order mark, the line each row starts on for error messages) fit in the function below; a
 * streaming parser with dialect options would add a dependency and nothing this route uses.
 */

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

/**
 * The records of `text`, blank lines left out. Fields are separated by `,`; a field in double
 * quotes may hold commas, line breaks and `""` (one quote); spaces around a quoted field are
 * allowed. A byte order mark at the start is skipped.
 */
export function parseCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      // One field.
      let field = '';
      while (text[i] === ' ' || text[i] === '\t') field += text[i++];
      if (text[i] === '"') {
        i += 1;
        field = '';
        for (;;) {
          if (i >= text.length) throw new CsvSyntaxError(start, 'a quoted field is not closed');
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i += 1;
            break;
          }
          if (c === '\n') line += 1;
          field += c;
          i += 1;
        }
        while (text[i] === ' ' || text[i] === '\t') i += 1;
        if (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          throw new CsvSyntaxError(line, 'text after a closing quote (write "" for a quote)');
        }
      } else {
        while (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          field += text[i++];
        }
      }
      fields.push(field);
      if (text[i] === ',') {
        i += 1;
        continue;
      }
      break;
    }
    // The end of the record: CRLF, LF, CR, or the end of the text.
    if (text[i] === '\r') i += 1;
    if (text[i] === '\n') i += 1;
    line += 1;
    if (!(fields.length === 1 && fields[0]!.trim() === '')) rows.push({ line: start, fields });
  }
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
