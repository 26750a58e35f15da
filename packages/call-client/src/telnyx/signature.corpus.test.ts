import fc from 'fast-check';
import { TelnyxWebhook, TelnyxWebhookVerificationError } from 'telnyx/lib/webhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTelnyxSigner, event } from '../../test/telnyx-fixtures.js';
import type { Clock } from '../time/clock.js';
import { verifyTelnyxSignature, type VerifyTelnyxSignatureInput } from './signature.js';

// Webhooks as Telnyx signs them and as an app receives them, spoilt many ways, judged by the
// official `telnyx` package's TelnyxWebhook.verify and by verifyTelnyxSignature: the verdicts must
// be the same, accept or refuse.

const SEED = 20_260_417;
const RUNS = 4_000;
/** The frozen time both verifiers read: 2026-04-17T09:30:00.000Z, in seconds. */
const NOW_S = 1_776_418_200;

// Keys from fixed seeds: every run signs, and judges, the very same texts.
const telnyx = createTelnyxSigner(new Uint8Array(32).fill(1));
const other = createTelnyxSigner(new Uint8Array(32).fill(2));
/** 32 bytes that are no point of Ed25519: both verifiers take the key and refuse every signature. */
const NOT_A_POINT = 'AQwXIi04Q05ZZG96hZCbprG8x9Ld6PP+CRQfKjVAS1Y=';

/** Ours reads the same frozen Date.now() as the official verifier. */
const dateClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Weighted choice among labels: `[label, weight]` pairs. */
const pick = <T extends string>(...choices: [T, number][]) =>
  fc.oneof(...choices.map(([label, weight]) => ({ arbitrary: fc.constant(label), weight })));

const payloads: Record<string, unknown>[] = [
  { call_control_id: 'v3:abc', from: '+14155552671', to: '+14155550100', direction: 'outgoing' },
  { call_control_id: 'v3:def', hangup_cause: 'normal_clearing', hangup_source: 'callee' },
  { call_control_id: 'v3:ghi', client_state: 'eyJyayI6MX0=', note: 'naïve café ☎ 😀 日本語' },
  { call_control_id: 'v3:jkl', result: 'human', text: 'a|b|c 1776418200|x' },
  {},
];

/** Body texts: compact and indented JSON events, and raw text JSON.stringify would not write. */
const bodies: string[] = [
  ...payloads.map((payload, i) =>
    JSON.stringify(
      event('call.answered', payload, { id: `ev-${i}`, occurredAt: '2026-04-17T09:29:59.5Z' }),
    ),
  ),
  JSON.stringify(event('call.hangup', payloads[1]!, { id: 'ev-x', occurredAt: null }), null, 2),
  '{"data":{"note":"lone \uD83D high and \uDE00 low surrogates"}}',
  '{"data":{"note":"emoji 😀👍🏽 and e\u0301 (NFD) and \u00e9 (NFC)"}}',
  '\uFEFF{"bom":true}',
  '{"nul":"\u0000","crlf":"\r\n","tab":"\t"}',
  '',
  '|',
  '{}',
];

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * How the body received differs from the one signed: text changes keep the text (lone surrogates
 * and all), a flipped byte gives bytes (which may no longer be UTF-8).
 */
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
  'CRLF appended': (b) => `${b}\r\n`,
  're-serialised compact': (b) => reserialise(b),
  're-serialised indented': (b) => reserialise(b, 2),
  'normalised NFD': (b) => b.normalize('NFD'),
  'normalised NFC': (b) => b.normalize('NFC'),
  // The same UTF-8 bytes: a lone surrogate is encoded as U+FFFD.
  'lone surrogates as U+FFFD': (b) => b.replace(LONE_SURROGATE, '\uFFFD'),
  'a BOM prefixed': (b) => `\uFEFF${b}`,
  'the last character dropped': (b) => b.slice(0, -1),
};

function reserialise(text: string, indent?: number): string {
  try {
    return JSON.stringify(JSON.parse(text), null, indent);
  } catch {
    return `${text} `;
  }
}

/** The timestamp header's text for a time in seconds. */
const stampSpellings: Record<string, (s: number) => string> = {
  decimal: (s) => String(s),
  'leading zeros': (s) => `000${s}`,
  negative: (s) => `-${s}`,
  'with a decimal point': (s) => `${s}.0`,
  'with an exponent': (s) => `${s / 1e9}e9`,
  'huge (beyond MAX_SAFE_INTEGER)': () => '9007199254740993',
  'huge (20 digits)': (s) => `${s}0000000000`,
  empty: () => '',
  'plus sign': (s) => `+${s}`,
  'leading space': (s) => ` ${s}`,
  'trailing newline': (s) => `${s}\n`,
  hexadecimal: (s) => `0x${s.toString(16)}`,
  'Arabic-Indic digits': (s) =>
    String(s).replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d))),
  'full-width digits': (s) =>
    String(s).replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))),
};

/** How the text signed relates to the timestamp header. */
const signedOver: Record<string, (header: string, s: number) => string> = {
  'the header': (header) => header,
  'the next second': (_, s) => String(s + 1),
  'the plain decimal': (_, s) => String(s),
};

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** How the signature header's text differs from the signature's base64. */
const signatureTwists: Record<string, (sig: string, random: Uint8Array) => string> = {
  valid: (sig) => sig,
  'truncated by one character': (sig) => sig.slice(0, -1),
  'truncated by four characters (63 bytes)': (sig) => sig.slice(0, -4),
  'without padding': (sig) => sig.replace(/=+$/, ''),
  'one = less': (sig) => sig.slice(0, -1),
  'an extra =': (sig) => `${sig}=`,
  'padding replaced': (sig) => `${sig.slice(0, -1)}A`,
  // 64 bytes end in two padding characters: the last data character carries 4 unused bits.
  'a non-canonical last character': (sig, random) => {
    const at = sig.length - 3;
    const index = BASE64.indexOf(sig[at]!) ^ (1 + (random[0]! % 15));
    return `${sig.slice(0, at)}${BASE64[index]}${sig.slice(at + 1)}`;
  },
  'the URL-safe alphabet': (sig) => sig.replaceAll('+', '-').replaceAll('/', '_'),
  'the URL-safe alphabet, no padding': (sig) => Buffer.from(sig, 'base64').toString('base64url'),
  'an embedded newline': (sig) => `${sig.slice(0, 44)}\n${sig.slice(44)}`,
  'a trailing newline': (sig) => `${sig}\n`,
  'a leading space': (sig) => ` ${sig}`,
  'in lower case': (sig) => sig.toLowerCase(),
  '64 random bytes': (_, random) => Buffer.from(random).toString('base64'),
  '63 bytes': (sig) => Buffer.from(sig, 'base64').subarray(0, 63).toString('base64'),
  '65 bytes': (sig) => Buffer.concat([Buffer.from(sig, 'base64'), Buffer.of(0)]).toString('base64'),
  empty: () => '',
};

type Headers = Record<string, string | string[] | undefined>;
const SIG = 'telnyx-signature-ed25519';
const TS = 'telnyx-timestamp';

const nameCases: Record<string, (name: string) => string> = {
  lower: (n) => n,
  'Title-Case': (n) =>
    n.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase()),
  UPPER: (n) => n.toUpperCase(),
  mIxEd: (n) => [...n].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join(''),
};

/** How the two values are put in the headers object. */
const headerShapes: Record<
  string,
  (sig: string, ts: string, name: (n: string) => string) => Headers
> = {
  plain: (sig, ts, name) => ({ [name(SIG)]: sig, [name(TS)]: ts }),
  'among other headers': (sig, ts, name) => ({
    'content-type': 'application/json',
    [name(TS)]: ts,
    'user-agent': 'telnyx-webhooks',
    [name(SIG)]: sig,
  }),
  'signature as [value]': (sig, ts, name) => ({ [name(SIG)]: [sig], [name(TS)]: ts }),
  'timestamp as [value]': (sig, ts, name) => ({ [name(SIG)]: sig, [name(TS)]: [ts] }),
  'signature as [value, value]': (sig, ts, name) => ({ [name(SIG)]: [sig, sig], [name(TS)]: ts }),
  'timestamp as [value, value]': (sig, ts, name) => ({ [name(SIG)]: sig, [name(TS)]: [ts, ts] }),
  'signature as []': (_, ts, name) => ({ [name(SIG)]: [], [name(TS)]: ts }),
  'timestamp as []': (sig, _, name) => ({ [name(SIG)]: sig, [name(TS)]: [] }),
  'no signature': (_, ts, name) => ({ [name(TS)]: ts }),
  'no timestamp': (sig, _, name) => ({ [name(SIG)]: sig }),
  'signature undefined': (_, ts, name) => ({ [name(SIG)]: undefined, [name(TS)]: ts }),
  // Two spellings of one name: the first wins, for both verifiers.
  'both twice, the genuine first': (sig, ts, name) => ({
    [name(SIG)]: sig,
    [name(TS)]: ts,
    [SIG.replace('telnyx', 'TELNYX')]: 'AAAA',
    [TS.replace('telnyx', 'TELNYX')]: '0',
  }),
  'both twice, the genuine last': (sig, ts, name) => ({
    [SIG.replace('telnyx', 'TELNYX')]: 'AAAA',
    [TS.replace('telnyx', 'TELNYX')]: '0',
    [name(SIG)]: sig,
    [name(TS)]: ts,
  }),
  'timestamp twice, an empty one first': (sig, ts) => ({
    [SIG]: sig,
    'Telnyx-Timestamp': '',
    [TS]: ts,
  }),
};

/** How ours receives the body; the official verifier always gets the text. */
const bodyForms = ['string', 'Buffer', 'Uint8Array view'] as const;

const verifierKeys: Record<string, string> = {
  genuine: telnyx.publicKeyBase64,
  "another signer's": other.publicKeyBase64,
  'not a point of the curve': NOT_A_POINT,
};

const corpusCase = fc.record({
  body: fc.constantFrom(...bodies),
  bodyChange: pick(
    ['none', 40],
    ...Object.keys(bodyChanges)
      .filter((name) => name !== 'none')
      .map((name): [string, number] => [name, 2]),
  ),
  flipAt: fc.nat(),
  offsetS: fc.oneof(
    { arbitrary: fc.constantFrom(-301, -300, 0, 300, 301), weight: 3 },
    { arbitrary: fc.integer({ min: -299, max: 299 }), weight: 3 },
    { arbitrary: fc.integer({ min: -100_000, max: 100_000 }), weight: 1 },
  ),
  nowFractionMs: fc.constantFrom(0, 1, 500, 999),
  stampSpelling: pick(
    ['decimal', 40],
    ['leading zeros', 6],
    ...Object.keys(stampSpellings)
      .filter((name) => name !== 'decimal' && name !== 'leading zeros')
      .map((name): [string, number] => [name, 1]),
  ),
  signedOver: pick(['the header', 30], ['the next second', 2], ['the plain decimal', 2]),
  signer: pick(['genuine', 30], ['another', 2]),
  signatureTwist: pick(
    ['valid', 40],
    ['a non-canonical last character', 6],
    ['the URL-safe alphabet', 3],
    ...Object.keys(signatureTwists)
      .filter(
        (n) => !['valid', 'a non-canonical last character', 'the URL-safe alphabet'].includes(n),
      )
      .map((name): [string, number] => [name, 1]),
  ),
  random: fc.uint8Array({ minLength: 64, maxLength: 64 }),
  nameCase: fc.constantFrom(...Object.keys(nameCases)),
  headerShape: pick(
    ['plain', 30],
    ['among other headers', 4],
    ...Object.keys(headerShapes)
      .filter((n) => n !== 'plain' && n !== 'among other headers')
      .map((name): [string, number] => [name, 1]),
  ),
  bodyForm: fc.constantFrom(...bodyForms),
  verifierKey: pick(['genuine', 40], ["another signer's", 1], ['not a point of the curve', 1]),
});

type Case = typeof corpusCase extends fc.Arbitrary<infer T> ? T : never;

interface Built {
  officialKey: string;
  payload: string;
  headers: Headers;
  input: VerifyTelnyxSignatureInput;
}

function build(c: Case): Built {
  const received = bodyChanges[c.bodyChange]!(c.body, c.flipAt);
  const text = typeof received === 'string' ? received : received.toString('utf8');
  const seconds = NOW_S + c.offsetS;
  const stamp = stampSpellings[c.stampSpelling]!(seconds);
  const signedStamp = signedOver[c.signedOver]!(stamp, seconds);
  const signed = (c.signer === 'genuine' ? telnyx : other).sign(c.body, signedStamp);
  const signature = signatureTwists[c.signatureTwist]!(signed[SIG], c.random);
  const headers = headerShapes[c.headerShape]!(signature, stamp, nameCases[c.nameCase]!);
  const key = verifierKeys[c.verifierKey]!;
  let rawBody: string | Uint8Array = text;
  if (c.bodyForm === 'Buffer') rawBody = Buffer.from(received);
  if (c.bodyForm === 'Uint8Array view') {
    const bytes = Buffer.from(received);
    const backing = new Uint8Array(bytes.length + 6).fill(0x7b);
    backing.set(bytes, 3);
    rawBody = backing.subarray(3, 3 + bytes.length);
  }
  return {
    officialKey: key,
    payload: text,
    headers,
    input: { publicKey: key, rawBody, headers, clock: dateClock },
  };
}

const officials = new Map<string, TelnyxWebhook>();

/**
 * The official verdict: resolved is accepted, a TelnyxWebhookVerificationError refused; any other
 * error is told as such (and counts as a disagreement).
 */
async function officialVerdict(b: Built): Promise<boolean | string> {
  let webhook = officials.get(b.officialKey);
  if (!webhook) officials.set(b.officialKey, (webhook = new TelnyxWebhook(b.officialKey)));
  return webhook.verify(b.payload, b.headers as Record<string, string>).then(
    () => true,
    (error: unknown) =>
      error instanceof TelnyxWebhookVerificationError ? false : `threw ${String(error)}`,
  );
}

function ourVerdict(b: Built): boolean | string {
  try {
    return verifyTelnyxSignature(b.input);
  } catch (error) {
    return `threw ${String(error)}`;
  }
}

/** The edges of the tolerance by name; other offsets by which side of it they fall. */
const offsetLabel = (s: number) =>
  [-301, -300, 0, 300, 301].includes(s) ? String(s) : Math.abs(s) < 300 ? 'within' : 'beyond';

/** `{ accepted, refused }` per value of one of a case's dimensions. */
type Tallies = Record<string, Record<string, { accepted: number; refused: number }>>;

describe('verifyTelnyxSignature, against the telnyx package on a generated corpus', () => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  it('accepts exactly the webhooks TelnyxWebhook.verify accepts', async () => {
    const cases = fc.sample(corpusCase, { seed: SEED, numRuns: RUNS });
    const disagreements: unknown[] = [];
    const tallies: Tallies = {};
    let accepted = 0;
    let refused = 0;
    for (const c of cases) {
      vi.setSystemTime(NOW_S * 1000 + c.nowFractionMs);
      const built = build(c);
      const theirs = await officialVerdict(built);
      const ours = ourVerdict(built);
      if (theirs === true) accepted += 1;
      else refused += 1;
      if (ours !== theirs) disagreements.push({ official: theirs, ours, case: c, built });
      const { random: _r, flipAt: _f, body: _b, offsetS, ...rest } = c;
      const dimensions = { ...rest, offsetS: offsetLabel(offsetS) };
      for (const [dimension, value] of Object.entries(dimensions)) {
        const row = ((tallies[dimension] ??= {})[String(value)] ??= { accepted: 0, refused: 0 });
        if (theirs === true) row.accepted += 1;
        else row.refused += 1;
      }
    }

    expect({ disagreements: disagreements.length, first: disagreements[0] }).toEqual({
      disagreements: 0,
      first: undefined,
    });
    console.log(
      `Telnyx signature corpus: ${cases.length} cases, ${accepted} accepted, ${refused} refused`,
    );
    expect(cases.length).toBe(RUNS);
    expect(accepted).toBeGreaterThan(RUNS / 10);
    expect(refused).toBeGreaterThan(RUNS / 10);
    // The spellings that must be accepted were, at least once: the corpus reached them.
    expect(tallies.signatureTwist!['a non-canonical last character']!.accepted).toBeGreaterThan(0);
    expect(tallies.stampSpelling!['leading zeros']!.accepted).toBeGreaterThan(0);
    expect(tallies.headerShape!['timestamp as [value]']!.accepted).toBeGreaterThan(0);
    expect(tallies.headerShape!['both twice, the genuine first']!.accepted).toBeGreaterThan(0);
    for (const form of bodyForms) expect(tallies.bodyForm![form]!.accepted).toBeGreaterThan(0);
    for (const offset of ['-300', '0', '300'])
      expect(tallies.offsetS![offset]!.accepted).toBeGreaterThan(0);
    for (const offset of ['-301', '301']) expect(tallies.offsetS![offset]!.accepted).toBe(0);
  });
});
