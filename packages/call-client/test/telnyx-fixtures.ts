/** What the Telnyx tests share: a signing key as Telnyx holds it, its signatures, event envelopes. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { http, HttpResponse, type HttpHandler } from 'msw';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign as ed25519Sign,
  type KeyObject,
} from 'node:crypto';

/** The headers Telnyx signs a webhook with (a type, not an interface: it fits a headers record). */
export type TelnyxSignedHeaders = {
  'telnyx-signature-ed25519': string;
  'telnyx-timestamp': string;
};

/** An Ed25519 key pair standing in for Telnyx's: its public key and what it signs. */
export interface TelnyxSigner {
  /** The raw 32-byte public key in base64, as the Telnyx portal shows it. */
  publicKeyBase64: string;
  /**
   * The headers of `rawBody` signed at `timestamp` (seconds, or the header's exact text): an
   * Ed25519 signature over `` `${timestamp}|${rawBody}` ``, as Telnyx signs.
   */
  sign(rawBody: string | Uint8Array, timestamp?: number | string): TelnyxSignedHeaders;
}

/** The PKCS #8 DER of an Ed25519 private key, up to its 32-byte seed (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * A key pair of its own: a fresh one, for a second key (a signature the verifier must refuse), or
 * the one a 32-byte `seed` gives, for a test that must replay the same signatures every run.
 */
export function createTelnyxSigner(seed?: Uint8Array): TelnyxSigner {
  const { publicKey, privateKey } =
    seed === undefined
      ? generateKeyPairSync('ed25519')
      : keyPairOf(
          createPrivateKey({
            key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
            format: 'der',
            type: 'pkcs8',
          }),
        );
  const x = publicKey.export({ format: 'jwk' }).x!;
  return {
    publicKeyBase64: Buffer.from(x, 'base64url').toString('base64'),
    sign(rawBody, timestamp = Math.floor(Date.now() / 1000)) {
      const stamp = String(timestamp);
      const signed = Buffer.concat([Buffer.from(`${stamp}|`, 'utf8'), Buffer.from(rawBody)]);
      return {
        'telnyx-signature-ed25519': ed25519Sign(null, signed, privateKey).toString('base64'),
        'telnyx-timestamp': stamp,
      };
    },
  };
}

function keyPairOf(privateKey: KeyObject) {
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

const signer = createTelnyxSigner();

/** The public key the tests' "Telnyx" signs with (raw 32 bytes, base64). */
export const publicKeyBase64 = signer.publicKeyBase64;

/**
 * The headers of `rawBody` signed with {@link publicKeyBase64}'s key at `timestamp` (seconds, or
 * the header's exact text; now by default).
 */
export const sign = signer.sign;

/** Where the envelope says it was delivered. */
export const DELIVERED_TO = 'https://app.example/webhooks/telnyx';

/** A Telnyx Call Control webhook body, parsed. */
export interface TelnyxEventBody {
  data: {
    record_type: 'event';
    event_type: string;
    id: string;
    occurred_at?: string;
    payload: Record<string, unknown>;
  };
  meta: { attempt: number; delivered_to: string };
}

/**
 * The envelope Telnyx posts an event in. `occurredAt` defaults to now; `null` leaves
 * `occurred_at` out. `id` defaults to a fresh UUID.
 */
export function event(
  type: string,
  payload: Record<string, unknown>,
  options: { occurredAt?: Date | string | null; id?: string } = {},
): TelnyxEventBody {
  const { occurredAt = new Date(), id = randomUUID() } = options;
  return {
    data: {
      record_type: 'event',
      event_type: type,
      id,
      ...(occurredAt === null
        ? {}
        : {
            occurred_at: typeof occurredAt === 'string' ? occurredAt : occurredAt.toISOString(),
          }),
      payload,
    },
    meta: { attempt: 1, delivered_to: DELIVERED_TO },
  };
}

/** The keys of one request type of the official `telnyx` package, and which of them it requires. */
export interface OfficialParams {
  keys: ReadonlySet<string>;
  required: ReadonlySet<string>;
}

/**
 * The keys of `export interface <name>` in the official `telnyx` package's declaration `file`
 * (relative to the package's root, e.g. `resources/calls/actions.d.ts`), read from the text;
 * throws when the interface is not there, so a renamed type fails the test that asks for it.
 */
export function officialParams(file: string, name: string): OfficialParams {
  const require = createRequire(import.meta.url);
  // The package's `exports` hide its declarations; its main entry sits at its root.
  const source = readFileSync(join(dirname(require.resolve('telnyx')), file), 'utf8');
  const block = new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`).exec(source)?.[1];
  if (block === undefined) throw new Error(`telnyx declares no ${name} in ${file}`);
  const keys = new Set<string>();
  const required = new Set<string>();
  for (const [, key, optional] of block.matchAll(/^ {4}([a-z_]+)(\??):/gm)) {
    keys.add(key!);
    if (optional === '') required.add(key!);
  }
  return { keys, required };
}

/** One Call Control command the tests' "Telnyx" received. */
export interface SentCommand {
  method: string;
  /** The `call_control_id` it was sent to. */
  callId: string;
  /** The action, e.g. `answer`, `client_state_update`. */
  action: string;
  body: Record<string, unknown>;
}

/**
 * Telnyx's Call Control as the inbound tests play it: an MSW `handler` for every request to
 * `base` that keeps each command (`sent`) and answers it as accepted, and keeps the
 * `client_state` each command sets for its leg (`target_leg_client_state` for `forwardLeg`, the
 * leg a transfer dials), which `webhook()` hands back on the leg's later events, as Telnyx does.
 * A request that is no command is kept too, and answered `404`.
 */
export function createTelnyxCommandRecorder(base: string, forwardLeg: string) {
  const sent: SentCommand[] = [];
  const others: string[] = [];
  const states = new Map<string, string>();
  const handler: HttpHandler = http.all(`${base}/*`, async ({ request }) => {
    const path = new URL(request.url).pathname;
    const match = /^\/v2\/calls\/([^/]+)\/actions\/([a-z_]+)$/.exec(path);
    if (match === null) {
      others.push(`${request.method} ${path}`);
      return HttpResponse.json(
        { errors: [{ code: '10005', title: 'Not found' }] },
        { status: 404 },
      );
    }
    const callId = decodeURIComponent(match[1]!);
    const body = (await request.json()) as Record<string, unknown>;
    sent.push({ method: request.method, callId, action: match[2]!, body });
    if (typeof body.client_state === 'string') states.set(callId, body.client_state);
    if (typeof body.target_leg_client_state === 'string')
      states.set(forwardLeg, body.target_leg_client_state);
    return HttpResponse.json({ data: { result: 'ok' } });
  });

  /**
   * An event of `type` on the leg `callId`, at `at`, with `payload` added, carrying the leg's
   * `client_state` as the commands left it; `omitCallId` leaves `call_control_id` out, as the
   * official `CallRecordingSaved` type does.
   */
  function webhook(
    type: string,
    callId: string,
    payload: Record<string, unknown>,
    at: Date,
    { omitCallId = false }: { omitCallId?: boolean } = {},
  ): TelnyxEventBody {
    const state = states.get(callId);
    return event(
      type,
      {
        ...(omitCallId ? {} : { call_control_id: callId }),
        call_leg_id: `leg-${callId}`,
        call_session_id: 'session-1',
        connection_id: 'conn-1',
        ...(state === undefined ? {} : { client_state: state }),
        ...payload,
      },
      { occurredAt: at, id: randomUUID() },
    );
  }

  return { handler, sent, others, states, webhook };
}
