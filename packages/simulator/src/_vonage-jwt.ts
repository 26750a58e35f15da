import { Buffer } from 'node:buffer';
import { createHash, createHmac, createPublicKey, verify, type KeyObject } from 'node:crypto';

/** How far a request's JWT may be issued ahead of the simulator's clock, in seconds. */
export const JWT_SKEW_S = 60;

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT of `claims`, signed HS256 with `secret` (what Vonage signs its webhooks with). */
export function signHs256(claims: Record<string, unknown>, secret: string): string {
  const head = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(claims)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

/** The SHA-256 of `body` in hex: a signed webhook's `payload_hash`. */
export const payloadHash = (body: string) =>
  createHash('sha256').update(body, 'utf8').digest('hex');

function decodePart(part: string): Record<string, unknown> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why a request's `authorization` is refused, or `undefined` when it is accepted: it must be
 * `Bearer <JWT>`, the JWT signed RS256 with the key whose public half is `publicKey`, its
 * `application_id` the application's, `iat` (seconds) no more than {@link JWT_SKEW_S} ahead of
 * `nowS`, and `exp`, when given, still ahead.
 */
export function refuseApplicationJwt(
  authorization: string | undefined,
  expected: { applicationId: string; publicKey: KeyObject },
  nowS: number,
): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) return 'the request has no Authorization: Bearer <JWT> header';
  const parts = match[1].split('.');
  const [head, body, signature] = parts;
  if (parts.length !== 3 || !head || !body || !signature) return 'the bearer token is not a JWT';
  const header = decodePart(head);
  const claims = decodePart(body);
  if (!header || !claims) return 'the bearer token is not a JWT';
  if (header.alg !== 'RS256') return `the JWT must be signed RS256, not ${String(header.alg)}`;
  let valid: boolean;
  try {
    valid = verify(
      'sha256',
      Buffer.from(`${head}.${body}`),
      expected.publicKey,
      Buffer.from(signature, 'base64url'),
    );
  } catch {
    valid = false;
  }
  if (!valid) return "the JWT's signature does not match the application's public key";
  if (claims.application_id !== expected.applicationId) {
    return `the JWT's application_id is not ${expected.applicationId}`;
  }
  if (typeof claims.iat !== 'number' || claims.iat > nowS + JWT_SKEW_S) {
    return "the JWT's iat is missing or in the future";
  }
  if (claims.exp !== undefined && (typeof claims.exp !== 'number' || claims.exp <= nowS)) {
    return 'the JWT has expired';
  }
  return undefined;
}

/** Whether `pem` is an RSA public key in PEM (what `vonage.publicKey` takes). */
export function isRsaPublicKey(pem: string): boolean {
  if (!/-----BEGIN (?:RSA )?PUBLIC KEY-----/.test(pem)) return false;
  try {
    return createPublicKey(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}
