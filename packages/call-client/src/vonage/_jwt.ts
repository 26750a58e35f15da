import { createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { InvalidOptionsError } from '../errors/errors.js';

/** The claims of the JWT every Voice API request carries, as Vonage's authentication guide lists them. */
export interface VonageJwtClaims {
  /** The Vonage application the token speaks for. */
  application_id: string;
  /** Issued at, in seconds since the epoch. */
  iat: number;
  /** Expires at, in seconds since the epoch. */
  exp: number;
  /** A new id for every token. */
  jti: string;
}

/** `{"alg":"RS256","typ":"JWT"}`, the header `@vonage/jwt`'s `tokenGenerate` writes. */
const HEADER = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url');

/** The private key of a Vonage application, read once; an `InvalidOptionsError` for anything but an RSA key. */
export function readPrivateKey(privateKey: string | Buffer): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKey);
  } catch (error) {
    throw new InvalidOptionsError('createVonageClient', [
      {
        code: 'custom',
        path: ['privateKey'],
        message: `is not a private key in PEM form (${(error as Error).message})`,
        input: undefined,
      },
    ]);
  }
  if (key.asymmetricKeyType !== 'rsa')
    throw new InvalidOptionsError('createVonageClient', [
      {
        code: 'custom',
        path: ['privateKey'],
        message: `must be an RSA key (RS256), not ${key.asymmetricKeyType ?? 'a secret'}`,
        input: undefined,
      },
    ]);
  return key;
}

/** A JWT of `claims`, signed RS256 (RSASSA-PKCS1-v1_5 with SHA-256) with `key`. */
export function signVonageJwt(claims: VonageJwtClaims, key: KeyObject): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = sign('sha256', Buffer.from(`${HEADER}.${payload}`), key);
  return `${HEADER}.${payload}.${signature.toString('base64url')}`;
}

/**
 * The bearer tokens of one client: each lives `ttlS` seconds and is used until `renewS` seconds
 * before it expires, then a new one (new `jti`, new `iat`) is signed. Times are read through
 * `now` (ms since the epoch): the client gives the real time, which Vonage checks tokens
 * against, whatever clock it paces on; a test gives its own.
 */
export function createJwtSource(input: {
  applicationId: string;
  key: KeyObject;
  now: () => number;
  ttlS: number;
}): { token(): string } {
  const { applicationId, key, now: nowMs, ttlS } = input;
  const renewS = Math.min(60, Math.floor(ttlS / 2));
  let current: { token: string; exp: number } | undefined;
  return {
    token() {
      const now = Math.floor(nowMs() / 1000);
      if (current === undefined || now >= current.exp - renewS) {
        const claims = {
          application_id: applicationId,
          iat: now,
          exp: now + ttlS,
          jti: randomUUID(),
        };
        current = { token: signVonageJwt(claims, key), exp: claims.exp };
      }
      return current.token;
    },
  };
}
