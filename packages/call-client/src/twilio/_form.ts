import type { TwilioParams } from './signature.js';

/**
 * A callback's form parameters as they may arrive: already parsed ({@link TwilioParams}), a
 * `URLSearchParams`, or the form-encoded body itself.
 */
export type TwilioCallbackParams = TwilioParams | URLSearchParams | string;

/** The parameters of a form, a repeated name's values kept in order as a list. */
export function formToParams(form: URLSearchParams): TwilioParams {
  const params: Record<string, string | string[]> = {};
  for (const [name, value] of form) {
    const seen = params[name];
    if (seen === undefined) params[name] = value;
    else if (typeof seen === 'string') params[name] = [seen, value];
    else seen.push(value);
  }
  return params;
}

/**
 * {@link TwilioCallbackParams} as {@link TwilioParams}; `undefined` for anything else (not an
 * object, or a value that is neither a string nor a list of strings).
 */
export function toTwilioParams(input: unknown): TwilioParams | undefined {
  if (typeof input === 'string') return formToParams(new URLSearchParams(input));
  if (input instanceof URLSearchParams) return formToParams(input);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  for (const value of Object.values(input)) {
    const flat =
      typeof value === 'string' ||
      (Array.isArray(value) && value.every((one) => typeof one === 'string'));
    if (!flat) return undefined;
  }
  return input as TwilioParams;
}
