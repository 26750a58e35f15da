import { createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring';
import { z } from 'zod';
import { InvalidOptionsError } from '../errors.js';

/** Form parameters as a webhook carries them: one value, or several for a repeated name. */
export type TwilioParams = Record<string, string | readonly string[]>;

/**
 * The `X-Twilio-Signature` Twilio sends with a request to `url` carrying `params`: the URL, then
 * every parameter's name and value sorted by name (a repeated name's values sorted too), signed
 * with HMAC-SHA1 under the auth token, in base64.
 */
export function computeTwilioSignature(
  authToken: string,
  url: string,
  params: TwilioParams,
): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name]!;
    if (typeof value === 'string') data += name + value;
    else for (const one of [...new Set(value)].sort()) data += name + one;
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** What {@link verifyTwilioSignature} checks. */
export interface VerifyTwilioSignatureInput {
  /**
   * The auth token of the account the request claims to come from. Not a non-empty string: an
   * `InvalidOptionsError` (a configuration mistake, not a forged request).
   */
  authToken: string;
  /** The full URL Twilio requested (the one configured as the callback), query string included. */
  url: string;
  /** The form parameters of the request's body (none for a `GET`). */
  params: TwilioParams;
  /** The request's `X-Twilio-Signature` header; a missing one never verifies. */
  signature: string | undefined;
}

/**
 * `true` when `signature` is the one Twilio computes for `url` and `params` under `authToken`,
 * compared in constant time. Twilio is not consistent about the URL it signs, so the URL is
 * tried as given, without its port, with the scheme's default port (`:443`, `:80`) when it has
 * none, and each of those with its query string written the legacy way (Node's `querystring`,
 * which escapes `'` and writes spaces as `%20`), as twilio-node does. Never throws over the
 * request's part: a signature that is not a string, a URL that does not parse or parameters of
 * another shape simply do not verify.
 */
export function verifyTwilioSignature(input: VerifyTwilioSignatureInput): boolean {
  const token = authTokenSchema.safeParse(
    typeof input === 'object' && input !== null ? input.authToken : undefined,
  );
  if (!token.success) {
    const issues = token.error.issues.map((issue) => ({ ...issue, path: ['authToken'] }));
    throw new InvalidOptionsError('verifyTwilioSignature', issues);
  }
  const authToken = token.data;
  const { url, params, signature } = input;
  if (typeof signature !== 'string' || signature === '' || typeof url !== 'string') return false;
  if (!isParams(params)) return false;
  const given = Buffer.from(signature, 'utf8');
  let valid = false;
  for (const candidate of candidateUrls(url)) {
    const expected = Buffer.from(computeTwilioSignature(authToken, candidate, params), 'utf8');
    // Every candidate is compared, so the time taken does not tell which one matched.
    if (expected.length === given.length && timingSafeEqual(expected, given)) valid = true;
  }
  return valid;
}

const authTokenSchema = z.string().min(1, 'must be a non-empty string');

/** Form parameters of the shape {@link TwilioParams} (anything else never verifies). */
function isParams(params: unknown): params is TwilioParams {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return false;
  return Object.values(params).every(
    (value) =>
      typeof value === 'string' ||
      (Array.isArray(value) && value.every((one) => typeof one === 'string')),
  );
}

/** The spellings of `url` Twilio may have signed, without repeats. */
function candidateUrls(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [url];
  }
  const withoutPort = new URL(parsed);
  withoutPort.port = '';
  const spellings = [withoutPort.toString(), withDefaultPort(parsed)];
  return [...new Set([url, ...spellings, ...spellings.map(legacyQuery)])];
}

/** The URL with its port, or with its scheme's default port written out when it has none. */
function withDefaultPort(url: URL): string {
  if (url.port !== '') return url.toString();
  const port = url.protocol === 'https:' ? '443' : '80';
  const credentials =
    url.username === '' && url.password === ''
      ? ''
      : `${url.username}${url.password === '' ? '' : `:${url.password}`}@`;
  return `${url.protocol}//${credentials}${url.host}:${port}${url.pathname}${url.search}${url.hash}`;
}

/**
 * The URL with its query string parsed and written again by Node's legacy `querystring` (cut as
 * text, so a port written out stays).
 */
function legacyQuery(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return url;
  const end = url.indexOf('#', start);
  const query = url.slice(start + 1, end === -1 ? undefined : end);
  return `${url.slice(0, start)}?${stringifyQuery(parseQuery(query))}`;
}
