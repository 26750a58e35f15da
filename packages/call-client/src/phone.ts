import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { InvalidPhoneNumberError } from './errors.js';

export type { CountryCode };

export interface ToE164Options {
  /**
   * The country assumed for numbers written without a country code.
   * @default 'US'
   */
  defaultCountry?: CountryCode;
}

/**
 * Normalises a phone number to E.164 (`+` and digits only).
 *
 * Accepts the forms people type: `'13018040009'`, `'(301) 804-0009'`, `'+44 20 7946 0958'`.
 * A number that is not a valid number for its country is refused with an
 * {@link InvalidPhoneNumberError}, so a bad number never reaches a provider.
 *
 * @example
 * toE164('13018040009'); // '+13018040009'
 */
export function toE164(input: string, options: ToE164Options = {}): string {
  const defaultCountry = options.defaultCountry ?? 'US';
  if (typeof input !== 'string' || input.trim() === '') {
    throw new InvalidPhoneNumberError(String(input), 'a phone number is required');
  }
  if (input.length > 64) {
    throw new InvalidPhoneNumberError(input, 'too long to be a phone number');
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
