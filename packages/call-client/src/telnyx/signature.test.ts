import { sign as ed25519Sign, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTelnyxSigner, publicKeyBase64, sign } from '../../test/telnyx-fixtures.js';
import { isInvalidOptionsError } from '../errors/errors.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { verifyTelnyxSignature, type VerifyTelnyxSignatureInput } from './signature.js';

const T = 1_776_418_200; // 2026-04-17T09:30:00Z, in seconds
const BODY = JSON.stringify({
  data: { event_type: 'call.answered', payload: { call_control_id: 'v3:abc', from: '+1415…' } },
});
const SIG = 'telnyx-signature-ed25519';
const TS = 'telnyx-timestamp';

/** `verifyTelnyxSignature` with the clock at `nowS` seconds (T by default). */
const verify = (
  input: Partial<VerifyTelnyxSignatureInput> & Pick<VerifyTelnyxSignatureInput, 'headers'>,
  nowS = T,
) =>
  verifyTelnyxSignature({
    publicKey: publicKeyBase64,
    rawBody: BODY,
    clock: createFakeClock(nowS * 1000),
    ...input,
  });

/** A signature whose base64 text has a `+` or a `/` (most do): the body it signs and its headers. */
function signedWithPlusOrSlash() {
  for (let n = 0; ; n++) {
    const body = `${BODY} `.repeat(n + 1);
    const headers = sign(body, T);
    if (/[+/]/.test(headers[SIG])) return { body, headers };
  }
}

describe('verifyTelnyxSignature', () => {
  it('accepts a webhook Telnyx signed', () => {
    expect(verify({ headers: sign(BODY, T) })).toBe(true);
  });

  it('finds the headers whatever the letter case of their names', () => {
    const headers = sign(BODY, T);
    expect(
      verify({
        headers: { 'Telnyx-Signature-Ed25519': headers[SIG], 'TELNYX-TIMESTAMP': headers[TS] },
      }),
    ).toBe(true);
  });

  it('reads the body as a string, a Buffer or a Uint8Array, with UTF-8 text', () => {
    const body = `${BODY.slice(0, -1)},"note":"naïve ☎ 😀"}`;
    const headers = sign(body, T);
    const bytes = Buffer.from(body, 'utf8');
    // A view into the middle of a larger buffer: only its own bytes are the body.
    const backing = new Uint8Array(bytes.length + 8).fill(0x41);
    backing.set(bytes, 4);
    const view = backing.subarray(4, 4 + bytes.length);
    expect(verify({ rawBody: body, headers })).toBe(true);
    expect(verify({ rawBody: bytes, headers })).toBe(true);
    expect(verify({ rawBody: view, headers })).toBe(true);
    expect(verify({ rawBody: backing, headers })).toBe(false);
  });

  it('refuses a body with one byte changed', () => {
    const headers = sign(BODY, T);
    const tampered = Buffer.from(BODY, 'utf8');
    tampered[10]! ^= 0x01;
    expect(verify({ rawBody: tampered, headers })).toBe(false);
    expect(verify({ rawBody: `${BODY}\n`, headers })).toBe(false);
  });

  it('refuses a webhook signed with another key', () => {
    const other = createTelnyxSigner();
    expect(verify({ headers: other.sign(BODY, T) })).toBe(false);
    expect(verify({ publicKey: other.publicKeyBase64, headers: sign(BODY, T) })).toBe(false);
  });

  it('refuses a signature made over another timestamp than the header says', () => {
    const headers = sign(BODY, T);
    expect(verify({ headers: { ...headers, [TS]: String(T + 1) } })).toBe(false);
    // The same number spelt otherwise is another signed text.
    expect(verify({ headers: { ...headers, [TS]: `0${T}` } })).toBe(false);
  });

  it('accepts a timestamp up to 300 seconds away, either way, and refuses one 301 seconds away', () => {
    expect(verify({ headers: sign(BODY, T - 300) })).toBe(true);
    expect(verify({ headers: sign(BODY, T + 300) })).toBe(true);
    expect(verify({ headers: sign(BODY, T - 301) })).toBe(false);
    expect(verify({ headers: sign(BODY, T + 301) })).toBe(false);
  });

  it('reads the clock in whole seconds, rounded down', () => {
    const headers = sign(BODY, T - 300);
    const at = (ms: number) =>
      verifyTelnyxSignature({
        publicKey: publicKeyBase64,
        rawBody: BODY,
        headers,
        clock: createFakeClock(ms),
      });
    expect(at(T * 1000 + 999)).toBe(true);
    expect(at((T + 1) * 1000)).toBe(false);
  });

  it('takes another tolerance in toleranceS', () => {
    expect(verify({ headers: sign(BODY, T - 10), toleranceS: 10 })).toBe(true);
    expect(verify({ headers: sign(BODY, T + 11), toleranceS: 10 })).toBe(false);
    expect(verify({ headers: sign(BODY, T), toleranceS: 0 })).toBe(true);
    expect(verify({ headers: sign(BODY, T - 1), toleranceS: 0 })).toBe(false);
    expect(verify({ headers: sign(BODY, T - 3600), toleranceS: 3600 })).toBe(true);
  });

  it('refuses a webhook without its signature or its timestamp', () => {
    const headers = sign(BODY, T);
    expect(verify({ headers: { [TS]: headers[TS] } })).toBe(false);
    expect(verify({ headers: { [SIG]: headers[SIG] } })).toBe(false);
    expect(verify({ headers: { [SIG]: '', [TS]: headers[TS] } })).toBe(false);
    expect(verify({ headers: { [SIG]: headers[SIG], [TS]: '' } })).toBe(false);
    expect(verify({ headers: { [SIG]: headers[SIG], [TS]: undefined } })).toBe(false);
    expect(verify({ headers: {} })).toBe(false);
  });

  it('refuses a timestamp that is not plain decimal digits, even when it was signed', () => {
    for (const stamp of [
      'abc',
      `${T}.0`,
      `${T / 1e9}e9`,
      `+${T}`,
      ` ${T}`,
      `${T}\n`,
      `-${T}`,
      `0x${T.toString(16)}`,
    ]) {
      expect({ stamp, accepted: verify({ headers: sign(BODY, stamp) }) }).toEqual({
        stamp,
        accepted: false,
      });
    }
  });

  it('accepts a timestamp with leading zeros when that is the text Telnyx signed', () => {
    expect(verify({ headers: sign(BODY, `000${T}`) })).toBe(true);
  });

  it('refuses a timestamp beyond the safe integers, even when the clock reads the same', () => {
    const largest = String(Number.MAX_SAFE_INTEGER);
    expect(verify({ headers: sign(BODY, largest) }, Number(largest))).toBe(true);
    // 2^53 + 1 reads as the number 2^53: what was signed is not what would be checked.
    const beyond = '9007199254740993';
    expect(verify({ headers: sign(BODY, beyond) }, Number(beyond))).toBe(false);
  });

  it('refuses a signature that is not strict, padded base64', () => {
    const { body, headers } = signedWithPlusOrSlash();
    const signature = headers[SIG];
    const spoilt = [
      signature.replace(/=+$/, ''), // padding left out
      signature.replaceAll('+', '-').replaceAll('/', '_'), // the URL-safe alphabet
      `${signature.slice(0, 44)}\n${signature.slice(44)}`,
      `${signature} `,
      ` ${signature}`,
      `${signature}=`,
    ];
    expect(verify({ rawBody: body, headers })).toBe(true);
    for (const text of spoilt) {
      expect({
        text,
        accepted: verify({ rawBody: body, headers: { ...headers, [SIG]: text } }),
      }).toEqual({ text, accepted: false });
    }
  });

  it('refuses a signature of 63 or 65 bytes', () => {
    const headers = sign(BODY, T);
    const bytes = Buffer.from(headers[SIG], 'base64');
    const of = (b: Buffer) => ({ ...headers, [SIG]: b.toString('base64') });
    expect(verify({ headers: of(bytes) })).toBe(true);
    expect(verify({ headers: of(bytes.subarray(0, 63)) })).toBe(false);
    expect(verify({ headers: of(Buffer.concat([bytes, Buffer.from([0])])) })).toBe(false);
  });

  it('refuses a signature given as a list of values', () => {
    const headers = sign(BODY, T);
    expect(verify({ headers: { ...headers, [SIG]: [headers[SIG]] } })).toBe(false);
    expect(verify({ headers: { ...headers, [SIG]: [headers[SIG], headers[SIG]] } })).toBe(false);
    expect(verify({ headers: { ...headers, [SIG]: [] } })).toBe(false);
  });

  it('reads a timestamp list as its values joined by commas, as the official verifier does', () => {
    const headers = sign(BODY, T);
    expect(verify({ headers: { ...headers, [TS]: [headers[TS]] } })).toBe(true);
    expect(verify({ headers: { ...headers, [TS]: [headers[TS], headers[TS]] } })).toBe(false);
    expect(verify({ headers: { ...headers, [TS]: [] } })).toBe(false);
  });

  it('reads the first header of a name when it comes in two letter cases', () => {
    const headers = sign(BODY, T);
    expect(verify({ headers: { ...headers, 'Telnyx-Timestamp': String(T + 1) } })).toBe(true);
    expect(verify({ headers: { 'Telnyx-Timestamp': String(T + 1), ...headers } })).toBe(false);
  });

  it('returns false, not an error, for a public key that is 32 bytes but no point of the curve', () => {
    // Checked against the curve's equation: for this y, (y² - 1)/(dy² + 1) has no square root.
    const notAPoint = 'AQwXIi04Q05ZZG96hZCbprG8x9Ld6PP+CRQfKjVAS1Y=';
    expect(verify({ publicKey: notAPoint, headers: sign(BODY, T) })).toBe(false);
  });

  it('refuses to check with a public key that is not 32 bytes of base64, as a configuration error', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const spki = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    for (const key of [
      'not base64!',
      Buffer.alloc(31, 7).toString('base64'),
      Buffer.alloc(33, 7).toString('base64'),
      publicKeyBase64.replace(/=$/, ''),
      spki, // the key wrapped in DER, not the raw 32 bytes
      '',
    ]) {
      let error: unknown;
      try {
        verify({ publicKey: key, headers: sign(BODY, T) });
      } catch (caught) {
        error = caught;
      }
      expect({ key, invalidOptions: isInvalidOptionsError(error) }).toEqual({
        key,
        invalidOptions: true,
      });
      expect((error as Error).message).toMatch(/publicKey/);
    }
  });

  it('refuses a toleranceS below zero as a configuration error', () => {
    expect(() => verify({ headers: sign(BODY, T), toleranceS: -1 })).toThrow(
      expect.objectContaining({ name: 'InvalidOptionsError' }),
    );
  });

  it('checks the signature over the timestamp, a bar and the body, as Telnyx signs', () => {
    // Signed independently of the fixtures: the text is `${timestamp}|${body}`.
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const key = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('base64');
    const sig = (text: string) =>
      ed25519Sign(null, Buffer.from(text), privateKey).toString('base64');
    const check = (text: string) =>
      verify({ publicKey: key, headers: { [SIG]: sig(text), [TS]: String(T) } });
    expect(check(`${T}|${BODY}`)).toBe(true);
    expect(check(`${T}${BODY}`)).toBe(false);
    expect(check(`${BODY}|${T}`)).toBe(false);
    expect(check(`${T}.${BODY}`)).toBe(false);
  });
});
