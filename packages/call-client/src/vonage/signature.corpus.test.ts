import { verifySignature } from '@vonage/jwt';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  base64url,
  SIGNATURE_SECRET,
  sha256Hex,
  signJwt,
  vonageEvent,
} from '../../test/vonage-webhook-fixtures.js';
import { verifyVonageSignature, type VerifyVonageSignatureInput } from './signature.js';

// Webhooks as Vonage signs them and as an app receives them, spoilt many ways, judged by the
// official `@vonage/jwt` package's verifySignature with the two rules it leaves out beside it
// (`iat` within the skew, `payload_hash` the SHA-256 of the body received), and by
// verifyVonageSignature: the verdicts must be the same, accept or refuse.

const SEED = 20_260_418;
const RUNS = 4_000;
/** The frozen time both verifiers read: 2026-04-17T09:30:00.000Z, in seconds. */
const NOW_S = 1_776_418_200;

/** Weighted choice among labels: `[label, weight]` pairs. */
const pick = <T extends string>(...choices: [T, number][]) =>
  fc.oneof(...choices.map(([label, weight]) => ({ arbitrary: fc.constant(label), weight })));

/** Weighted: the first label `heavy` times as likely as each of the others. */
const mostly = (first: string, heavy: number, others: readonly string[]) =>
  pick([first, heavy], ...others.filter((o) => o !== first).map((o): [string, number] => [o, 1]));

/** Body texts: compact events as Vonage sends them, indented JSON, and odd texts. */
const bodies: string[] = [
  JSON.stringify(vonageEvent('ringing')),
  JSON.stringify(vonageEvent('completed', { duration: '12', start_time: null, rate: null })),
  JSON.stringify(vonageEvent('machine', { sub_state: 'beep_start', note: 'naïve ☎ 😀 日本語' })),
  JSON.stringify(vonageEvent('answered'), null, 2),
  '{"note":"lone \uD83D high surrogate"}',
  '\uFEFF{"bom":true}',
  '{"nul":"\u0000","crlf":"\r\n"}',
  '',
  '{}',
];

/** How the body received differs from the one signed. */
const bodyChanges: Record<string, (signed: string, at: number) => string | Buffer> = {
  none: (b) => b,
  'a byte flipped': (b, at) => {
    const bytes = Buffer.from(b, 'utf8');
    if (bytes.length === 0) return Buffer.from(' ');
    bytes[at % bytes.length]! ^= 1 << (at % 8);
    return bytes;
  },
  'a space appended': (b) => `${b} `,
  'a newline appended': (b) => `${b}\n`,
  're-serialised indented': (b) => {
    try {
      return JSON.stringify(JSON.parse(b), null, 2);
    } catch {
      return `${b} `;
    }
  },
  'the last character dropped': (b) => b.slice(0, -1),
  'another event': () => JSON.stringify(vonageEvent('busy')),
};

/** The token's header text. */
const headers: Record<string, string> = {
  'HS256, typ JWT': '{"alg":"HS256","typ":"JWT"}',
  'HS256, no typ': '{"alg":"HS256"}',
  'HS256, typ jwt': '{"alg":"HS256","typ":"jwt"}',
  'HS256, spaced': '{ "typ": "JWT", "alg": "HS256" }',
  'HS256, extra fields': '{"alg":"HS256","typ":"JWT","kid":"k1","crit":["x"]}',
  'HS256 twice, none last': '{"alg":"HS256","alg":"none"}',
  'none twice, HS256 last': '{"alg":"none","alg":"HS256"}',
  none: '{"alg":"none","typ":"JWT"}',
  'none, no typ': '{"alg":"none"}',
  HS384: '{"alg":"HS384","typ":"JWT"}',
  HS512: '{"alg":"HS512","typ":"JWT"}',
  RS256: '{"alg":"RS256","typ":"JWT"}',
  ES256: '{"alg":"ES256","typ":"JWT"}',
  'hs256 in lower case': '{"alg":"hs256","typ":"JWT"}',
  'HS256 with a space': '{"alg":"HS256 ","typ":"JWT"}',
  'no alg': '{"typ":"JWT"}',
  'alg null': '{"alg":null,"typ":"JWT"}',
  'alg a list': '{"alg":["HS256"],"typ":"JWT"}',
  'a JSON string': '"HS256"',
  'a JSON list': '[{"alg":"HS256"}]',
  'a number': '1',
  null: 'null',
  'not JSON': '{alg:HS256}',
  empty: '',
};

/** How the token's `iat` is set, around the frozen now. */
const iats: Record<string, (offsetS: number) => unknown> = {
  'at the offset': (offset) => NOW_S + offset,
  'at the offset, with a fraction': (offset) => NOW_S + offset + 0.5,
  missing: () => undefined,
  'a string': (offset) => String(NOW_S + offset),
  null: () => null,
  'in milliseconds': (offset) => (NOW_S + offset) * 1000,
  zero: () => 0,
};

/** The token's `payload_hash`, from the body signed. */
const hashes: Record<string, (signed: string) => unknown> = {
  'of the body signed': (b) => sha256Hex(b),
  'in upper case': (b) => sha256Hex(b).toUpperCase(),
  'of another body': () => sha256Hex('{"uuid":"another"}'),
  'of the body with a newline': (b) => sha256Hex(`${b}\n`),
  missing: () => undefined,
  'truncated by one digit': (b) => sha256Hex(b).slice(0, -1),
  'in base64': (b) => Buffer.from(sha256Hex(b), 'hex').toString('base64'),
  'a number': () => 12_345,
  null: () => null,
  'with a space': (b) => ` ${sha256Hex(b)}`,
};

/** Extra time claims, which the official verifier checks where present. */
const nbfs: Record<string, unknown> = {
  absent: undefined,
  'a minute ago': NOW_S - 60,
  now: NOW_S,
  'in a second': NOW_S + 1,
  'in a minute': NOW_S + 60,
  'a string': String(NOW_S - 60),
  null: null,
};
const exps: Record<string, unknown> = {
  absent: undefined,
  'in a minute': NOW_S + 60,
  'in a second': NOW_S + 1,
  now: NOW_S,
  'a minute ago': NOW_S - 60,
  'a string': String(NOW_S + 60),
  null: null,
};

/** The claims text, from the claims object. */
const claimsForms: Record<string, (claims: Record<string, unknown>) => string> = {
  'compact JSON': (claims) => JSON.stringify(claims),
  'indented JSON': (claims) => JSON.stringify(claims, null, 2),
  'a JSON list': (claims) => JSON.stringify([claims]),
  'a JSON string': (claims) => JSON.stringify(JSON.stringify(claims)),
  'not JSON': (claims) => `${JSON.stringify(claims)},`,
  null: () => 'null',
  empty: () => '',
};

/** The secret the token is signed with. */
const signers: Record<string, string> = {
  genuine: SIGNATURE_SECRET,
  another: 'another-secret-0123456789abcdefgh',
  'genuine with a character more': `${SIGNATURE_SECRET}x`,
  'genuine less its last character': SIGNATURE_SECRET.slice(0, -1),
  'genuine in upper case': SIGNATURE_SECRET.toUpperCase(),
};

/** How the token received differs from the one signed. */
const tokenTwists: Record<string, (token: string, at: number, random: Uint8Array) => string> = {
  valid: (t) => t,
  'truncated by one character': (t) => t.slice(0, -1),
  'truncated by four characters': (t) => t.slice(0, -4),
  'the signature dropped': (t) => t.slice(0, t.lastIndexOf('.') + 1),
  'the signature and its dot dropped': (t) => t.slice(0, t.lastIndexOf('.')),
  'a fourth part': (t) => `${t}.e30`,
  'padded with =': (t) => `${t}=`,
  'a non-canonical last character': (t) => {
    // 32 bytes in base64url: 43 characters, the last carrying 2 unused bits.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(t.at(-1)!);
    return `${t.slice(0, -1)}${alphabet[last ^ 1]}`;
  },
  'the signature in base64': (t) => {
    const [h, c, s] = t.split('.') as [string, string, string];
    return `${h}.${c}.${Buffer.from(s, 'base64url').toString('base64')}`;
  },
  'a character of the signature changed': (t, at) => flip(t, t.lastIndexOf('.') + 1, at),
  'a character of the claims changed': (t, at) => {
    const [h, c] = t.split('.') as [string, string];
    return flip(t, h.length + 1, at, c.length);
  },
  'a character of the header changed': (t, at) => flip(t, 0, at, t.indexOf('.')),
  'a trailing space': (t) => `${t} `,
  'a leading space': (t) => ` ${t}`,
  'in lower case': (t) => t.toLowerCase(),
  'a random signature': (t, _, random) =>
    `${t.slice(0, t.lastIndexOf('.') + 1)}${Buffer.from(random).toString('base64url')}`,
  'the claims of another token': (t) => {
    const [h, , s] = t.split('.') as [string, string, string];
    return `${h}.${base64url('{"iat":1776418200,"payload_hash":"00"}')}.${s}`;
  },
  empty: () => '',
};

/** `text` with the character at `start + (at % span)` replaced by another base64url one. */
function flip(text: string, start: number, at: number, span = text.length - start): string {
  if (span <= 0) return text;
  const i = start + (at % span);
  const replacement = text[i] === 'A' ? 'B' : 'A';
  return `${text.slice(0, i)}${replacement}${text.slice(i + 1)}`;
}

/** How ours is handed the token. */
const deliveries: Record<string, (token: string) => Partial<VerifyVonageSignatureInput>> = {
  token: (token) => ({ token }),
  'Authorization: Bearer': (token) => ({ authorization: `Bearer ${token}` }),
};

/** How ours receives the body; the oracle hashes the same bytes. */
const bodyForms = ['string', 'Buffer', 'Uint8Array view'] as const;

const skews: Record<string, number | undefined> = { default: undefined, '60': 60, '0': 0 };

const corpusCase = fc.record({
  body: fc.constantFrom(...bodies),
  bodyChange: mostly('none', 40, Object.keys(bodyChanges)),
  flipAt: fc.nat(),
  header: pick(
    ['HS256, typ JWT', 60],
    ['HS256, no typ', 6],
    ...Object.keys(headers)
      .filter((h) => h !== 'HS256, typ JWT' && h !== 'HS256, no typ')
      .map((h): [string, number] => [h, 1]),
  ),
  offsetS: fc.oneof(
    { arbitrary: fc.constantFrom(-301, -300, -60, -61, 0, 60, 61, 300, 301), weight: 3 },
    { arbitrary: fc.integer({ min: -299, max: 299 }), weight: 3 },
    { arbitrary: fc.integer({ min: -100_000, max: 100_000 }), weight: 1 },
  ),
  iat: mostly('at the offset', 40, Object.keys(iats)),
  hash: mostly('of the body signed', 50, Object.keys(hashes)),
  nbf: mostly('absent', 40, Object.keys(nbfs)),
  exp: mostly('absent', 40, Object.keys(exps)),
  claimsForm: mostly('compact JSON', 60, Object.keys(claimsForms)),
  signer: mostly('genuine', 40, Object.keys(signers)),
  tokenTwist: mostly('valid', 50, Object.keys(tokenTwists)),
  random: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  nowFractionMs: fc.constantFrom(0, 1, 500, 999),
  delivery: fc.constantFrom(...Object.keys(deliveries)),
  bodyForm: fc.constantFrom(...bodyForms),
  skew: mostly('default', 8, Object.keys(skews)),
});

type Case = typeof corpusCase extends fc.Arbitrary<infer T> ? T : never;

interface Built {
  token: string;
  received: Buffer;
  maxSkewS: number;
  input: VerifyVonageSignatureInput;
}

function build(c: Case): Built {
  const change = bodyChanges[c.bodyChange]!(c.body, c.flipAt);
  const received = Buffer.isBuffer(change) ? change : Buffer.from(change, 'utf8');
  const claims: Record<string, unknown> = {};
  const iat = iats[c.iat]!(c.offsetS);
  if (iat !== undefined) claims['iat'] = iat;
  claims['jti'] = 'b3c5d7e9-0000-4000-8000-000000000001';
  claims['iss'] = 'Vonage';
  const hash = hashes[c.hash]!(c.body);
  if (hash !== undefined) claims['payload_hash'] = hash;
  if (nbfs[c.nbf] !== undefined) claims['nbf'] = nbfs[c.nbf];
  if (exps[c.exp] !== undefined) claims['exp'] = exps[c.exp];
  claims['application_id'] = 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab';
  const headerText = headers[c.header]!;
  const alg = /"alg":"(HS384|HS512)"/.exec(headerText)?.[1] ?? 'HS256';
  const signed = signJwt(headerText, claimsForms[c.claimsForm]!(claims), signers[c.signer]!, alg);
  const token = tokenTwists[c.tokenTwist]!(signed, c.flipAt, c.random);
  let rawBody: string | Uint8Array = received;
  if (c.bodyForm === 'string') rawBody = received.toString('utf8');
  if (c.bodyForm === 'Uint8Array view') {
    const backing = new Uint8Array(received.length + 6).fill(0x7b);
    backing.set(received, 3);
    rawBody = backing.subarray(3, 3 + received.length);
  }
  // A string body is hashed as its UTF-8: bytes that are no UTF-8 are not the bytes received.
  const hashed = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : received;
  const maxSkewS = skews[c.skew] ?? 300;
  return {
    token,
    received: hashed,
    maxSkewS,
    input: {
      signatureSecret: SIGNATURE_SECRET,
      rawBody,
      ...(skews[c.skew] !== undefined && { maxSkewS }),
      ...deliveries[c.delivery]!(token),
    },
  };
}

/**
 * The oracle: the official verifySignature, then, for a token it accepts, the two rules it leaves
 * out, written here from Vonage's description: `iat` (a number) within the skew of now, and
 * `payload_hash` the lower-case hex SHA-256 of the bytes received. A throw is told as such.
 */
function expectedVerdict(b: Built): boolean | string {
  let official: boolean;
  try {
    official = verifySignature(b.token, SIGNATURE_SECRET);
  } catch (error) {
    return `official threw ${String(error)}`;
  }
  if (!official) return false;
  let claims: { iat?: unknown; payload_hash?: unknown } | null;
  try {
    claims = JSON.parse(Buffer.from(b.token.split('.')[1]!, 'base64url').toString('utf8')) as {
      iat?: unknown;
    } | null;
  } catch {
    return false;
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return false;
  const nowS = Math.floor(Date.now() / 1000);
  const fresh = typeof claims.iat === 'number' && Math.abs(nowS - claims.iat) <= b.maxSkewS;
  return fresh && claims.payload_hash === sha256Hex(b.received);
}

function ourVerdict(b: Built): boolean | string {
  try {
    return verifyVonageSignature(b.input).valid;
  } catch (error) {
    return `threw ${String(error)}`;
  }
}

/** `{ accepted, refused }` per value of one of a case's dimensions. */
type Tallies = Record<string, Record<string, { accepted: number; refused: number }>>;

describe('verifyVonageSignature, against @vonage/jwt plus the iat and payload_hash rules', () => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  it('accepts exactly the webhooks verifySignature accepts whose iat and payload_hash hold', () => {
    const cases = fc.sample(corpusCase, { seed: SEED, numRuns: RUNS });
    const disagreements: unknown[] = [];
    const tallies: Tallies = {};
    let accepted = 0;
    let officialOnly = 0;
    for (const c of cases) {
      vi.setSystemTime(NOW_S * 1000 + c.nowFractionMs);
      const built = build(c);
      const expected = expectedVerdict(built);
      const ours = ourVerdict(built);
      if (expected === true) accepted += 1;
      else if (verifySignature(built.token, SIGNATURE_SECRET)) officialOnly += 1;
      if (ours !== expected)
        disagreements.push({
          expected,
          ours,
          case: { ...c, random: undefined },
          token: built.token,
        });
      const { random: _r, flipAt: _f, body: _b, offsetS, ...rest } = c;
      const offset = Math.abs(offsetS) <= 300 ? 'within 300' : 'beyond 300';
      for (const [dimension, value] of Object.entries({ ...rest, offset })) {
        const row = ((tallies[dimension] ??= {})[String(value)] ??= { accepted: 0, refused: 0 });
        if (expected === true) row.accepted += 1;
        else row.refused += 1;
      }
    }

    expect({ disagreements: disagreements.length, first: disagreements[0] }).toEqual({
      disagreements: 0,
      first: undefined,
    });
    console.log(
      `Vonage signature corpus: ${cases.length} cases, ${accepted} accepted, ${cases.length - accepted} refused (${officialOnly} of them accepted by @vonage/jwt alone)`,
    );
    expect(cases.length).toBe(RUNS);
    expect(accepted).toBeGreaterThan(RUNS / 10);
    expect(cases.length - accepted).toBeGreaterThan(RUNS / 10);
    // The official verifier accepted tokens the two added rules refuse: the corpus reached them.
    expect(officialOnly).toBeGreaterThan(RUNS / 20);
    // What must be accepted was, at least once; what must be refused never was.
    for (const header of ['HS256, typ JWT', 'HS256, no typ', 'HS256, extra fields'])
      expect(tallies.header![header]!.accepted).toBeGreaterThan(0);
    for (const header of ['none', 'HS384', 'HS512', 'RS256', 'hs256 in lower case', 'no alg'])
      expect(tallies.header![header]!.accepted).toBe(0);
    for (const form of bodyForms) expect(tallies.bodyForm![form]!.accepted).toBeGreaterThan(0);
    for (const delivery of Object.keys(deliveries))
      expect(tallies.delivery![delivery]!.accepted).toBeGreaterThan(0);
    expect(tallies.offset!['beyond 300']!.accepted).toBe(0);
    for (const hash of ['in upper case', 'of another body', 'missing'])
      expect(tallies.hash![hash]!.accepted).toBe(0);
    expect(tallies.signer!['another']!.accepted).toBe(0);
    expect(tallies.tokenTwist!['truncated by one character']!.accepted).toBe(0);
  });
});
