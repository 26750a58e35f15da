// How SignalWire signs its requests to an app, as `@signalwire/compatibility-api`'s
// `validateRequest` checks them: Twilio's HMAC-SHA1, over the URL as the `url-parse` package
// reads and writes it (with and without its port), a repeated name's values in the order sent.
import type { SigningDialect, TwilioParams } from '../twilio/signature.js';

/** A URL's parts, as `url-parse` (1.5) cuts an absolute URL given without a base. */
interface LooseUrl {
  protocol: string;
  slashes: boolean;
  username: string;
  password: string;
  /** The host, with its port unless that is the scheme's default (lower case). */
  host: string;
  hostname: string;
  port: string;
  pathname: string;
  /** The query as written, from its `?` (none: `''`). */
  query: string;
  /** The fragment as written, from its `#` (none: `''`). */
  hash: string;
}

const LEADING_CONTROL_OR_SPACE =
  // eslint-disable-next-line no-control-regex -- url-parse trims control characters too
  /^[\x00-\x20\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+/;
const TAB_OR_NEWLINE = /[\n\r\t]/g;
const SCHEME_AND_SLASHES = /^([a-z][a-z0-9.+-]*:)?(\/\/)?([\\/]+)?([\S\s]*)/i;
const PORT_AT_END = /:\d+$/;
const SPECIAL = new Set(['file:', 'ftp:', 'http:', 'https:', 'ws:', 'wss:']);
const DEFAULT_PORTS: Record<string, number> = {
  http: 80,
  ws: 80,
  https: 443,
  wss: 443,
  ftp: 21,
  gopher: 70,
};

/** Whether `port` must be written for `protocol` (`url-parse`'s use of `requires-port`). */
function portRequired(port: string, protocol: string): boolean {
  const scheme = protocol.split(':')[0]!;
  const number = +port;
  if (!number) return false;
  if (scheme === 'file') return false;
  return number !== (DEFAULT_PORTS[scheme] ?? 0);
}

/** `text` percent-decoded and encoded again; throws `URIError` for a malformed escape. */
const reencode = (text: string) => encodeURIComponent(decodeURIComponent(text));

/** The URL cut as `url-parse` cuts it; throws where it throws (a malformed user name). */
function parse(input: string): LooseUrl {
  const address = input.replace(LEADING_CONTROL_OR_SPACE, '').replace(TAB_OR_NEWLINE, '');
  const [, scheme, forward, other, tail] = SCHEME_AND_SLASHES.exec(address) as unknown as [
    string,
    string | undefined,
    string | undefined,
    string | undefined,
    string,
  ];
  const protocol = scheme ? scheme.toLowerCase() : '';
  const slashesCount = (forward?.length ?? 0) + (other?.length ?? 0);
  let rest = (forward ?? '') + (other ?? '') + tail;
  if (protocol === 'file:') {
    if (slashesCount >= 2) rest = rest.slice(2);
  } else if (SPECIAL.has(protocol)) rest = tail;
  else if (protocol && forward) rest = rest.slice(2);
  const slashes = forward !== undefined || SPECIAL.has(protocol);
  const pathFromStart =
    (protocol === 'file:' && (slashesCount !== 2 || /^[a-zA-Z]:/.test(rest))) || !slashes;

  const cutFrom = (mark: string): string => {
    const at = rest.indexOf(mark);
    if (at === -1) return '';
    const part = rest.slice(at);
    rest = rest.slice(0, at);
    return part;
  };
  const hash = cutFrom('#');
  const query = cutFrom('?');
  if (SPECIAL.has(protocol)) rest = rest.replace(/\\/g, '/');
  let pathname: string;
  if (pathFromStart) {
    const match = /(.*)/.exec(rest)!;
    pathname = match[1]!;
    rest = rest.slice(0, match.index);
  } else pathname = cutFrom('/');
  const at = rest.lastIndexOf('@');
  const auth = at === -1 ? '' : rest.slice(0, at);
  if (at !== -1) rest = rest.slice(at + 1);
  let host = rest.toLowerCase();
  const portMatch = /:(\d*)$/.exec(rest);
  let port = portMatch?.[1] ?? '';
  if (portMatch) rest = rest.slice(0, portMatch.index);
  const hostname = rest.toLowerCase();
  if (pathname.charAt(0) !== '/' && SPECIAL.has(protocol)) pathname = `/${pathname}`;
  if (!portRequired(port, protocol)) {
    host = hostname;
    port = '';
  }
  let username = '';
  let password = '';
  if (auth) {
    const colon = auth.indexOf(':');
    if (colon === -1) username = reencode(auth);
    else {
      username = reencode(auth.slice(0, colon));
      password = reencode(auth.slice(colon + 1));
    }
  }
  return { protocol, slashes, username, password, host, hostname, port, pathname, query, hash };
}

/** The URL as `url-parse`'s `toString()` writes it. */
function write(url: LooseUrl): string {
  let result =
    url.protocol + ((url.protocol && url.slashes) || SPECIAL.has(url.protocol) ? '//' : '');
  if (url.username) result += `${url.username}${url.password ? `:${url.password}` : ''}@`;
  else if (url.password) result += `:${url.password}@`;
  else if (
    url.protocol !== 'file:' &&
    SPECIAL.has(url.protocol) &&
    !url.host &&
    url.pathname !== '/'
  )
    result += '@';
  let host = url.host;
  if (host.endsWith(':') || (PORT_AT_END.test(url.hostname) && !url.port)) host += ':';
  result += host + url.pathname;
  if (url.query) result += url.query.startsWith('?') ? url.query : `?${url.query}`;
  return result + url.hash;
}

/**
 * The URL with its scheme's default port written out, when it has no port (the official
 * validator's `buildUrlWithStandardPort`: `:443` for `https:`, else `:80`).
 */
function withStandardPort(url: LooseUrl): string {
  let result = url.protocol ? `${url.protocol}//` : '';
  result += url.username + (url.password ? `:${url.password}` : '');
  if (url.username || url.password) result += '@';
  if (url.host) result += url.host + (url.protocol === 'https:' ? ':443' : ':80');
  return result + url.pathname + url.query + url.hash;
}

/** The two spellings SignalWire's validator checks: with the port (or the default one), without. */
function* signalWireSpellings(url: string): Generator<string, void, undefined> {
  let parsed: LooseUrl;
  try {
    parsed = parse(url);
  } catch {
    return; // The official validator throws here: nothing verifies.
  }
  const withPort = parsed.port ? write(parsed) : withStandardPort(parsed);
  const withoutPort = write({ ...parsed, host: parsed.hostname, port: '' });
  yield withoutPort;
  if (withPort !== withoutPort) yield withPort;
}

/** The parameters sorted by name, a repeated name's values in the order received. */
function paramsInOrder(params: TwilioParams): string {
  let data = '';
  for (const name of Object.keys(params).sort()) {
    const value = params[name]!;
    if (typeof value === 'string') data += name + value;
    else for (const one of value) data += name + one;
  }
  return data;
}

/**
 * The first `bodySHA256` of the URL's query that decodes, as the official validator reads it
 * (`querystringify`: `+` is a space, a pair that does not decode is skipped).
 */
function bodyHash(url: string): string | undefined {
  const { query } = parse(url);
  const pairs = /([^=?#&]+)=?([^&]*)/g;
  for (let pair = pairs.exec(query); pair !== null; pair = pairs.exec(query)) {
    const name = decode(pair[1]!);
    const value = decode(pair[2]!);
    if (name === 'bodySHA256' && value !== undefined) return value;
  }
  return undefined;
}

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** How SignalWire signs (see the module's head). */
export const SIGNALWIRE_SIGNING: SigningDialect = {
  spellings: signalWireSpellings,
  paramsData: paramsInOrder,
  bodyHash,
};
