import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { strictObject, suggestName, unknownNamesMessage } from './strict.js';

const KNOWN = ['to', 'at', 'recurrence', 'window', 'maxAttempts', 'retryBackoff', 'metadata'];

describe('suggestName', () => {
  it.each([
    // The words people use for a value elsewhere, given as aliases.
    ['scheduledAt', 'at'],
    ['scheduled_time', 'at'],
    ['phone_number', 'to'],
    // The same name in another case or with _ and -.
    ['max_attempts', 'maxAttempts'],
    ['MaxAttempts', 'maxAttempts'],
    ['retry-backoff', 'retryBackoff'],
    // A letter or two apart.
    ['maxAttempt', 'maxAttempts'],
    ['metdata', 'metadata'],
    ['reccurence', 'recurrence'],
    ['windwo', 'window'],
  ])('takes %j for %j', (given, meant) => {
    const aliases = { scheduledAt: 'at', scheduledtime: 'at', phonenumber: 'to' };
    expect(suggestName(given, KNOWN, aliases)).toBe(meant);
  });

  it.each(['colour', 'x', 'priority', 'tos'])(
    'guesses nothing for %j, far from every name',
    (given) => {
      // `tos` is one letter from `to`, but names of two or three letters are too short to guess by.
      expect(suggestName(given, given === 'tos' ? ['at', 'id'] : KNOWN)).toBeNull();
    },
  );

  it('takes an alias only to a name there is', () => {
    expect(suggestName('when', KNOWN, { when: 'dueAt' })).toBeNull();
  });
});

describe('unknownNamesMessage', () => {
  it('says which name was meant', () => {
    expect(unknownNamesMessage(['scheduledAt'], KNOWN, { scheduledAt: 'at' })).toBe(
      'unknown option "scheduledAt": did you mean "at"?',
    );
  });

  it('lists the names there are when it cannot guess', () => {
    expect(unknownNamesMessage(['colour', 'maxAttempt'], KNOWN, {}, 'field')).toBe(
      'unknown fields "colour", "maxAttempt" (did you mean "maxAttempts"?); the fields are to, at, recurrence, window, maxAttempts, retryBackoff, metadata',
    );
  });

  it('leaves a long list of names out', () => {
    const many = Array.from({ length: 30 }, (_, i) => `option${i}`);
    expect(unknownNamesMessage(['colour'], many)).toBe('unknown option "colour"');
  });
});

describe('strictObject', () => {
  const schema = strictObject(
    { at: z.date(), to: z.string(), maxAttempts: z.number().optional() },
    { scheduledAt: 'at' },
  );

  it('refuses an unknown name with its guess, as an unrecognized_keys issue at the root', () => {
    const result = schema.safeParse({ scheduledAt: new Date(), to: '+14155552671' });
    expect(result.success).toBe(false);
    expect(result.error!.issues).toEqual([
      expect.objectContaining({ path: ['at'], code: 'invalid_type' }),
      {
        code: 'unrecognized_keys',
        keys: ['scheduledAt'],
        path: [],
        message: 'unknown option "scheduledAt": did you mean "at"?',
      },
    ]);
  });

  it('leaves the other messages as they were, and takes what it knows', () => {
    const bad = schema.safeParse({ at: 'soon', to: '+1' });
    expect(bad.error!.issues[0]!.message).toBe('Invalid input: expected date, received string');
    const at = new Date(0);
    expect(schema.parse({ at, to: '+1', maxAttempts: 2 })).toEqual({
      at,
      to: '+1',
      maxAttempts: 2,
    });
  });
});
