/**
 * CSV written: the results download. A few lines here: quoting, and the cells a spreadsheet
 * would run as formulas. Every CSV read (the campaign upload, the do-not-call import) goes
 * through scheduler-core's `readCsv()`.
 */

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
