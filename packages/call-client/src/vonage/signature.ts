import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { errorGuard } from '@ringkit/internal';
import { CallApiError, InvalidOptionsError } from '../errors/errors.js';

/** What {@link verifyVonageSignature} checks. */
export interface VerifyVonageSignatureInput {
  /**
   * The signature secret Vonage signs webhooks with (Dashboard › Settings › signature secret),
   * the HS256 key of their JWT.
   */
  signatureSecret: string;
  /**
   * The request's `Authorization` header, `Bearer <jwt>` (the scheme in any letter case). A list
   * of values (the header sent twice) is refused. Give this or `token`, not both.
   */
  authorization?: string | readonly string[] | undefined;
  /** The JWT alone, when it was taken out of the header already. Give this or `authorization`. */
  token?: string | undefined;
  /** The body exactly as received: the string, or its bytes. Its SHA-256 is the `payload_hash`. */
  rawBody: string | Buffer | Uint8Array;
  /**
   * The time the token's `iat`, `nbf` and `exp` are checked against.
   * @default new Date()
   */
  now?: Date;
  /**
   * The most seconds the token's `iat` (when Vonage signed it) may lie from `now`, either way.
   * Vonage signs each webhook as it sends it and documents no window of its own for the Voice
   * API; 300 s bounds how long a captured webhook can be replayed while allowing for clocks a
   * little apart (the same window as Telnyx's, and the five minutes after which Vonage's other
   * signed notifications expire).
   * @default 300
   */
  maxSkewS?: number;
}

/** The claims of a webhook's JWT that Vonage sets, and any others it adds. */
export interface VonageWebhookClaims {
  /** When Vonage signed the webhook, in seconds since the epoch. */
  iat: number;
  /** The SHA-256 of the body, in lower-case hex. */
  payload_hash: string;
  /** The token's own id. */
  jti?: string;
  /** `Vonage`. */
  iss?: string;
  /** The account's API key: whose signature secret signed it. */
  api_key?: string;
  /** The Vonage application the call belongs to. */
  application_id?: string;
  [claim: string]: unknown;
}

/** Why {@link verifyVonageSignature} refused a webhook. */
export type VonageSignatureFailure =
  /** No `Authorization: Bearer` token (an unsigned request), or the header sent twice. */
  | 'missing_token'
  /** Not a JWT: not three base64url parts, a header or claims that are not JSON objects. */
  | 'malformed'
  /** The header's `alg` is not `HS256` (`none`, `RS256`, `HS512`… are all refused). */
  | 'algorithm'
  /** The signature is not the HMAC-SHA256 of the token with the signature secret. */
  | 'signature'
  /** A `nbf` that is not a number or still in the future, or an `exp` that is not a number or past. */
  | 'not_current'
  /** No numeric `iat`, or one further than `maxSkewS` from now. */
  | 'stale'
  /** No `payload_hash`, or one that is not the SHA-256 (lower-case hex) of the body. */
  | 'payload_hash';

/** What {@link verifyVonageSignature} found. */
export type VonageSignatureResult =
  | { valid: true; claims: VonageWebhookClaims }
  | { valid: false; reason: VonageSignatureFailure; message: string };

/**
 * A webhook refused because its signature did not hold ({@link verifyVonageSignature}); the
 * webhook handlers report it to `onError` and answer `401`.
 */
export class VonageSignatureError extends CallApiError {
  override name = 'VonageSignatureError';
  /** Why the signature was refused. */
  readonly reason: VonageSignatureFailure;

  constructor(reason: VonageSignatureFailure, message: string) {
    super(message, 'invalid_signature');
    this.reason = reason;
  }
}

/** `true` for a {@link VonageSignatureError}, across realms and package copies. */
export const isVonageSignatureError: (error: unknown) => error is VonageSignatureError = errorGuard(
  VonageSignatureError,
  'CallApiError',
  'VonageSignatureError',
);

const inputSchema = z.object({
  signatureSecret: z.string().min(1, 'must be the account signature secret'),
  authorization: z.union([z.string(), z.array(z.string()).readonly()]).optional(),
  token: z.string().optional(),
  rawBody: z.union([z.string(), z.instanceof(Uint8Array)]),
  now: z.date().optional(),
  maxSkewS: z.number().min(0).max(86_400).optional(),
});

/** Three base64url parts, the first two not empty: what the official verifier accepts. */
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const BEARER = /^Bearer ([^\s]+)$/i;

const refuse = (reason: VonageSignatureFailure, message: string): VonageSignatureResult => ({
  valid: false,
  reason,
  message,
});

/**
 * Checks a Vonage Voice API webhook: Vonage sends `Authorization: Bearer <jwt>`, a JWT signed
 * with HMAC-SHA256 by the account's signature secret, whose claims carry `iat` (when it was
 * signed) and `payload_hash` (the SHA-256 of the body, hex). It is valid only when
 * - the token is three base64url parts whose header and claims are JSON objects;
 * - its `alg` is `HS256` (no other algorithm, and never `none`);
 * - its signature is the HMAC-SHA256 of `header.claims` with `signatureSecret` (compared in
 *   constant time);
 * - a `nbf` or `exp` it carries is a number, and `now` is at or after `nbf` and before `exp`;
 * - its `iat` is a number within `maxSkewS` of `now`, either way;
 * - its `payload_hash` is the SHA-256 of `rawBody` in lower-case hex (compared in constant time).
 *
 * The first four are exactly what the official `@vonage/jwt` package's `verifySignature`
 * accepts (checked on a generated corpus); it checks neither `iat` nor `payload_hash`, so a body
 * changed in transit or a token replayed days later pass it. Everything runs with `node:crypto`.
 * Returns a {@link VonageSignatureResult} (the claims, or why it was refused); throws an
 * `InvalidOptionsError` only for a configuration mistake (an empty `signatureSecret`, both
 * `authorization` and `token`, a `maxSkewS` out of 0–86,400).
 *
 * @example
 * const result = verifyVonageSignature({
 *   signatureSecret: process.env.VONAGE_SIGNATURE_SECRET!,
 *   authorization: req.headers.authorization,
 *   rawBody, // the raw bytes, e.g. from express.raw({ type: 'application/json' })
 * });
 * if (!result.valid) return res.status(401).json({ error: result.reason });
 */
export function verifyVonageSignature(input: VerifyVonageSignatureInput): VonageSignatureResult {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) throw new InvalidOptionsError('verifyVonageSignature', parsed.error.issues);
  if (input.authorization !== undefined && input.token !== undefined)
    throw new InvalidOptionsError('verifyVonageSignature', [
      {
        code: 'custom',
        input: undefined,
        path: ['token'],
        message: 'give either authorization (the header) or token (the JWT), not both',
      },
    ]);
  const token = input.token ?? bearerToken(input.authorization);
  if (token === undefined || token === '')
    return refuse('missing_token', 'The request carries no Authorization: Bearer token');
  return checkToken(token, input);
}

/** The token of one `Bearer <token>` header; `undefined` for none, a list, or another scheme. */
function bearerToken(header: VerifyVonageSignatureInput['authorization']): string | undefined {
  if (typeof header !== 'string') return undefined;
  return BEARER.exec(header)?.[1];
}

function checkToken(token: string, input: VerifyVonageSignatureInput): VonageSignatureResult {
  if (!JWT.test(token))
    return refuse('malformed', 'The token is not a JWT (three base64url parts)');
  const [head, body, signature] = token.split('.') as [string, string, string];
  // The header is read as the official verifier reads it: its bytes as Latin-1, then JSON.
  const header = jsonObject(Buffer.from(head, 'base64url').toString('latin1'));
  if (header === undefined) return refuse('malformed', "The token's header is not a JSON object");
  if (header['alg'] !== 'HS256')
    return refuse(
      'algorithm',
      `The token is signed with ${JSON.stringify(header['alg'])}, not HS256`,
    );
  if (signature === '') return refuse('signature', 'The token carries no signature');
  const expected = createHmac('sha256', Buffer.from(input.signatureSecret, 'utf8'))
    .update(`${head}.${body}`)
    .digest('base64url');
  if (!sameText(signature, expected))
    return refuse('signature', 'The token is not signed with the signature secret');
  const claims = jsonObject(Buffer.from(body, 'base64url').toString('utf8'));
  if (claims === undefined) return refuse('malformed', "The token's claims are not a JSON object");
  const nowMs = (input.now ?? new Date()).getTime();
  const nowS = Math.floor(nowMs / 1000);
  const { nbf, exp, iat } = claims;
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowS))
    return refuse('not_current', 'The token is not valid yet (nbf)');
  if (exp !== undefined && (typeof exp !== 'number' || nowS >= exp))
    return refuse('not_current', 'The token has expired (exp)');
  const maxSkewS = input.maxSkewS ?? 300;
  if (typeof iat !== 'number' || !(Math.abs(nowS - iat) <= maxSkewS))
    return refuse(
      'stale',
      typeof iat === 'number'
        ? `The token was signed ${Math.round(nowS - iat)} s from now, more than ${maxSkewS} s`
        : 'The token carries no numeric iat',
    );
  const hash = claims['payload_hash'];
  if (typeof hash !== 'string' || !sameText(hash, sha256Hex(input.rawBody)))
    return refuse('payload_hash', "The token's payload_hash is not the SHA-256 of the body");
  return { valid: true, claims: claims as VonageWebhookClaims };
}

/** `text` parsed as JSON when it is an object (not an array, not `null`); else `undefined`. */
function jsonObject(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The SHA-256 of a body, in lower-case hex. */
function sha256Hex(body: string | Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

/** Whether two strings are equal, compared in constant time for strings of the same length. */
function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
