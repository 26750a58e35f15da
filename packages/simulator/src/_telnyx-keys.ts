import { Buffer } from 'node:buffer';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';

/**
 * The Ed25519 private key in `base64` (PKCS#8 DER, as `telnyxSigningKey` takes it), or
 * `undefined` when it is not one.
 */
export function importSigningKey(base64: string): KeyObject | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return undefined;
  try {
    const key = createPrivateKey({
      key: Buffer.from(base64, 'base64'),
      format: 'der',
      type: 'pkcs8',
    });
    return key.asymmetricKeyType === 'ed25519' ? key : undefined;
  } catch {
    return undefined;
  }
}

/** A new Ed25519 private key. */
export function generateSigningKey(): KeyObject {
  return generateKeyPairSync('ed25519').privateKey;
}

/**
 * The raw 32-byte Ed25519 public key of `privateKey` in base64, padded, as Telnyx's portal shows
 * it and as the official `TelnyxWebhook` takes it.
 */
export function publicKeyOf(privateKey: KeyObject): string {
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' });
  return Buffer.from(String(x), 'base64url').toString('base64');
}
