import { describe, expect, it } from 'vitest';
import { InvalidPhoneNumberError, isInvalidPhoneNumberError } from './errors.js';
import { isValidPhoneNumber, toE164 } from './phone.js';

describe('toE164', () => {
  it.each([
    ['13018040009', '+13018040009'],
    ['+13018040009', '+13018040009'],
    ['(301) 804-0009', '+13018040009'],
    ['301.804.0009', '+13018040009'],
    ['+44 20 7946 0958', '+442079460958'],
    ['  +1 415 555 2671 ', '+14155552671'],
  ])('normalises %j to %j', (input, expected) => {
    expect(toE164(input)).toBe(expected);
  });

  it('reads national numbers in the given default country', () => {
    expect(toE164('020 7946 0958', { defaultCountry: 'GB' })).toBe('+442079460958');
  });

  it.each(['', '   ', '123', 'not a number', '+1 000 000 0000', '1'.repeat(80)])(
    'refuses %j with an InvalidPhoneNumberError',
    (input) => {
      expect(() => toE164(input)).toThrow(InvalidPhoneNumberError);
      try {
        toE164(input);
      } catch (error) {
        expect(isInvalidPhoneNumberError(error)).toBe(true);
        expect((error as InvalidPhoneNumberError).input).toBe(input);
        expect((error as Error).message).toContain('Invalid phone number');
      }
    },
  );

  it('refuses values that are not strings', () => {
    expect(() => toE164(undefined as unknown as string)).toThrow(InvalidPhoneNumberError);
    expect(() => toE164(13018040009 as unknown as string)).toThrow(InvalidPhoneNumberError);
  });

  it('answers isValidPhoneNumber without throwing', () => {
    expect(isValidPhoneNumber('13018040009')).toBe(true);
    expect(isValidPhoneNumber('12')).toBe(false);
  });
});
