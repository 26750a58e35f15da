/** What the Vonage webhook tests share: JWTs signed as Vonage signs its webhooks, and events. */
import { createHash, createHmac, randomUUID } from 'node:crypto';

/** A signature secret standing in for an account's. */
export const SIGNATURE_SECRET = 'wxYZ0123456789abcdefGHIJklmnOPQR';

/** base64url of a text's UTF-8 bytes, no padding, as JWTs are written. */
export const base64url = (text: string | Buffer) => Buffer.from(text).toString('base64url');

/** The SHA-256 of a body in lower-case hex: a webhook's `payload_hash`. */
export const sha256Hex = (body: string | Uint8Array) =>
  createHash('sha256').update(body).digest('hex');

/** The HMAC (`HS256`, `HS384` or `HS512`) of `input` with `secret`, base64url. */
export function hmac(input: string, secret: string, alg = 'HS256'): string {
  const bits = alg === 'HS384' ? 'sha384' : alg === 'HS512' ? 'sha512' : 'sha256';
  return createHmac(bits, Buffer.from(secret, 'utf8')).update(input).digest('base64url');
}

/**
 * A JWT of the given header and claims texts (written verbatim, so a test can spoil them),
 * signed with `secret` by the header's algorithm (HS256 unless it says HS384 or HS512).
 */
export function signJwt(headerText: string, claimsText: string, secret: string, alg = 'HS256') {
  const input = `${base64url(headerText)}.${base64url(claimsText)}`;
  return `${input}.${hmac(input, secret, alg)}`;
}

/** The claims Vonage puts in a webhook's JWT, signed at `iatS` (seconds) over `rawBody`. */
export function vonageClaims(rawBody: string | Uint8Array, iatS: number) {
  return {
    iat: iatS,
    jti: randomUUID(),
    iss: 'Vonage',
    payload_hash: sha256Hex(rawBody),
    api_key: 'abcd1234',
    application_id: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
  };
}

/** A webhook's JWT as Vonage signs it: HS256 with `secret`, over `rawBody`, signed at `iatS`. */
export function vonageToken(
  rawBody: string | Uint8Array,
  iatS: number,
  secret = SIGNATURE_SECRET,
): string {
  return signJwt(
    JSON.stringify({ alg: 'HS256', typ: 'JWT' }),
    JSON.stringify(vonageClaims(rawBody, iatS)),
    secret,
  );
}

/** An event webhook's body as Vonage sends it: a leg's `status`, and `extra` fields. */
export function vonageEvent(status: string, extra: Record<string, unknown> = {}) {
  return {
    from: '447700900000',
    to: '447700900001',
    uuid: '63f61863-4a51-4f6b-86e1-46edebcf9356',
    conversation_uuid: 'CON-f972836a-550f-45fa-956c-12a2ab5b7d22',
    status,
    direction: 'outbound',
    timestamp: '2026-04-17T09:30:12.345Z',
    ...extra,
  };
}

/** The app's Vonage number and a caller, as Vonage writes numbers (E.164 without `+`). */
export const VONAGE_APP_NUMBER = '442079460000';
export const VONAGE_CALLER = '447911123456';

/** The answer webhook's fields for a call to the app's number, as Vonage sends them. */
export function vonageAnswer(extra: Record<string, string> = {}): Record<string, string> {
  return {
    to: VONAGE_APP_NUMBER,
    from: VONAGE_CALLER,
    endpoint_type: 'phone',
    conversation_uuid: 'CON-aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
    uuid: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
    region_url: 'https://api-eu-3.vonage.com',
    ...extra,
  };
}

/** A `record` action's event as Vonage sends it: where the recording is, and when it ran. */
export function vonageRecording(extra: Record<string, unknown> = {}) {
  return {
    start_time: '2026-04-17T09:30:20Z',
    recording_url: 'https://api.nexmo.com/v1/files/bbbbbbbb-aaaa-cccc-dddd-0123456789ab',
    size: 12222,
    recording_uuid: 'bbbbbbbb-aaaa-cccc-dddd-0123456789ab',
    end_time: '2026-04-17T09:30:34Z',
    conversation_uuid: 'CON-aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
    timestamp: '2026-04-17T09:30:35.002Z',
    ...extra,
  };
}
