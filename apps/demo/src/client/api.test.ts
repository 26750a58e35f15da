import { describe, expect, it } from 'vitest';
import { ApiRequestError, fieldErrors, type ApiIssue } from './api.js';
import { formatDateTime } from './format.js';

/** The campaign form's reading: `name`, `concurrency`, and the list for the rest of a refusal. */
const fieldOf = (issue: ApiIssue) => {
  const [first] = issue.path;
  if (first === 'name' || issue.code === 'campaign_exists') return 'name' as const;
  if (first === 'concurrency') return 'concurrency' as const;
  if (issue.code === 'invalid_numbers') return 'list' as const;
  return undefined;
};

const refusal = (code: string, message: string, issues?: ApiIssue[]) =>
  new ApiRequestError(400, code, message, issues ? { issues } : undefined);

describe('fieldErrors', () => {
  it("puts each issue under its field as a sentence, after the field's lead, never its path", () => {
    const error = refusal('invalid_request', 'query.name: …; query.concurrency: …', [
      { in: 'query', path: ['name'], code: 'invalid_format', message: 'must be letters' },
      { in: 'query', path: ['concurrency'], code: 'too_small', message: 'must be at least 1' },
      { in: 'query', path: ['concurrency'], code: 'too_small', message: 'a second issue' },
    ]);
    expect(
      fieldErrors(error, fieldOf, { name: 'The name ', concurrency: 'Calls at once ' }),
    ).toEqual({
      name: 'The name must be letters.',
      concurrency: 'Calls at once must be at least 1.',
    });
  });

  it('reads an answer without issues as one, by its code', () => {
    expect(fieldErrors(refusal('campaign_exists', 'A campaign named "x" exists'), fieldOf)).toEqual(
      {
        name: 'A campaign named "x" exists.',
      },
    );
    expect(
      fieldErrors(refusal('invalid_numbers', '1 of 2 numbers…: row 2 ("42")'), fieldOf),
    ).toEqual({
      list: '1 of 2 numbers…: row 2 ("42").',
    });
  });

  it('puts what is about no field, and any other failure, under form', () => {
    const unknown = refusal('invalid_request', 'query: unknown', [
      { in: 'query', path: [], code: 'unrecognized_keys', message: 'unknown field "x"' },
    ]);
    expect(fieldErrors(unknown, fieldOf)).toEqual({ form: 'Unknown field "x".' });
    expect(fieldErrors(new Error('offline'), fieldOf)).toEqual({ form: 'Offline.' });
  });

  it("says the server's times in the viewer's time zone", () => {
    const iso = '2027-06-02T12:00:00.000Z';
    const error = refusal('invalid_request', '…', [
      { in: 'body', path: ['name'], message: `${iso} is more than a year ahead` },
    ]);
    expect(fieldErrors(error, fieldOf).name).toBe(
      `${formatDateTime(iso, true)} is more than a year ahead.`,
    );
  });
});
