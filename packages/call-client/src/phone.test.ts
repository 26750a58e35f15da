import { describe, expect, it } from 'vitest';
import { InvalidPhoneNumberError, isInvalidPhoneNumberError } from './errors/errors.js';
import { isSipUri, isValidPhoneNumber, toE164 } from './phone.js';

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

  it.each([
    ['a right-to-left override', '+1415\u202e5552671', /only digits/],
    ['a zero-width space', '+1415\u200b5552671', /only digits/],
    ['an emoji', '+14155552671 \u{1F4DE}', /only digits/],
    ['a NUL', '+14155552671\u0000', /only digits/],
    [
      'Arabic-Indic digits',
      '\u0661\u0664\u0661\u0665\u0665\u0665\u0665\u0662\u0666\u0667\u0661',
      /only digits/,
    ],
    [
      'fullwidth digits',
      '\uff11\uff14\uff11\uff15\uff15\uff15\uff15\uff12\uff16\uff17\uff11',
      /only digits/,
    ],
    ['an extension', '+14155552671 ext. 1234', /extensions are not supported/],
    ['an x extension', '415-555-2671 x12', /extensions are not supported/],
    ['a letter', '1-800-FLOWERS', /only digits/],
    ['a + in the middle', '1+4155552671', /only digits/],
  ])('refuses %s instead of stripping it', (_, input, reason) => {
    expect(() => toE164(input)).toThrow(reason);
  });

  it('refuses values that are not strings', () => {
    expect(() => toE164(undefined as unknown as string)).toThrow(InvalidPhoneNumberError);
    expect(() => toE164(13018040009 as unknown as string)).toThrow(InvalidPhoneNumberError);
  });

  it('answers isValidPhoneNumber without throwing', () => {
    expect(isValidPhoneNumber('13018040009')).toBe(true);
    expect(isValidPhoneNumber('12')).toBe(false);
  });
});

describe('toE164 with numbers already in E.164 form', () => {
  const messageOf = (input: string, options?: Parameters<typeof toE164>[1]) => {
    try {
      toE164(input, options);
    } catch (error) {
      expect(isInvalidPhoneNumberError(error)).toBe(true);
      return (error as Error).message;
    }
    throw new Error(`${input} was accepted`);
  };

  it('answers the same for a number accepted before, whatever the default country', () => {
    expect(toE164('+14155552671')).toBe('+14155552671');
    expect(toE164('+14155552671')).toBe('+14155552671');
    expect(toE164('+14155552671', { defaultCountry: 'GB' })).toBe('+14155552671');
    expect(toE164('+442079460958', { defaultCountry: 'US' })).toBe('+442079460958');
    expect(toE164('+442079460958', { defaultCountry: 'GB' })).toBe('+442079460958');
  });

  it.each(['+1415555267', '+0415555267', '+04155552671', '+14155552671234567', '+1 000 000 0000'])(
    'still refuses %j, every time, with the same InvalidPhoneNumberError',
    (input) => {
      toE164('+14155552671');
      const first = messageOf(input);
      expect(first).toContain('Invalid phone number');
      expect(messageOf(input)).toBe(first);
      expect(isValidPhoneNumber(input)).toBe(false);
    },
  );

  it('parses a number written otherwise in full, with its default country', () => {
    expect(toE164('+14155552671')).toBe('+14155552671');
    // The national digits of that number, read as a British number, are no valid number there.
    expect(toE164('(415) 555-2671')).toBe('+14155552671');
    expect(messageOf('(415) 555-2671', { defaultCountry: 'GB' })).toContain('not a valid');
    expect(toE164('14155552671', { defaultCountry: 'GB' })).toBe('+14155552671');
  });

  it('answers as a fresh parse after more numbers than it remembers', () => {
    for (let i = 0; i < 10_050; i += 1) toE164(`+1415555${String(i % 10_000).padStart(4, '0')}`);
    expect(toE164('+14155552671')).toBe('+14155552671');
    expect(messageOf('+1415555267')).toContain('not a valid phone number');
  });
});

describe('isSipUri', () => {
  it('takes a user at a host, with a port or parameters, sip: or sips:', () => {
    for (const uri of [
      'sip:ana@pbx.example.com',
      'sips:ana@pbx.example.com:5061',
      'SIP:ana.b+1@10.0.0.7;transport=tls',
      'sip:+14155550123@trunk.example.com;user=phone',
    ]) {
      expect(isSipUri(uri), uri).toBe(true);
    }
  });

  it('refuses anything else: no user, no host, spaces, brackets, another scheme, too long', () => {
    for (const uri of [
      'sip:pbx.example.com',
      'sip:ana@',
      'sip:ana bo@pbx.example.com',
      'sip:<ana>@pbx.example.com',
      'tel:+14155550123',
      '+14155550123',
      `sip:${'a'.repeat(300)}@pbx.example.com`,
    ]) {
      expect(isSipUri(uri), uri).toBe(false);
    }
  });
});
