import {
  parsePhoneNumberFromString,
  type CountryCode as LibphonenumberCountryCode,
} from 'libphonenumber-js';
import { InvalidPhoneNumberError } from './errors/errors.js';

/** An ISO 3166-1 alpha-2 country code in capitals, e.g. `'US'` (libphonenumber-js's type). */
export type CountryCode = LibphonenumberCountryCode;

/** Options of {@link toE164}. */
export interface ToE164Options {
  /**
   * The country assumed for numbers written without a country code.
   * @default 'US'
   */
  defaultCountry?: CountryCode;
}

/**
 * What a person types: ASCII digits, spaces, dashes, dots, parentheses, one leading `+`. Nothing
 * else is silently dropped: no invisible or direction characters, no other scripts' digits, no
 * letters, no control characters.
 */
const TYPED = /^ *\+?[0-9 ().-]+$/;
/**
 * A number already in E.164 form: `+`, a country code (never 0) and up to 15 digits in all. Its
 * result does not depend on `defaultCountry`, so it can be remembered once accepted.
 */
const E164 = /^\+[1-9]\d{1,14}$/;
/** How many accepted E.164 numbers are remembered (oldest forgotten first). */
const MAX_REMEMBERED = 10_000;
/** E.164 inputs `toE164` accepted, each with its result: accepting one again needs no parse. */
const accepted = new Map<string, string>();

/** An extension (`ext. 1234`, `x1234`, `#1234`, `;ext=1234`): not part of the number to call. */
const EXTENSION = /\d\s*(?:e?xt\.?|extension|x|#|;\s*ext=)\s*\d/i;

/**
 * Normalises a phone number to E.164 (`+` and digits only).
 *
 * Accepts the forms people type: `'13018040009'`, `'(301) 804-0009'`, `'+44 20 7946 0958'`.
 * Anything else is refused with an {@link InvalidPhoneNumberError}, never silently stripped: a
 * number that is not valid for its country, an extension, a letter, an invisible or direction
 * mark, digits of another script. A bad number never reaches a provider.
 *
 * @example
 * toE164('13018040009'); // '+13018040009'
 */
export function toE164(input: string, options: ToE164Options = {}): string {
  const known = accepted.get(input);
  if (known !== undefined) return known;
  const number = parseToE164(input, options);
  if (E164.test(input)) {
    if (accepted.size >= MAX_REMEMBERED) accepted.delete(accepted.keys().next().value!);
    accepted.set(input, number);
  }
  return number;
}

/** {@link toE164} without its memory of numbers it accepted: the full parse. */
function parseToE164(input: string, options: ToE164Options): string {
  const defaultCountry = options.defaultCountry ?? 'US';
  if (typeof input !== 'string' || input.trim() === '') {
    throw new InvalidPhoneNumberError(String(input), 'a phone number is required');
  }
  if (input.length > 64) {
    throw new InvalidPhoneNumberError(input, 'too long to be a phone number');
  }
  if (EXTENSION.test(input)) {
    throw new InvalidPhoneNumberError(input, 'extensions are not supported: give the number alone');
  }
  if (!TYPED.test(input)) {
    throw new InvalidPhoneNumberError(
      input,
      'may contain only digits 0-9, spaces, dashes, dots, parentheses and a leading +',
    );
  }
  let parsed = parsePhoneNumberFromString(input, defaultCountry);
  // A national number written with its country code but no '+' ('13018040009'):
  // libphonenumber reads it as national digits; try it as an international number too.
  if ((!parsed || !parsed.isValid()) && /^\d{8,15}$/.test(input.trim())) {
    parsed = parsePhoneNumberFromString(`+${input.trim()}`);
  }
  if (!parsed || !parsed.isValid()) {
    throw new InvalidPhoneNumberError(input, 'not a valid phone number');
  }
  return parsed.number;
}

/** `true` when {@link toE164} would accept the input. */
export function isValidPhoneNumber(input: string, options: ToE164Options = {}): boolean {
  try {
    toE164(input, options);
    return true;
  } catch {
    return false;
  }
}

/** A `sip:` (or `sips:`) URI a provider can ring: a user, a host, an optional port and parameters. */
const SIP_URI = /^sips?:[^\s@<>"]+@[A-Za-z0-9.-]+(:\d{1,5})?(;[^\s<>"]*)?$/i;

/**
 * Whether `value` is a SIP URI an agent can be reached at (`sip:ana@pbx.example.com`, with a
 * port or parameters): the one check of the agents' `reach` and of `connectCall`'s `to`.
 */
export function isSipUri(value: string): boolean {
  return value.length <= 300 && SIP_URI.test(value);
}
