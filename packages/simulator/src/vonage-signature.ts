import { randomUUID } from 'node:crypto';
import { strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { parseOptions } from './_options.js';
import { payloadHash, signHs256 } from './_vonage-jwt.js';
import { VONAGE_TEST_CREDENTIALS } from './vonage-credentials.js';

/** Options of {@link signVonageWebhook}. */
export interface SignVonageWebhookOptions {
  /** The account's signature secret (the simulator's is `VONAGE_TEST_CREDENTIALS.signatureSecret`). */
  signatureSecret: string;
  /** The webhook's JSON body, exactly as it will be sent: `payload_hash` is its SHA-256. */
  rawBody: string;
  /**
   * The `api_key` claim.
   * @default VONAGE_TEST_CREDENTIALS.apiKey
   */
  apiKey?: string;
  /**
   * The `application_id` claim.
   * @default VONAGE_TEST_CREDENTIALS.applicationId
   */
  applicationId?: string;
  /**
   * When it is signed, in whole seconds since 1970 (the `iat` claim).
   * @default now
   */
  issuedAt?: number;
  /**
   * The token's id (the `jti` claim).
   * @default a new UUID
   */
  jti?: string;
}

/**
 * The headers of a signed Vonage webhook (a type, not an interface, so it fits where a headers
 * record is asked for).
 */
export type VonageWebhookHeaders = {
  'content-type': 'application/json';
  /** `Bearer <JWT>`, signed HS256 with the signature secret. */
  authorization: string;
};

const optionsSchema = strictObject({
  signatureSecret: z.string().min(1, 'signatureSecret must not be empty'),
  rawBody: z.string({ error: 'rawBody must be a string' }),
  apiKey: z.string().min(1, 'apiKey must not be empty').optional(),
  applicationId: z.string().min(1, 'applicationId must not be empty').optional(),
  issuedAt: z.int().min(0, 'issuedAt must be whole seconds since 1970').optional(),
  jti: z.string().min(1, 'jti must not be empty').optional(),
});

/**
 * Signs a webhook as Vonage signs its signed webhooks: `Authorization: Bearer <JWT>`, HS256 with
 * the signature secret, whose claims are `iat`, `jti`, `iss` (`Vonage`), `api_key`,
 * `application_id` and `payload_hash`, the SHA-256 of the body in hex. The simulator signs its
 * events with it; a test can sign events of its own and post them to the code under test. The
 * official `@vonage/jwt` `verifySignature(token, signatureSecret)` accepts them; it does not look
 * at `payload_hash`, which the receiver compares with the body's hash itself.
 *
 * @example
 * const headers = signVonageWebhook({ signatureSecret, rawBody: JSON.stringify(event) });
 * await fetch('http://127.0.0.1:3000/webhooks/vonage/event', { method: 'POST', headers, body: … });
 */
export function signVonageWebhook(options: SignVonageWebhookOptions): VonageWebhookHeaders {
  const parsed = parseOptions(optionsSchema, options, 'signVonageWebhook');
  const claims = {
    iat: parsed.issuedAt ?? Math.floor(Date.now() / 1000),
    jti: parsed.jti ?? randomUUID(),
    iss: 'Vonage',
    api_key: parsed.apiKey ?? VONAGE_TEST_CREDENTIALS.apiKey,
    application_id: parsed.applicationId ?? VONAGE_TEST_CREDENTIALS.applicationId,
    payload_hash: payloadHash(parsed.rawBody),
  };
  return {
    'content-type': 'application/json',
    authorization: `Bearer ${signHs256(claims, parsed.signatureSecret)}`,
  };
}
