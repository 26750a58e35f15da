import { generateKeyPairSync } from 'node:crypto';
import { tokenGenerate, verifySignature } from '@vonage/jwt';
import { describe, expect, it } from 'vitest';
import { isInvalidOptionsError } from '../errors/errors.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { createJwtSource, readPrivateKey, signVonageJwt } from './_jwt.js';
import { APPLICATION_KEYS, createRsaKeyPair } from '../../test/vonage-fixtures.js';

const pem = { type: 'pkcs8', format: 'pem' } as const;
const spki = { type: 'spki', format: 'pem' } as const;
const { privateKey, publicKey } = APPLICATION_KEYS;
const other = createRsaKeyPair();

const APP = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

function decode(token: string): { header: unknown; claims: Record<string, unknown> } {
  const [header, claims] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header!, 'base64url').toString()),
    claims: JSON.parse(Buffer.from(claims!, 'base64url').toString()) as Record<string, unknown>,
  };
}

describe('Vonage JWT', () => {
  it('signs a token that @vonage/jwt verifies with the public key, and refuses with another key', () => {
    // jsonwebtoken checks `exp` against the real time: the token is made now.
    const source = createJwtSource({
      applicationId: APP,
      key: readPrivateKey(privateKey),
      now: Date.now,
      ttlS: 900,
    });
    const token = source.token();
    expect(verifySignature(token, publicKey)).toBe(true);
    expect(verifySignature(token, other.publicKey)).toBe(false);
    const [head, body] = token.split('.');
    expect(verifySignature(`${head}.${body}.${'A'.repeat(342)}`, publicKey)).toBe(false);
  });

  it('writes the header and the claims @vonage/jwt tokenGenerate writes, times from now', () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5);
    const token = createJwtSource({
      applicationId: APP,
      key: readPrivateKey(privateKey),
      now: () => at,
      ttlS: 900,
    }).token();
    const ours = decode(token);
    const official = decode(tokenGenerate(APP, privateKey));
    expect(ours.header).toEqual(official.header);
    expect(Object.keys(ours.claims).sort()).toEqual(Object.keys(official.claims).sort());
    expect(ours.claims).toMatchObject({
      application_id: APP,
      iat: at / 1000,
      exp: at / 1000 + 900,
    });
    expect(ours.claims.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('signs exactly what it is given (a known token checks against its own signature)', () => {
    const key = readPrivateKey(privateKey);
    const iat = Math.floor(Date.now() / 1000);
    const claims = { application_id: APP, iat, exp: iat + 900, jti: 'j' };
    // RS256 (PKCS #1 v1.5) is deterministic: the same claims give the same token.
    expect(signVonageJwt(claims, key)).toBe(signVonageJwt(claims, key));
    expect(decode(signVonageJwt(claims, key)).claims).toEqual(claims);
    expect(verifySignature(signVonageJwt(claims, key), publicKey)).toBe(true);
    const expired = { ...claims, iat: iat - 1000, exp: iat - 100 };
    expect(verifySignature(signVonageJwt(expired, key), publicKey)).toBe(false);
  });

  it('reuses a token until a minute before it expires, then signs a new one with a new jti', async () => {
    const clock = createFakeClock(Date.UTC(2026, 0, 2));
    const source = createJwtSource({
      applicationId: APP,
      key: readPrivateKey(privateKey),
      now: () => clock.now(),
      ttlS: 900,
    });
    const first = source.token();
    await clock.advance(839_000);
    expect(source.token()).toBe(first);
    await clock.advance(1_000);
    const second = source.token();
    expect(second).not.toBe(first);
    expect(decode(second).claims.jti).not.toBe(decode(first).claims.jti);
    expect(decode(second).claims.iat).toBe(Date.UTC(2026, 0, 2) / 1000 + 840);
  });

  it('refuses a key that is not an RSA private key with an InvalidOptionsError', () => {
    const ed = generateKeyPairSync('ed25519', { privateKeyEncoding: pem, publicKeyEncoding: spki });
    for (const bad of ['not a key', publicKey.replace('PUBLIC', 'PRIVATE'), ed.privateKey]) {
      const error = (() => {
        try {
          readPrivateKey(bad);
        } catch (e) {
          return e;
        }
      })();
      expect(isInvalidOptionsError(error), bad.slice(0, 40)).toBe(true);
    }
  });
});
