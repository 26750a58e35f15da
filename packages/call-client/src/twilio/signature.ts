import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring';
import { z } from 'zod';
import { InvalidOptionsError } from '../errors/errors.js';

/** Form parameters as a webhook carries them: one value, or several for a repeated name. */
export type TwilioParams = Record<string, string | readonly string[]>;

/** How a provider signs its requests to an app: Twilio's HMAC-SHA1, over which spellings. */
export interface SigningDialect {
  /** The spellings of a received URL its signature may cover, without repeats, commonest first. */
  spellings(url: string): Iterable<string>;
  /** The parameters as the provider appends them to the URL it signs. */
  paramsData(params: TwilioParams): string;
  /**
   * The `bodySHA256` of a raw body's URL, as the provider's own validator reads it; `undefined`
   * when there is none. May throw for a URL it cannot read (the request is then refused).
   */
  bodyHash(url: string): string | undefined;
}

/**
 * The `X-Twilio-Signature` Twilio sends with a request to `url` carrying `params`: the URL, then
 * every parameter's name and value sorted by name (a repeated name's values sorted too), signed
 * with HMAC-SHA1 under the auth token, in base64. A request with a raw body (JSON) is signed
 * over its URL alone (`params` `{}`), the URL carrying the body's SHA-256 as `bodySHA256`.
 */
export function computeTwilioSignature(
  authToken: string,
  url: string,
  params: TwilioParams,
): string {
  return sign(authToken, url + sortedParamsData(params));
}

/** The parameters as Twilio appends them to the URL it signs: sorted by name, then by value. */
function sortedParamsData(params: TwilioParams): string {
  let data = '';
  for (const name of Object.keys(params).sort()) {
    const value = params[name]!;
    if (typeof value === 'string') data += name + value;
    else for (const one of [...new Set(value)].sort()) data += name + one;
  }
  return data;
}

/** HMAC-SHA1 of `data` under `key`, in base64. */
export function sign(key: string, data: string): string {
  return createHmac('sha1', key).update(data, 'utf8').digest('base64');
}

/**
 * What {@link verifyTwilioSignature} checks: a request with form parameters (`params`), or one
 * with a raw body such as JSON (`body`), never both.
 */
export type VerifyTwilioSignatureInput = {
  /**
   * The auth token of the account the request claims to come from. Not a non-empty string: an
   * `InvalidOptionsError` (a configuration mistake, not a forged request).
   */
  authToken: string;
  /**
   * The full URL Twilio requested (the one configured as the callback), query string included,
   * spelled as it arrived.
   */
  url: string;
  /** The request's `X-Twilio-Signature` header; a missing one never verifies. */
  signature: string | undefined;
} & (
  | {
      /** The form parameters of the request's body (`{}` for a `GET`). */
      params: TwilioParams;
      body?: never;
    }
  | {
      /**
       * The raw body of a request that is not a form (`application/json`), exactly as received:
       * its SHA-256 must be the URL's `bodySHA256` query parameter.
       */
      body: string;
      params?: never;
    }
);

/**
 * `true` when `signature` is one twilio-node's `validateRequest` accepts for `url` and `params`
 * under `authToken` (or, given a raw `body`, one its `validateRequestWithBody` accepts), compared
 * in constant time.
 *
 * The signature must be {@link computeTwilioSignature} of one of these spellings of `url`:
 * - the URL as given, with its port removed, or with its scheme's default port (`:443` for
 *   `https`, else `:80`) written out when it has none; nothing else in it is changed;
 * - the URL as `new URL()` writes it (host in lower case and punycode, default port dropped,
 *   spaces and other characters percent-encoded), likewise without its port or with the default
 *   one, and each of these with everything after its first `?` read and written again by Node's
 *   legacy `querystring` (`+` and `%20` both become `%20`, `'` becomes `%27`).
 *
 * With `body`, the signature covers the URL alone (no parameters), and the body's SHA-256, in
 * lower-case hex, must also equal the URL's `bodySHA256` query parameter: a URL without one never
 * verifies, nor does a changed body.
 *
 * Never throws over the request's part: a signature that is not a string, a URL that does not
 * parse (unless it verifies as given), parameters or a body of another shape, or both `params`
 * and `body`, simply do not verify.
 *
 * @example
 * verifyTwilioSignature({ authToken, url, params: req.body, signature }); // a form
 * verifyTwilioSignature({ authToken, url, body: rawBody, signature }); // JSON, with bodySHA256
 */
export function verifyTwilioSignature(input: VerifyTwilioSignatureInput): boolean {
  const authToken = signingKeyOf(input, 'authToken', 'verifyTwilioSignature');
  return checkSignature(TWILIO_SIGNING, authToken, input);
}

/**
 * The key `input[name]` of a verifier's input: an `InvalidOptionsError` of `verifier` unless it
 * is a non-empty string (a configuration mistake, not a forged request).
 */
export function signingKeyOf(input: unknown, name: string, verifier: string): string {
  const key: unknown =
    typeof input === 'object' && input !== null
      ? (input as Record<string, unknown>)[name]
      : undefined;
  if (typeof key === 'string' && key !== '') return key;
  const issues = keySchema
    .safeParse(key)
    .error!.issues.map((issue) => ({ ...issue, path: [name] }));
  throw new InvalidOptionsError(verifier, issues);
}

/** How Twilio signs: twilio-node's `validateRequest` and `validateRequestWithBody`. */
export const TWILIO_SIGNING: SigningDialect = {
  spellings: signedSpellings,
  paramsData: sortedParamsData,
  bodyHash: (url) => new URL(url).searchParams.get('bodySHA256') ?? undefined,
};

/** A request whose signature {@link checkSignature} checks (its key aside). */
export interface SignedRequest {
  url: unknown;
  signature: unknown;
  params?: unknown;
  body?: unknown;
}

/**
 * Whether `request` is signed under `key` as `dialect` signs (see {@link verifyTwilioSignature}):
 * never throws over the request's part, which simply does not verify when malformed.
 */
export function checkSignature(
  dialect: SigningDialect,
  key: string,
  request: SignedRequest,
): boolean {
  const { url, params, body, signature } = request;
  if (typeof signature !== 'string' || signature === '' || typeof url !== 'string') return false;
  try {
    if (body === undefined) return isParams(params) && signs(dialect, key, url, params, signature);
    if (params !== undefined || typeof body !== 'string') return false;
    const bodySHA256 = dialect.bodyHash(url) ?? '';
    const bodyMatches = equal(bodySHA256, createHash('sha256').update(body, 'utf8').digest('hex'));
    return signs(dialect, key, url, {}, signature) && bodyMatches;
  } catch {
    return false;
  }
}

const keySchema = z.string().min(1, 'must be a non-empty string');

/** Form parameters of the shape {@link TwilioParams} (anything else never verifies). */
function isParams(params: unknown): params is TwilioParams {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return false;
  return Object.values(params).every(
    (value) =>
      typeof value === 'string' ||
      (Array.isArray(value) && value.every((one) => typeof one === 'string')),
  );
}

/** Whether `signature` is the provider's for one of the spellings of `url` it may have signed. */
function signs(
  dialect: SigningDialect,
  key: string,
  url: string,
  params: TwilioParams,
  signature: string,
): boolean {
  const data = dialect.paramsData(params);
  // The spellings are derived from the URL alone, so which one matched (and when the loop
  // stops) tells nothing about the key; each comparison is in constant time.
  for (const candidate of dialect.spellings(url))
    if (equal(signature, sign(key, candidate + data))) return true;
  return false;
}

/** Constant-time equality of two strings' UTF-8 bytes (their lengths are not secret). */
function equal(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The spellings of `url` a signature is checked against, without repeats. */
function* signedSpellings(url: string): Generator<string, void, undefined> {
  // Made one at a time, the commonest first, so a match stops the work early.
  const seen = new Set<string>();
  const fresh = (spelling: string) => {
    if (seen.has(spelling)) return false;
    seen.add(spelling);
    return true;
  };
  for (const spelling of [withoutPort(url), withPort(url)]) if (fresh(spelling)) yield spelling;
  let normalized: string;
  try {
    normalized = new URL(url).toString();
  } catch {
    return;
  }
  const rewritten = [withoutPort(normalized), withPort(normalized)];
  for (const spelling of rewritten) if (fresh(spelling)) yield spelling;
  for (const spelling of rewritten.map(withLegacyQuery)) if (fresh(spelling)) yield spelling;
}

/** `scheme://`, then the authority up to the first `/`, `?` or `#`. */
const SCHEME_AND_AUTHORITY = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i;

/**
 * A URL cut as text, nothing decoded or re-encoded: `port` is everything from the `:` after the
 * host (or after an IPv6 literal's `]`) to the end of the authority, `''` when there is none.
 * `undefined` when the URL does not start with `scheme://`.
 */
function cut(url: string) {
  const match = SCHEME_AND_AUTHORITY.exec(url);
  if (match === null) return undefined;
  const [prefix, scheme, authority] = match as unknown as [string, string, string];
  const hostStart = authority.lastIndexOf('@') + 1;
  const hostAndPort = authority.slice(hostStart);
  const portStart = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  return {
    scheme,
    userInfo: authority.slice(0, hostStart),
    host: portStart === -1 ? hostAndPort : hostAndPort.slice(0, portStart),
    port: portStart === -1 ? '' : hostAndPort.slice(portStart),
    rest: url.slice(prefix.length),
  };
}

/** The URL without its port (as text). */
function withoutPort(url: string): string {
  const parts = cut(url);
  return parts === undefined ? url : parts.scheme + parts.userInfo + parts.host + parts.rest;
}

/** The URL with its port, or with its scheme's default port written out when it has none. */
function withPort(url: string): string {
  const parts = cut(url);
  if (parts === undefined || parts.port !== '') return url;
  const port = parts.scheme.toLowerCase() === 'https://' ? ':443' : ':80';
  return parts.scheme + parts.userInfo + parts.host + port + parts.rest;
}

/**
 * The URL with everything after its first `?` (a fragment included) parsed and written again by
 * Node's legacy `querystring`.
 */
function withLegacyQuery(url: string): string {
  const start = url.indexOf('?');
  if (start === -1 || start === url.length - 1) return url;
  return `${url.slice(0, start)}?${stringifyQuery(parseQuery(url.slice(start + 1)))}`;
}
