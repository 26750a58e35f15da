import { brand } from '@ringkit/internal';
import { describe, expect, it } from 'vitest';
import {
  base64url,
  hmac,
  SIGNATURE_SECRET,
  sha256Hex,
  signJwt,
  vonageEvent,
  vonageToken,
} from '../../test/vonage-webhook-fixtures.js';
import { isInvalidOptionsError } from '../errors/errors.js';
import {
  isVonageSignatureError,
  verifyVonageSignature,
  VonageSignatureError,
  type VerifyVonageSignatureInput,
  type VonageSignatureResult,
} from './signature.js';

const NOW = new Date('2026-04-17T09:30:00.000Z');
const NOW_S = NOW.getTime() / 1000;
const BODY = JSON.stringify(vonageEvent('answered'));
const HEADER = '{"alg":"HS256","typ":"JWT"}';

const verify = (input: Partial<VerifyVonageSignatureInput>): VonageSignatureResult =>
  verifyVonageSignature({ signatureSecret: SIGNATURE_SECRET, rawBody: BODY, now: NOW, ...input });

/** The reason `verify` refuses with, or `'valid'`. */
const reason = (input: Partial<VerifyVonageSignatureInput>) => {
  const result = verify(input);
  return result.valid ? 'valid' : result.reason;
};

/** A token of `claims` (with `iat` now and the body's hash unless they are given). */
const tokenOf = (claims: Record<string, unknown>, header = HEADER) =>
  signJwt(
    header,
    JSON.stringify({ iat: NOW_S, payload_hash: sha256Hex(BODY), ...claims }),
    SIGNATURE_SECRET,
  );

/** The `InvalidOptionsError` message `verify(input)` throws, or `'no error'`. */
function optionsError(input: Partial<VerifyVonageSignatureInput>): string {
  try {
    verify(input);
    return 'no error';
  } catch (error) {
    return isInvalidOptionsError(error) ? error.message : `another error: ${String(error)}`;
  }
}

describe('verifyVonageSignature', () => {
  it('accepts a webhook Vonage signed, and gives its claims', () => {
    const result = verify({ authorization: `Bearer ${vonageToken(BODY, NOW_S)}` });
    expect(result).toMatchObject({
      valid: true,
      claims: { iat: NOW_S, iss: 'Vonage', payload_hash: sha256Hex(BODY) },
    });
  });

  it('takes the token alone, the body as bytes, and the Bearer scheme in any letter case', () => {
    const token = vonageToken(BODY, NOW_S);
    expect(reason({ token })).toBe('valid');
    expect(reason({ token, rawBody: Buffer.from(BODY) })).toBe('valid');
    expect(reason({ token, rawBody: new TextEncoder().encode(BODY) })).toBe('valid');
    expect(reason({ authorization: `bearer ${token}` })).toBe('valid');
    expect(reason({ authorization: `BEARER ${token}` })).toBe('valid');
  });

  it('refuses a request with no token as missing_token', () => {
    expect(reason({})).toBe('missing_token');
    expect(reason({ authorization: undefined })).toBe('missing_token');
    expect(reason({ authorization: '' })).toBe('missing_token');
    expect(reason({ token: '' })).toBe('missing_token');
    expect(reason({ authorization: 'Bearer ' })).toBe('missing_token');
  });

  it('refuses another scheme, a header sent twice, or extra spaces as missing_token', () => {
    const token = vonageToken(BODY, NOW_S);
    expect(reason({ authorization: `Basic ${token}` })).toBe('missing_token');
    expect(reason({ authorization: token })).toBe('missing_token');
    expect(reason({ authorization: [`Bearer ${token}`] })).toBe('missing_token');
    expect(reason({ authorization: [`Bearer ${token}`, `Bearer ${token}`] })).toBe('missing_token');
    expect(reason({ authorization: `Bearer  ${token}` })).toBe('missing_token');
    expect(reason({ authorization: `Bearer ${token} x` })).toBe('missing_token');
  });

  it('refuses what is not a JWT as malformed', () => {
    const token = vonageToken(BODY, NOW_S);
    const [h, c] = token.split('.') as [string, string];
    expect(reason({ token: `${h}.${c}` })).toBe('malformed');
    expect(reason({ token: `${token}.e30` })).toBe('malformed');
    expect(reason({ token: `${token}=` })).toBe('malformed');
    expect(reason({ token: `.${c}.sig` })).toBe('malformed');
    expect(reason({ token: 'not a token' })).toBe('malformed');
  });

  it.each([
    ['not JSON', '{alg:HS256}'],
    ['a JSON string', '"HS256"'],
    ['a JSON list', '[{"alg":"HS256"}]'],
    ['null', 'null'],
  ])('refuses a header that is %s as malformed', (_, header) => {
    expect(reason({ token: tokenOf({}, header) })).toBe('malformed');
  });

  it.each([
    ['none', '{"alg":"none","typ":"JWT"}', ''],
    ['none with an HMAC', '{"alg":"none","typ":"JWT"}', undefined],
    ['HS512', '{"alg":"HS512","typ":"JWT"}', 'HS512'],
    ['HS384', '{"alg":"HS384","typ":"JWT"}', 'HS384'],
    ['RS256', '{"alg":"RS256","typ":"JWT"}', undefined],
    ['hs256', '{"alg":"hs256","typ":"JWT"}', undefined],
    ['no alg', '{"typ":"JWT"}', undefined],
  ])('refuses a token signed with %s as algorithm', (_, header, alg) => {
    const input = `${base64url(header)}.${base64url(JSON.stringify({ iat: NOW_S, payload_hash: sha256Hex(BODY) }))}`;
    const signature = alg === '' ? '' : hmac(input, SIGNATURE_SECRET, alg);
    expect(reason({ token: `${input}.${signature}` })).toBe('algorithm');
  });

  it('refuses a token signed with another secret, or not signed, as signature', () => {
    expect(reason({ token: vonageToken(BODY, NOW_S, 'another-secret') })).toBe('signature');
    expect(reason({ token: vonageToken(BODY, NOW_S, `${SIGNATURE_SECRET} `) })).toBe('signature');
    const token = vonageToken(BODY, NOW_S);
    expect(reason({ token: token.slice(0, token.lastIndexOf('.') + 1) })).toBe('signature');
    expect(reason({ token: token.slice(0, -1) })).toBe('signature');
  });

  it('refuses claims changed after signing as signature', () => {
    const [h, , s] = vonageToken(BODY, NOW_S).split('.') as [string, string, string];
    const forged = base64url(JSON.stringify({ iat: NOW_S, payload_hash: sha256Hex('{}') }));
    expect(reason({ token: `${h}.${forged}.${s}`, rawBody: '{}' })).toBe('signature');
  });

  it.each([
    ['a JSON list', '[1]'],
    ['a JSON string', '"claims"'],
    ['not JSON', '{"iat":'],
  ])('refuses signed claims that are %s as malformed', (_, claims) => {
    expect(reason({ token: signJwt(HEADER, claims, SIGNATURE_SECRET) })).toBe('malformed');
  });

  it('refuses a token before its nbf or from its exp, or with either not a number', () => {
    expect(reason({ token: tokenOf({ nbf: NOW_S + 1 }) })).toBe('not_current');
    expect(reason({ token: tokenOf({ nbf: String(NOW_S - 60) }) })).toBe('not_current');
    expect(reason({ token: tokenOf({ exp: NOW_S }) })).toBe('not_current');
    expect(reason({ token: tokenOf({ exp: null }) })).toBe('not_current');
    expect(reason({ token: tokenOf({ nbf: NOW_S, exp: NOW_S + 1 }) })).toBe('valid');
  });

  it('refuses an iat further than 300 s from now, either way, as stale', () => {
    expect(reason({ token: vonageToken(BODY, NOW_S - 300) })).toBe('valid');
    expect(reason({ token: vonageToken(BODY, NOW_S + 300) })).toBe('valid');
    expect(reason({ token: vonageToken(BODY, NOW_S - 301) })).toBe('stale');
    expect(reason({ token: vonageToken(BODY, NOW_S + 301) })).toBe('stale');
    expect(reason({ token: vonageToken(BODY, NOW_S - 86_400) })).toBe('stale');
  });

  it('honours maxSkewS, and reads the time from now', () => {
    const token = vonageToken(BODY, NOW_S - 61);
    expect(reason({ token, maxSkewS: 61 })).toBe('valid');
    expect(reason({ token, maxSkewS: 60 })).toBe('stale');
    expect(reason({ token, maxSkewS: 60, now: new Date((NOW_S - 1) * 1000) })).toBe('valid');
  });

  it('refuses a token with no numeric iat as stale', () => {
    const claims = (iat: unknown) =>
      JSON.stringify({ ...(iat !== undefined && { iat }), payload_hash: sha256Hex(BODY) });
    for (const iat of [undefined, null, String(NOW_S), [NOW_S]]) {
      const result = verify({ token: signJwt(HEADER, claims(iat), SIGNATURE_SECRET) });
      expect(result).toMatchObject({ valid: false, reason: 'stale' });
    }
  });

  it('refuses a body that is not the one signed as payload_hash', () => {
    const token = vonageToken(BODY, NOW_S);
    expect(reason({ token, rawBody: `${BODY} ` })).toBe('payload_hash');
    expect(reason({ token, rawBody: BODY.replace('answered', 'completed') })).toBe('payload_hash');
    const bytes = Buffer.from(BODY);
    bytes[0]! ^= 1;
    expect(reason({ token, rawBody: bytes })).toBe('payload_hash');
  });

  it('refuses a payload_hash missing, in upper case, or not a string, as payload_hash', () => {
    const hash = sha256Hex(BODY);
    for (const payload_hash of [undefined, hash.toUpperCase(), hash.slice(1), 1, null]) {
      const token = signJwt(
        HEADER,
        JSON.stringify({ iat: NOW_S, ...(payload_hash !== undefined && { payload_hash }) }),
        SIGNATURE_SECRET,
      );
      expect(reason({ token })).toBe('payload_hash');
    }
  });

  it('says why in its message', () => {
    expect(verify({ token: vonageToken(BODY, NOW_S - 400) })).toEqual({
      valid: false,
      reason: 'stale',
      message: 'The token was signed 400 s from now, more than 300 s',
    });
  });

  it('throws InvalidOptionsError for a configuration mistake', () => {
    const token = vonageToken(BODY, NOW_S);
    expect(optionsError({ signatureSecret: '' })).toMatch(/signatureSecret/);
    expect(optionsError({ token, authorization: `Bearer ${token}` })).toMatch(/not both/);
    expect(optionsError({ token, maxSkewS: -1 })).toMatch(/maxSkewS/);
    expect(optionsError({ token, maxSkewS: 86_401 })).toMatch(/maxSkewS/);
    expect(optionsError({ token, rawBody: 42 as unknown as string })).toMatch(/rawBody/);
    expect(optionsError({ token, now: 0 as unknown as Date })).toMatch(/now/);
  });
});

describe('VonageSignatureError', () => {
  it('carries its reason and is recognised by its guard, across copies', () => {
    const error = new VonageSignatureError('stale', 'old');
    expect(error.reason).toBe('stale');
    expect(error.code).toBe('invalid_signature');
    expect(isVonageSignatureError(error)).toBe(true);
    expect(isVonageSignatureError(new Error('stale'))).toBe(false);
    // An error of another copy of the package: not an instance, but branded and named.
    const copy = Object.assign(new Error('old'), { name: 'VonageSignatureError' });
    expect(isVonageSignatureError(copy)).toBe(false);
    brand(copy, 'CallApiError');
    expect(isVonageSignatureError(copy)).toBe(true);
  });
});
