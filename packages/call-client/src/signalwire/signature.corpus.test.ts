import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TwilioParams } from '../twilio/signature.js';
import { verifySignalWireSignature } from './signature.js';

// Requests as SignalWire signs them and as an app receives them, spoilt in every field (the URL's
// spelling, port and scheme, the parameters, the signature's bytes, the key), judged by
// `@signalwire/compatibility-api` and by verifySignalWireSignature: the verdicts must be the
// same, accept or refuse.

const requireHere = createRequire(import.meta.url);
const OFFICIAL = requireHere.resolve('@signalwire/compatibility-api');

/** The official validators (the package's types are not reachable through its `exports`). */
const { RestClient } = requireHere('@signalwire/compatibility-api') as {
  RestClient: {
    validateRequest(
      key: string,
      signature: string,
      url: string,
      params: object,
      quiet?: boolean,
    ): boolean;
    validateRequestWithBody(key: string, signature: string, url: string, body: string): boolean;
  };
};

/** The official package's own signer, which its public entry does not export. */
const officialWebhooks = requireHere(join(dirname(OFFICIAL), '../lib/webhooks/webhooks.js')) as {
  getExpectedTwilioSignature(key: string, url: string, params: object): string;
};

/** The URL parser the official validator reads URLs with, from its own dependencies. */
const UrlParse = createRequire(OFFICIAL)('url-parse') as new (url: string) => {
  toString(): string;
};

const SIGNING_KEY = 'PSK_f00dfeedf00dfeedf00dfeedf00dfeed';
const OTHER_KEY = 'PSK_0badc0de0badc0de0badc0de0badc0de';
const API_TOKEN = 'PT0123456789abcdef0123456789abcdef0123456789abcd';
const SEED = 20_261_129;

const schemes = ['https', 'http', 'HTTPS', 'Http'];
const userInfos = ['', 'user@', 'user:pass@', 'us%20er:p@', 'a%zz@', ':secret@', 'user:@'];
const hosts = [
  'app.example',
  'APP.Example',
  'Hooks.Example.COM',
  'bücher.example',
  'BÜCHER.Example',
  'xn--bcher-kva.example',
  'ａｐｐ.example',
  '127.0.0.1',
  '[::1]',
  '[2001:DB8::1]',
  'localhost',
  'example.signalwire.com',
];
const ports = ['', '', ':443', ':80', ':8443', ':1234', ':0443', ':080', ':', ':65535', ':99999'];
const segments = [
  'webhooks',
  'SignalWire',
  'a b',
  'café',
  'caf%C3%A9',
  "it's",
  '..',
  '.',
  'x+y',
  '~user',
  'a%20b',
  'a\\b',
  'at@sign',
  '',
  '😀',
];
const keys = ['a', 'tenant', 'A', 'sp ace', 'ünï', 'x%5B%5D', 'q+r', ''];
const values = ['1', 'a b', 'a+b', 'a%20b', "it's", 'é', '%C3%A9', '', '=', '%', '%zz', '?', '/'];
const fragments = ['', '', '', '#', '#frag', '#a b', '#x?y=1'];
const paramNames = [
  'CallSid',
  'CallStatus',
  'From',
  'To',
  'Digits',
  'Ünicode',
  'a b',
  'project_id',
];
const paramValues = ['8c5c1d8e', 'answered', '+14155552671', '', 'a b', "It's", 'naïve ☎', '1&2=3'];

const queryPair = fc
  .tuple(fc.constantFrom(...keys), fc.constantFrom(...values), fc.constantFrom('=', '=', ''))
  .map(([key, value, sign]) => (sign === '' ? key : `${key}=${value}`));

/** A URL as it may arrive: every part drawn from spellings a parser may change. */
const urlParts = fc.record({
  lead: fc.constantFrom('', '', '', '', ' ', '\t'),
  scheme: fc.constantFrom(...schemes),
  userInfo: fc.constantFrom(...userInfos),
  host: fc.constantFrom(...hosts),
  port: fc.constantFrom(...ports),
  path: fc.array(fc.constantFrom(...segments), { maxLength: 3 }).map((s) => s.map((x) => `/${x}`)),
  query: fc.option(fc.array(queryPair, { maxLength: 4 }), { nil: undefined }),
  fragment: fc.constantFrom(...fragments),
});

type UrlParts = typeof urlParts extends fc.Arbitrary<infer T> ? T : never;

const assemble = (parts: UrlParts, extraQuery: string[] = []) => {
  const query =
    parts.query === undefined && extraQuery.length === 0
      ? undefined
      : [...(parts.query ?? []), ...extraQuery];
  return (
    `${parts.lead}${parts.scheme}://${parts.userInfo}${parts.host}${parts.port}${parts.path.join('')}` +
    `${query === undefined ? '' : `?${query.join('&')}`}${parts.fragment}`
  );
};

const authority = /^(\s*[^:]+:\/\/[^/?#]*?)(:\d*)?(?=[/?#]|$)/;

/** Other spellings of a URL (or other URLs): what SignalWire may have signed instead. */
const respellings: Record<string, (url: string) => string> = {
  'as received': (url) => url,
  'as url-parse writes it': (url) => new UrlParse(url).toString(),
  'as url-parse writes it, then with :443': (url) =>
    new UrlParse(url).toString().replace(authority, '$1:443'),
  'with :443': (url) => url.replace(authority, '$1:443'),
  'with :80': (url) => url.replace(authority, '$1:80'),
  'with an odd port': (url) => url.replace(authority, '$1:8080'),
  trimmed: (url) => url.trim(),
  'as new URL() writes it': (url) => new URL(url).toString(),
  'with its query the legacy way': legacyQuery,
  'with a lower-case scheme and host': (url) =>
    url.replace(/^(\s*[^:]+:\/\/[^/?#]*)/, (m) => m.toLowerCase()),
  'with an upper-case host': (url) =>
    url.replace(/^(\s*[^:]+:\/\/[^/?#]*)/, (m) => m.toUpperCase()),
  'with spaces as %20': (url) => url.replaceAll(' ', '%20'),
  'with + as %20': (url) => url.replaceAll('+', '%20'),
  "with ' as %27": (url) => url.replaceAll("'", '%27'),
  'with \\ as /': (url) => url.replaceAll('\\', '/'),
  'without its fragment': (url) => url.replace(/#.*$/, ''),
  'with a trailing slash': (url) => url.replace(/(?=[?#]|$)/, '/'),
  'with the other scheme': (url) =>
    /^\s*https:/i.test(url) ? url.replace(/https/i, 'http') : url.replace(/http/i, 'https'),
  'with a changed path': (url) => url.replace(/^(\s*[^:]+:\/\/[^/?#]*)/, '$1/x'),
  'with a query parameter added': (url) =>
    url.replace(/(#.*)?$/, (hash) => `${url.includes('?') ? '&' : '?'}z=1${hash}`),
};
const respellingNames = Object.keys(respellings);

function legacyQuery(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return url;
  return `${url.slice(0, start)}?${stringifyQuery(parseQuery(url.slice(start + 1)))}`;
}

/** The spelling SignalWire signed: one or two respellings of the received URL. */
const respelling = fc.oneof(
  { arbitrary: fc.constant(['as received']), weight: 1 },
  { arbitrary: fc.constant(['as url-parse writes it']), weight: 2 },
  {
    arbitrary: fc.array(fc.constantFrom(...respellingNames), { minLength: 1, maxLength: 2 }),
    weight: 2,
  },
);

function respell(url: string, names: readonly string[]): string | undefined {
  try {
    return names.reduce((spelled, name) => respellings[name]!(spelled), url);
  } catch {
    return undefined; // a URL `new URL()` refuses has no normalised spelling
  }
}

const params = fc.dictionary(
  fc.constantFrom(...paramNames),
  fc.oneof(
    fc.constantFrom(...paramValues),
    fc.array(fc.constantFrom(...paramValues), { minLength: 1, maxLength: 3 }),
  ),
  { maxKeys: 5 },
);

/** How the parameters received differ from those signed. */
const paramChanges: Record<string, (p: TwilioParams) => TwilioParams> = {
  none: (p) => p,
  'a changed value': (p) => {
    const name = Object.keys(p)[0];
    return name === undefined ? { CallSid: 'CA1' } : { ...p, [name]: `${String(p[name])}x` };
  },
  'an extra parameter': (p) => ({ ...p, Extra: '1' }),
  'a removed parameter': (p) => Object.fromEntries(Object.entries(p).slice(1)),
  'a renamed parameter': (p) =>
    Object.fromEntries(Object.entries(p).map(([k, v], i) => [i === 0 ? `${k}_` : k, v])),
  "a repeated name's values reordered": (p) =>
    Object.fromEntries(
      Object.entries(p).map(([k, v]) => [k, typeof v === 'string' ? v : [...v].reverse()]),
    ),
  "a repeated name's value twice": (p) =>
    Object.fromEntries(
      Object.entries(p).map(([k, v]) => [k, typeof v === 'string' ? v : [...v, ...v]]),
    ),
  'a list of one as its value': (p) =>
    Object.fromEntries(Object.entries(p).map(([k, v]) => [k, typeof v === 'string' ? [v] : v])),
};

/** How the signature received differs from SignalWire's. */
const signatureTwists: Record<string, (url: string, signed: object) => string> = {
  genuine: (url, signed) => officialWebhooks.getExpectedTwilioSignature(SIGNING_KEY, url, signed),
  'another key': (url, signed) =>
    officialWebhooks.getExpectedTwilioSignature(OTHER_KEY, url, signed),
  'the API token as key': (url, signed) =>
    officialWebhooks.getExpectedTwilioSignature(API_TOKEN, url, signed),
  'one byte changed': (url, signed) => {
    const s = officialWebhooks.getExpectedTwilioSignature(SIGNING_KEY, url, signed);
    return `${s.slice(0, 5)}${s[5] === 'A' ? 'B' : 'A'}${s.slice(6)}`;
  },
  'cut short': (url, signed) =>
    officialWebhooks.getExpectedTwilioSignature(SIGNING_KEY, url, signed).slice(0, -2),
  'in upper case': (url, signed) =>
    officialWebhooks.getExpectedTwilioSignature(SIGNING_KEY, url, signed).toUpperCase(),
  'with a space after it': (url, signed) =>
    `${officialWebhooks.getExpectedTwilioSignature(SIGNING_KEY, url, signed)} `,
  empty: () => '',
};
/** Mostly as sent, else spoilt one of `names`' ways. */
const mostly = (unspoilt: string, names: string[]) =>
  fc.oneof(
    { arbitrary: fc.constant(unspoilt), weight: 3 },
    { arbitrary: fc.constantFrom(...names.filter((name) => name !== unspoilt)), weight: 1 },
  );

const twist = mostly('genuine', Object.keys(signatureTwists));

const formCase = fc.record({
  parts: urlParts,
  signedSpelling: respelling,
  params,
  paramChange: mostly('none', Object.keys(paramChanges)),
  twist,
});

const bodies = fc
  .dictionary(fc.constantFrom(...paramNames), fc.constantFrom(...paramValues), { maxKeys: 4 })
  .map((object) => JSON.stringify(object));

/** How the body received differs from the one signed. */
const bodyChanges: Record<string, (body: string) => string> = {
  none: (b) => b,
  'a changed character': (b) => b.replace(/"(?=[^"]*$)/, "'"),
  'a trailing newline': (b) => `${b}\n`,
  'spaces added': (b) => JSON.stringify(JSON.parse(b), null, 1),
};

/** How the URL carries the body's hash. */
const hashSpellings: Record<string, (hash: string) => string[]> = {
  bodySHA256: (hash) => [`bodySHA256=${hash}`],
  'bodySHA256, upper-case hex': (hash) => [`bodySHA256=${hash.toUpperCase()}`],
  'bodySHA256 twice, the right one first': (hash) => [`bodySHA256=${hash}`, 'bodySHA256=00'],
  'bodySHA256 twice, the right one last': (hash) => ['bodySHA256=00', `bodySHA256=${hash}`],
  'bodySHA256 undecodable, then the right one': (hash) => ['bodySHA256=%zz', `bodySHA256=${hash}`],
  'bodySHA256 with a + in it': (hash) => [`bodySHA256=${hash.slice(0, 10)}+${hash.slice(10)}`],
  'no bodySHA256': () => [],
  'bodysha256 (lower case)': (hash) => [`bodysha256=${hash}`],
};

const bodyCase = fc.record({
  parts: urlParts,
  signedSpelling: respelling,
  body: bodies,
  bodyChange: mostly('none', Object.keys(bodyChanges)),
  hashSpelling: mostly('bodySHA256', Object.keys(hashSpellings)),
  twist,
});

/** The official verdict; an exception (a user name that does not decode) is a refusal. */
function officialVerdict(judge: () => boolean): boolean {
  try {
    return judge();
  } catch {
    return false;
  }
}

interface Tally {
  cases: number;
  accepted: number;
  refused: number;
  acceptedRespelled: number;
  disagreements: unknown[];
}

function tally(): Tally {
  return { cases: 0, accepted: 0, refused: 0, acceptedRespelled: 0, disagreements: [] };
}

function record(result: Tally, theirs: boolean, ours: boolean, respelled: boolean, info: object) {
  result.cases += 1;
  if (theirs) result.accepted += 1;
  else result.refused += 1;
  if (theirs && respelled) result.acceptedRespelled += 1;
  if (theirs !== ours) result.disagreements.push({ signalwire: theirs, ours, ...info });
}

describe('verifySignalWireSignature, against @signalwire/compatibility-api on a generated corpus', () => {
  it('accepts exactly the form requests RestClient.validateRequest accepts', () => {
    const result = tally();
    for (const c of fc.sample(formCase, { seed: SEED, numRuns: 6_000 })) {
      const url = assemble(c.parts);
      const signedUrl = respell(url, c.signedSpelling) ?? url;
      const received = paramChanges[c.paramChange]!(c.params);
      const signature = signatureTwists[c.twist]!(signedUrl, c.params);
      const theirs = officialVerdict(() =>
        // The last argument silences its warning about RELAY requests (`project_id`).
        RestClient.validateRequest(SIGNING_KEY, signature, url, received, true),
      );
      const ours = verifySignalWireSignature({
        signingKey: SIGNING_KEY,
        url,
        params: received,
        signature,
      });
      record(result, theirs, ours, signedUrl !== url, { url, signedUrl, received, signature });
    }
    expect({ disagreements: result.disagreements.length, first: result.disagreements[0] }).toEqual({
      disagreements: 0,
      first: undefined,
    });
    expect(result.cases).toBe(6_000);
    expect(result.accepted).toBeGreaterThan(result.cases / 5);
    expect(result.refused).toBeGreaterThan(result.cases / 5);
    expect(result.acceptedRespelled).toBeGreaterThan(result.cases / 40);
  });

  it('accepts exactly the raw-body requests RestClient.validateRequestWithBody accepts', () => {
    const result = tally();
    for (const c of fc.sample(bodyCase, { seed: SEED, numRuns: 3_000 })) {
      const hash = createHash('sha256').update(c.body, 'utf8').digest('hex');
      const url = assemble(c.parts, hashSpellings[c.hashSpelling]!(hash));
      const signedUrl = respell(url, c.signedSpelling) ?? url;
      const received = bodyChanges[c.bodyChange]!(c.body);
      const signature = signatureTwists[c.twist]!(signedUrl, {});
      const theirs = officialVerdict(() =>
        RestClient.validateRequestWithBody(SIGNING_KEY, signature, url, received),
      );
      const ours = verifySignalWireSignature({
        signingKey: SIGNING_KEY,
        url,
        body: received,
        signature,
      });
      record(result, theirs, ours, signedUrl !== url, { url, signedUrl, received, signature });
    }
    expect({ disagreements: result.disagreements.length, first: result.disagreements[0] }).toEqual({
      disagreements: 0,
      first: undefined,
    });
    expect(result.cases).toBe(3_000);
    expect(result.accepted).toBeGreaterThan(result.cases / 10);
    expect(result.refused).toBeGreaterThan(result.cases / 5);
    expect(result.acceptedRespelled).toBeGreaterThan(result.cases / 100);
  });
});
