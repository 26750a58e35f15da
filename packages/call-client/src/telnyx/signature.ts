import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { systemClock, type Clock } from '@ringkit/internal';
import { z } from 'zod';
import { InvalidOptionsError } from '../errors/errors.js';

/** What {@link verifyTelnyxSignature} checks. */
export interface VerifyTelnyxSignatureInput {
  /**
   * The public key Telnyx signs webhooks with: 32 bytes in base64, as the portal shows it (Mission
   * Control, Account Settings › Keys & Credentials › Public Key).
   */
  publicKey: string;
  /** The body exactly as received: the string, or its bytes (read as UTF-8). */
  rawBody: string | Buffer | Uint8Array;
  /**
   * The request's headers, names in any letter case: `telnyx-signature-ed25519` and
   * `telnyx-timestamp` are read.
   */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /**
   * The clock the timestamp is checked against.
   * @default the system clock
   */
  clock?: Clock;
  /**
   * The most seconds a timestamp may lie from now, either way.
   * @default 300 (Telnyx's, as its official `TelnyxWebhook` checks)
   */
  toleranceS?: number;
}

/** Strict, padded base64, as the official verifier reads keys and signatures. */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** `value` decoded from strict padded base64; `undefined` for anything else. */
function strictBase64(value: string): Buffer | undefined {
  if (value.length === 0 || value.length % 4 !== 0 || !BASE64.test(value)) return undefined;
  return Buffer.from(value, 'base64');
}

const keys = new Map<string, KeyObject | null>();

/**
 * The Ed25519 key of a base64 public key (cached: a receiver checks every webhook with one key);
 * `null` for 32 bytes that are not a point of the curve.
 */
function publicKeyOf(publicKey: string): KeyObject | null {
  const cached = keys.get(publicKey);
  if (cached !== undefined) return cached;
  const raw = strictBase64(publicKey);
  if (raw === undefined || raw.length !== 32)
    throw new InvalidOptionsError('verifyTelnyxSignature', [
      {
        code: 'custom',
        input: undefined,
        path: ['publicKey'],
        message: 'must be a 32-byte Ed25519 public key in base64, as the Telnyx portal shows it',
      },
    ]);
  let key: KeyObject | null;
  try {
    key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
      format: 'jwk',
    });
  } catch {
    key = null;
  }
  if (keys.size >= 16) keys.delete(keys.keys().next().value as string);
  keys.set(publicKey, key);
  return key;
}

/** The first header named `name` in any letter case, as the official verifier finds it. */
function header(
  headers: VerifyTelnyxSignatureInput['headers'],
  name: string,
): string | readonly string[] | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

const optionsSchema = z.object({
  publicKey: z.string(),
  rawBody: z.union([z.string(), z.instanceof(Uint8Array)]),
  headers: z.record(z.string(), z.unknown()),
  toleranceS: z.number().min(0).max(86_400).optional(),
});

/**
 * `true` only for a webhook Telnyx signed: an Ed25519 signature (`telnyx-signature-ed25519`,
 * strict base64 of 64 bytes) over `` `${timestamp}|${body}` `` that verifies with `publicKey`, and
 * a `telnyx-timestamp` (decimal seconds) within `toleranceS` of the clock. It accepts and refuses
 * exactly what the official `telnyx` package's `TelnyxWebhook.verify` does (checked on a generated
 * corpus), synchronously and with `node:crypto`. Throws an `InvalidOptionsError` for a
 * `publicKey` that is not 32 bytes of strict base64 (a configuration mistake, not a bad webhook).
 *
 * @example
 * const genuine = verifyTelnyxSignature({
 *   publicKey: process.env.TELNYX_PUBLIC_KEY!,
 *   rawBody: req.body, // the raw bytes, e.g. from express.raw({ type: 'application/json' })
 *   headers: req.headers,
 * });
 */
export function verifyTelnyxSignature(input: VerifyTelnyxSignatureInput): boolean {
  const parsed = optionsSchema.safeParse(input);
  if (!parsed.success) throw new InvalidOptionsError('verifyTelnyxSignature', parsed.error.issues);
  const key = publicKeyOf(input.publicKey);
  const signature = header(input.headers, 'telnyx-signature-ed25519');
  const timestamp = header(input.headers, 'telnyx-timestamp');
  if (!signature || !timestamp) return false;
  // A list of values reads as its values joined by commas, as the official verifier reads it.
  const stamp = String(timestamp);
  if (!/^\d+$/.test(stamp)) return false;
  const seconds = Number(stamp);
  if (!Number.isSafeInteger(seconds)) return false;
  const now = Math.floor((input.clock ?? systemClock).now() / 1000);
  if (Math.abs(now - seconds) > (input.toleranceS ?? 300)) return false;
  if (typeof signature !== 'string') return false;
  const bytes = strictBase64(signature);
  if (bytes === undefined || bytes.length !== 64 || key === null) return false;
  const body =
    typeof input.rawBody === 'string'
      ? input.rawBody
      : Buffer.from(
          input.rawBody.buffer,
          input.rawBody.byteOffset,
          input.rawBody.byteLength,
        ).toString('utf8');
  try {
    return verify(null, Buffer.from(`${stamp}|${body}`, 'utf8'), key, bytes);
  } catch {
    return false;
  }
}
