import { createHash } from 'node:crypto';
import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring';
import fc from 'fast-check';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { verifyTwilioSignature, type TwilioParams } from './signature.js';

// Requests as Twilio signs them and as an app receives them, spelled many ways, judged by
// twilio-node and by verifyTwilioSignature: the verdicts must be the same, accept or refuse.

const TOKEN = 'f00dfeedf00dfeedf00dfeedf00dfeed';
const OTHER_TOKEN = '0badc0de0badc0de0badc0de0badc0de';
const SEED = 20_260_417;

const schemes = ['https', 'http', 'HTTPS', 'Http'];
const userInfos = ['', 'user@', 'user:pass@', 'us%20er:p@'];
const hosts = [
  'app.example',
  'APP.Example',
  'Hooks.Example.COM',
  'bücher.example',
  'BÜCHER.Example',
  'xn--bcher-kva.example',
  '例え.テスト',
  'ａｐｐ.example',
  '127.0.0.1',
  '[::1]',
  '[2001:DB8::1]',
  'localhost',
];
const ports = ['', '', ':443', ':80', ':8443', ':1234', ':0443', ':080', ':', ':65535', ':99999'];
const segments = [
  'webhooks',
  'Twilio',
  'a b',
  'café',
  'caf%C3%A9',
  "it's",
  '..',
  '.',
  '%2e',
  'x+y',
  '~user',
  '%7E',
  'a%20b',
  '',
  '😀',
];
const keys = ['a', 'tenant', 'A', 'sp ace', 'ünï', 'x%5B%5D', 'q+r', ''];
const values = [
  '1',
  'a b',
  'a+b',
  'a%20b',
  "it's",
  'it%27s',
  'é',
  '%C3%A9',
  '😀',
  '',
  '=',
  '%',
  '%zz',
  '?',
  '/',
  '~',
  '*',
  '!',
];
const fragments = ['', '', '', '#', '#frag', '#a b', '#x?y=1', '#é'];
const paramNames = ['CallSid', 'CallStatus', 'From', 'To', 'Digits', 'Body', 'Ünicode', 'a b'];
const paramValues = ['CA123', 'completed', '+14155552671', '', 'a b', "It's", 'naïve ☎', '1&2=3'];

const queryPair = fc
  .tuple(fc.constantFrom(...keys), fc.constantFrom(...values), fc.constantFrom('=', '=', ''))
  .map(([key, value, sign]) => (sign === '' ? key : `${key}=${value}`));

/** A URL as it may arrive: every part drawn from spellings that `new URL()` may change. */
const urlParts = fc.record({
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
    `${parts.scheme}://${parts.userInfo}${parts.host}${parts.port}${parts.path.join('')}` +
    `${query === undefined ? '' : `?${query.join('&')}`}${parts.fragment}`
  );
};

/** Other spellings of a URL (or other URLs): what Twilio may have signed instead. */
const respellings: Record<string, (url: string) => string> = {
  'as received': (url) => url,
  'without its port': (url) => url.replace(/^([^:]+:\/\/[^/?#]*?)(:\d*)(?=[/?#]|$)/, '$1'),
  'with :443': (url) => url.replace(/^([^:]+:\/\/[^/?#:]*)(:\d*)?(?=[/?#]|$)/, '$1:443'),
  'with :80': (url) => url.replace(/^([^:]+:\/\/[^/?#:]*)(:\d*)?(?=[/?#]|$)/, '$1:80'),
  'with an odd port': (url) => url.replace(/^([^:]+:\/\/[^/?#:]*)(:\d*)?(?=[/?#]|$)/, '$1:8080'),
  'as new URL() writes it': (url) => new URL(url).toString(),
  'as new URL() writes it, query the legacy way': (url) => legacyQuery(new URL(url).toString()),
  'with its query the legacy way': legacyQuery,
  'with a lower-case host': (url) => url.replace(/^([^:]+:\/\/[^/?#]*)/, (m) => m.toLowerCase()),
  'with an upper-case host': (url) => url.replace(/^([^:]+:\/\/[^/?#]*)/, (m) => m.toUpperCase()),
  'with its host in punycode': (url) => {
    const parsed = new URL(url);
    return url.replace(/^([^:]+:\/\/(?:[^/?#]*@)?)([^/?#:]*|\[[^\]]*\])/, `$1${parsed.hostname}`);
  },
  'with spaces as %20': (url) => url.replaceAll(' ', '%20'),
  'with spaces as +': (url) => url.replaceAll(' ', '+'),
  'with + as %20': (url) => url.replaceAll('+', '%20'),
  'with %20 as +': (url) => url.replaceAll('%20', '+'),
  "with ' as %27": (url) => url.replaceAll("'", '%27'),
  'without its fragment': (url) => url.replace(/#.*$/, ''),
  'with a trailing slash': (url) => url.replace(/(?=[?#]|$)/, '/'),
  'with the other scheme': (url) =>
    /^https:/i.test(url) ? url.replace(/^https/i, 'http') : url.replace(/^http/i, 'https'),
  'with a changed path': (url) => url.replace(/^([^:]+:\/\/[^/?#]*)/, '$1/x'),
  'with a query parameter added': (url) =>
    url.replace(/(#.*)?$/, (hash) => `${url.includes('?') ? '&' : '?'}z=1${hash}`),
};
const respellingNames = Object.keys(respellings);

function legacyQuery(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return url;
  return `${url.slice(0, start)}?${stringifyQuery(parseQuery(url.slice(start + 1)))}`;
}

/** The spelling Twilio signed: one or two respellings of the received URL. */
const respelling = fc.oneof(
  { arbitrary: fc.constant(['as received']), weight: 1 },
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
  "a repeated name's values reordered": (p) =>
    Object.fromEntries(
      Object.entries(p).map(([k, v]) => [k, typeof v === 'string' ? v : [...v].reverse()]),
    ),
  "a repeated name's value twice": (p) =>
    Object.fromEntries(
      Object.entries(p).map(([k, v]) => [k, typeof v === 'string' ? v : [...v, ...v]]),
    ),
};

const signatureTwists = ['genuine', 'genuine', 'genuine', 'genuine', 'other token', 'empty'];

const formCase = fc.record({
  parts: urlParts,
  signedSpelling: respelling,
  params,
  paramChange: fc.constantFrom(...Object.keys(paramChanges), 'none', 'none', 'none'),
  twist: fc.constantFrom(...signatureTwists),
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
  'no bodySHA256': () => [],
  'bodysha256 (lower case)': (hash) => [`bodysha256=${hash}`],
};

const bodyCase = fc.record({
  parts: urlParts,
  signedSpelling: respelling,
  body: bodies,
  bodyChange: fc.constantFrom(...Object.keys(bodyChanges), 'none', 'none', 'none'),
  hashSpelling: fc.constantFrom(...Object.keys(hashSpellings), 'bodySHA256', 'bodySHA256'),
  twist: fc.constantFrom(...signatureTwists),
});

function signWith(twist: string, url: string, signed: TwilioParams): string {
  if (twist === 'empty') return '';
  const token = twist === 'other token' ? OTHER_TOKEN : TOKEN;
  return twilio.getExpectedTwilioSignature(token, url, signed);
}

/** twilio-node's verdict; an exception (a URL `new URL()` refuses) is a refusal. */
function twilioVerdict(judge: () => boolean): boolean {
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
  if (theirs !== ours) result.disagreements.push({ twilio: theirs, ours, ...info });
}

describe('verifyTwilioSignature, against twilio-node on a generated corpus', () => {
  it('accepts exactly the form requests twilio.validateRequest accepts', () => {
    const result = tally();
    for (const c of fc.sample(formCase, { seed: SEED, numRuns: 8_000 })) {
      const url = assemble(c.parts);
      const signedUrl = respell(url, c.signedSpelling) ?? url;
      const received = paramChanges[c.paramChange]!(c.params);
      const signature = signWith(c.twist, signedUrl, c.params);
      const theirs = twilioVerdict(() =>
        twilio.validateRequest(TOKEN, signature, url, received as Record<string, unknown>),
      );
      const ours = verifyTwilioSignature({ authToken: TOKEN, url, params: received, signature });
      record(result, theirs, ours, signedUrl !== url, { url, signedUrl, received, signature });
    }
    expect({ disagreements: result.disagreements.length, first: result.disagreements[0] }).toEqual({
      disagreements: 0,
      first: undefined,
    });
    expect(result.cases).toBe(8_000);
    expect(result.accepted).toBeGreaterThan(result.cases / 5);
    expect(result.refused).toBeGreaterThan(result.cases / 5);
    expect(result.acceptedRespelled).toBeGreaterThan(result.cases / 40);
  });

  it('accepts exactly the raw-body requests twilio.validateRequestWithBody accepts', () => {
    const result = tally();
    for (const c of fc.sample(bodyCase, { seed: SEED, numRuns: 4_000 })) {
      const hash = createHash('sha256').update(c.body, 'utf8').digest('hex');
      const url = assemble(c.parts, hashSpellings[c.hashSpelling]!(hash));
      const signedUrl = respell(url, c.signedSpelling) ?? url;
      const received = bodyChanges[c.bodyChange]!(c.body);
      const signature = signWith(c.twist, signedUrl, {});
      const theirs = twilioVerdict(() =>
        twilio.validateRequestWithBody(TOKEN, signature, url, received),
      );
      const ours = verifyTwilioSignature({ authToken: TOKEN, url, body: received, signature });
      record(result, theirs, ours, signedUrl !== url, { url, signedUrl, received, signature });
    }
    expect({ disagreements: result.disagreements.length, first: result.disagreements[0] }).toEqual({
      disagreements: 0,
      first: undefined,
    });
    expect(result.cases).toBe(4_000);
    expect(result.accepted).toBeGreaterThan(result.cases / 10);
    expect(result.refused).toBeGreaterThan(result.cases / 5);
    expect(result.acceptedRespelled).toBeGreaterThan(result.cases / 100);
  });
});
