/**
 * A campaign's list as a person sends it: the CSV reader, the one check of every row, and the
 * two ways in (a CSV's lines, a JSON list's items) given the same rows, which must get the same
 * numbers or the same refusals.
 */
import {
  InvalidOptionsError,
  isInvalidOptionsError,
  type CallOptions,
  type CallProvider,
} from '@ringkit/call-client';
import { isCsvSyntaxError } from '@ringkit/scheduler-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  isCampaignCsvError,
  isInvalidCampaignListError,
  isUnsupportedListOptionError,
  type CampaignCsvError,
  type InvalidCampaignListError,
  type UnsupportedListOptionError,
} from '../errors.js';
import { checkCampaignList, readCampaignCsv, type CampaignListRow } from './list.js';

/** A provider that speaks (`say`), and refuses a message of more than 30 characters itself. */
const speaking: CallProvider = {
  name: 'speaking',
  capabilities: { polling: false, webhooks: true, options: ['say'] },
  placeCall: () => Promise.reject(new Error('not here')),
  checkCallOptions(options: CallOptions) {
    const checked = z.string().max(30, 'this provider says at most 30 characters');
    const result = checked.safeParse(options.say ?? '');
    if (!result.success) {
      throw new InvalidOptionsError(
        'call',
        result.error.issues.map((i) => ({ ...i, path: ['say'] })),
      );
    }
  },
};
/** A provider that cannot speak at all. */
const mute: CallProvider = {
  name: 'mute',
  capabilities: { polling: false, webhooks: true, options: [] },
  placeCall: () => Promise.reject(new Error('not here')),
};

const inList = (rows: { phone: string; say?: string }[]): CampaignListRow[] =>
  rows.map((r, i) => ({ row: i + 1, at: { index: i }, phone: r.phone, say: r.say }));

async function rejection<T>(promise: Promise<unknown>): Promise<T> {
  try {
    await promise;
  } catch (error) {
    return error as T;
  }
  throw new Error('expected a rejection');
}

describe('readCampaignCsv', () => {
  it('reads phone[,say], a header in any order, quotes, blank lines and empty cells', async () => {
    expect(await readCampaignCsv('+14155552671\n\n+13018040009,"Hi, it\'s Ann"\n')).toEqual([
      { row: 1, at: { line: 1 }, phone: '+14155552671', say: undefined },
      { row: 3, at: { line: 3 }, phone: '+13018040009', say: "Hi, it's Ann" },
    ]);
    expect(await readCampaignCsv('\uFEFFSay,Phone\r\nhello,+14155552671\r\n,+13018040009')).toEqual(
      [
        { row: 2, at: { line: 2 }, phone: '+14155552671', say: 'hello' },
        { row: 3, at: { line: 3 }, phone: '+13018040009', say: undefined },
      ],
    );
    expect(await readCampaignCsv('phone\n 4155552671 \n')).toEqual([
      { row: 2, at: { line: 2 }, phone: '4155552671', say: undefined },
    ]);
    expect(await readCampaignCsv('')).toEqual([]);
  });

  it('keeps a message of spaces for the check to refuse (only an empty cell says nothing)', async () => {
    const [row] = await readCampaignCsv('+14155552671,"   "');
    expect(row!.say).toBe('   ');
  });

  it.each([
    ['phone,note\n+14155552671,x', 1, 'a header names the columns phone and say'],
    ['say\nhello', 1, 'got say'],
    ['phone,phone\n+1,+2', 1, 'once each'],
    ['+14155552671\n+13018040009,hi,there', 2, '3 columns, expected phone[,say]'],
    ['phone\n+14155552671,hi', 2, '2 columns, expected phone'],
  ])('refuses %j at line %i', async (csv, line, words) => {
    const error = await rejection<CampaignCsvError>(readCampaignCsv(csv));
    expect(isCampaignCsvError(error)).toBe(true);
    expect(error.code).toBe('invalid_csv');
    expect(error.line).toBe(line);
    expect(error.message).toContain(words);
  });

  it('refuses a CSV that cannot be read, at the line where reading stopped', async () => {
    const error = await rejection<CampaignCsvError>(
      readCampaignCsv('+14155552671\n+13018040009,"unclosed\n'),
    );
    expect(isCampaignCsvError(error)).toBe(true);
    expect(error.message).toMatch(/^The CSV cannot be read: /);
    expect(error.line).toBe(2);
    expect(isCsvSyntaxError(error.cause)).toBe(true);
  });
});

describe('checkCampaignList', () => {
  it('answers the rows as Campaigns.create takes them: the number alone, or with its message trimmed', async () => {
    const rows = inList([
      { phone: ' +14155552671 ' },
      { phone: '+13018040009', say: '  See you at 9.  ' },
    ]);
    expect(await checkCampaignList(rows, { provider: speaking })).toEqual([
      '+14155552671',
      { phone: '+13018040009', call: { say: 'See you at 9.' } },
    ]);
  });

  it('lists every field refused, by row, with the words of every route', async () => {
    const rows: CampaignListRow[] = [
      { row: 2, at: { line: 2 }, phone: 'not a number', say: 'Hello' },
      { row: 3, at: { line: 3 }, phone: '+14155552671', say: ' \u200B ' },
      { row: 4, at: { line: 4 }, phone: '+14155552671', say: 'x'.repeat(4001) },
      { row: 5, at: { line: 5 }, phone: '+14155552671', say: 'bell \u0007' },
      { row: 6, at: { line: 6 }, phone: '+14155552671', say: 'y'.repeat(31) },
      { row: 7, at: { line: 7 }, phone: '+14155552671', say: 'fine' },
    ];
    const error = await rejection<InvalidCampaignListError>(
      checkCampaignList(rows, { provider: speaking }),
    );
    expect(isInvalidCampaignListError(error)).toBe(true);
    expect(error.code).toBe('invalid_numbers');
    expect(error.rows).toBe(6);
    expect(error.issues).toEqual([
      {
        row: 2,
        line: 2,
        field: 'phone',
        phone: 'not a number',
        message: 'not a valid phone number',
      },
      { row: 3, line: 3, field: 'say', phone: '+14155552671', message: 'must not be blank' },
      {
        row: 4,
        line: 4,
        field: 'say',
        phone: '+14155552671',
        message: 'must be at most 4000 characters',
      },
      {
        row: 5,
        line: 5,
        field: 'say',
        phone: '+14155552671',
        message: 'must be text that can be spoken (no control characters)',
      },
      {
        row: 6,
        line: 6,
        field: 'say',
        phone: '+14155552671',
        message: 'this provider says at most 30 characters',
      },
    ]);
    expect(error.message).toBe(
      '5 of 6 numbers cannot be dialed: row 2 phone ("not a number"), row 3 say (must not be blank), ' +
        'row 4 say (must be at most 4000 characters), row 5 say (must be text that can be spoken ' +
        '(no control characters)), row 6 say (this provider says at most 30 characters)',
    );
  });

  it('says which rows speak when the provider cannot, once the rows are otherwise valid', async () => {
    const rows = inList([
      { phone: '+14155552671', say: 'Hello' },
      { phone: '+13018040009' },
      { phone: '+12025550123', say: 'Bye' },
    ]);
    const error = await rejection<UnsupportedListOptionError>(
      checkCampaignList(rows, { provider: mute }),
    );
    expect(isUnsupportedListOptionError(error)).toBe(true);
    expect(error.code).toBe('unsupported_call_option');
    expect(error.provider).toBe('mute');
    expect(error.rows).toEqual([
      { row: 1, index: 0 },
      { row: 3, index: 2 },
    ]);
    expect(error.message).toBe(
      'Rows 1, 3 of the list give their calls something to say, but provider mute cannot speak',
    );
    // A bad number comes first: the list is refused for it, whatever the provider says.
    const both = await rejection<unknown>(
      checkCampaignList(inList([{ phone: 'nope', say: 'Hello' }]), { provider: mute }),
    );
    expect(isInvalidCampaignListError(both)).toBe(true);
    expect(
      await checkCampaignList(inList([{ phone: '+14155552671' }]), { provider: mute }),
    ).toEqual(['+14155552671']);
  });

  it('reads a number without its country in defaultCountry', async () => {
    const rows = inList([{ phone: '020 7946 0958' }]);
    expect(await checkCampaignList(rows, { provider: speaking, defaultCountry: 'GB' })).toEqual([
      '020 7946 0958',
    ]);
    const error = await rejection<InvalidCampaignListError>(
      checkCampaignList(rows, { provider: speaking }),
    );
    expect(error.issues.map((i) => i.field)).toEqual(['phone']);
  });

  it('gives the same list in a CSV and in a JSON list the same numbers, or the same refusals', async () => {
    const phone = fc.constantFrom('+14155552671', '4155552671', '+1 301 804 0009', 'nope', '12');
    const say = fc.option(
      fc.constantFrom(
        'Hello',
        '  padded  ',
        'say "hi", then go',
        '   ',
        'z'.repeat(31),
        'tab\there',
      ),
      { nil: undefined },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ phone, say }), { minLength: 1, maxLength: 8 }),
        async (list) => {
          const quote = (text: string) => `"${text.replaceAll('"', '""')}"`;
          const csv = list
            .map((r) =>
              r.say === undefined ? quote(r.phone) : `${quote(r.phone)},${quote(r.say)}`,
            )
            .join('\n');
          // A header first: a first line of letters alone would read as one.
          const fromCsv = await readCampaignCsv(`phone,say\n${csv}`);
          const fromJson = inList(list);
          const outcome = async (rows: CampaignListRow[]) => {
            try {
              return { numbers: await checkCampaignList(rows, { provider: speaking }) };
            } catch (error) {
              if (!isInvalidCampaignListError(error)) throw error;
              return {
                refused: error.issues.map(({ field, phone, message }) => ({
                  field,
                  phone,
                  message,
                })),
              };
            }
          };
          expect(await outcome(fromCsv)).toEqual(await outcome(fromJson));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('checkCampaignList, given what it cannot check', () => {
  it.each([
    ['rows that are not a list', 'nope', undefined, 'rows'],
    ['a row without its number', [{ row: 1, at: { index: 0 } }], undefined, 'rows.0.phone'],
    [
      'a number that is not text',
      [{ row: 1, at: { index: 0 }, phone: 4155552671 }],
      undefined,
      'rows.0.phone',
    ],
    [
      'a place that is neither a line nor an index',
      [{ row: 1, at: {}, phone: '+14155552671' }],
      undefined,
      'rows.0.at',
    ],
    [
      'a say that is not text',
      [{ row: 1, at: { line: 1 }, phone: '+14155552671', say: 7 }],
      undefined,
      'rows.0.say',
    ],
    ['no provider', [], { provider: undefined }, 'provider'],
    [
      'a country that is no country code',
      [],
      { provider: speaking, defaultCountry: 'usa' },
      'defaultCountry',
    ],
  ])(
    'refuses %s with InvalidOptionsError, checking nothing',
    async (_what, rows, options, path) => {
      const error = await rejection<InvalidOptionsError>(
        checkCampaignList(rows as never, (options ?? { provider: speaking }) as never),
      );
      expect(isInvalidOptionsError(error)).toBe(true);
      expect(error.issues.map((i) => i.path.join('.'))).toContain(path);
    },
  );
});
