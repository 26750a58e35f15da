import { Buffer } from 'node:buffer';
import { KeyObject, sign } from 'node:crypto';
import { strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { parseOptions } from './_options.js';
import { importSigningKey } from './_telnyx-keys.js';

/** Options of {@link signTelnyxWebhook}. */
export interface SignTelnyxWebhookOptions {
  /**
   * The Ed25519 private key: base64 of its PKCS#8 DER (what `telnyxSigningKey` takes), or a
   * `KeyObject`.
   */
  privateKey: string | KeyObject;
  /** The webhook's JSON body, exactly as it will be sent. */
  rawBody: string;
  /**
   * When it is signed, in whole seconds since 1970 (`telnyx-timestamp`); receivers refuse one
   * more than 300 s away from their clock.
   * @default now
   */
  timestamp?: number;
}

/**
 * The headers of a signed Telnyx webhook (a type, not an interface, so it fits where a headers
 * record is asked for: `fetch`, `verifyTelnyxSignature`).
 */
export type TelnyxWebhookHeaders = {
  'content-type': 'application/json';
  /** The signing time, whole seconds since 1970. */
  'telnyx-timestamp': string;
  /** The base64 Ed25519 signature of `` `${timestamp}|${rawBody}` ``. */
  'telnyx-signature-ed25519': string;
};

const optionsSchema = strictObject({
  privateKey: z.union([
    z.custom<KeyObject>(
      (value) =>
        value instanceof KeyObject &&
        value.type === 'private' &&
        value.asymmetricKeyType === 'ed25519',
      'privateKey must be an Ed25519 private key',
    ),
    z
      .string()
      .refine(
        (value) => importSigningKey(value) !== undefined,
        'privateKey must be an Ed25519 private key in base64 PKCS#8 DER',
      ),
  ]),
  rawBody: z.string({ error: 'rawBody must be a string' }),
  timestamp: z.int().min(0, 'timestamp must be whole seconds since 1970').optional(),
});

/**
 * Signs a webhook as Telnyx does: an Ed25519 signature of `` `${timestamp}|${rawBody}` ``, sent
 * in `telnyx-signature-ed25519` beside `telnyx-timestamp`. The simulator signs its webhooks with
 * it; a test can sign webhooks of its own with the same key and post them to the code under test,
 * which verifies them with the simulator's `publicKey`.
 *
 * @example
 * const headers = signTelnyxWebhook({ privateKey, rawBody: JSON.stringify(event) });
 * await fetch('http://127.0.0.1:3000/webhooks/telnyx', { method: 'POST', headers, body: … });
 */
export function signTelnyxWebhook(options: SignTelnyxWebhookOptions): TelnyxWebhookHeaders {
  const parsed = parseOptions(optionsSchema, options, 'signTelnyxWebhook');
  const key =
    typeof parsed.privateKey === 'string'
      ? (importSigningKey(parsed.privateKey) as KeyObject)
      : parsed.privateKey;
  const timestamp = String(parsed.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = sign(null, Buffer.from(`${timestamp}|${parsed.rawBody}`, 'utf8'), key);
  return {
    'content-type': 'application/json',
    'telnyx-timestamp': timestamp,
    'telnyx-signature-ed25519': signature.toString('base64'),
  };
}
