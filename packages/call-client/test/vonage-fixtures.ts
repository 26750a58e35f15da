/** What the Vonage client tests share: an application's RSA key pair, as Vonage issues one. */
import { generateKeyPairSync } from 'node:crypto';

/** A key pair in PEM: the private key a client signs its JWTs with, and its public half. */
export interface PemKeyPair {
  /** PKCS #8, `-----BEGIN PRIVATE KEY-----`, as a Vonage application's `private.key`. */
  privateKey: string;
  /** SPKI, `-----BEGIN PUBLIC KEY-----`, as Vonage keeps it to verify the tokens. */
  publicKey: string;
}

/** A fresh 2048-bit RSA key pair (RS256), e.g. a second application's, whose tokens must fail. */
export function createRsaKeyPair(): PemKeyPair {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
}

/** The key pair of the application the tests' clients speak for, made once per test file. */
export const APPLICATION_KEYS: PemKeyPair = createRsaKeyPair();
