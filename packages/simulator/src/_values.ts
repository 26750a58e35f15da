import { toE164 } from '@ringkit/call-client';

// Checks of parameter values that more than one flavour makes.

/** Whether `value` is a valid phone number written in E.164. */
export function isE164(value: string): boolean {
  if (!/^\+[1-9]\d{1,14}$/.test(value)) return false;
  try {
    return toE164(value) === value;
  } catch {
    return false;
  }
}

/** Whether `value` is an absolute http(s) URL. */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Whether `value` is non-empty base64 in the standard alphabet, padded, as Telnyx wants `client_state`. */
export function isStrictBase64(value: string): boolean {
  return /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/.test(
    value,
  );
}
