/**
 * The providers the demo can place calls through, as its configuration names them: what each
 * honours, what each needs, and the defaults of the inbound side.
 */
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { CALL_OPTION_NAMES, type CallOptionName } from '@ringkit/call-client';
import { TELNYX_CALL_OPTIONS } from '@ringkit/call-client/telnyx';
import { VONAGE_CALL_OPTIONS } from '@ringkit/call-client/vonage';
import { z } from 'zod';

/** Which telephony API places the calls. */
export const CALL_PROVIDERS = ['mock', 'twilio', 'telnyx', 'signalwire', 'vonage'] as const;
export type CallProviderName = (typeof CALL_PROVIDERS)[number];

/**
 * The call options each provider honours: its clients' `capabilities.options` (a test holds them
 * to it), so a variable that needs one is checked against this, not against a list of names.
 */
export const CALL_PROVIDER_OPTIONS: Readonly<Record<CallProviderName, readonly CallOptionName[]>> =
  {
    mock: [],
    twilio: CALL_OPTION_NAMES,
    telnyx: TELNYX_CALL_OPTIONS,
    // SignalWire's client is Twilio's in SignalWire's flavour: every option Twilio's honours.
    signalwire: CALL_OPTION_NAMES,
    vonage: VONAGE_CALL_OPTIONS,
  };

/** What a caller hears before leaving a voicemail, unless `INBOUND_MESSAGE` says. */
export const DEFAULT_INBOUND_MESSAGE =
  'Thank you for calling. Please leave a message after the tone.';

/** `INBOUND_REJECT`: `busy` (the caller hears a busy tone) or `rejected` (refused outright). */
export const INBOUND_REJECT_REASONS = ['busy', 'rejected'] as const;

/** `CALLER_ID` unless given: a fictional 555-01xx number. */
export const DEFAULT_CALLER_ID = '+14155550100';

/**
 * What each real provider is called, its variables that `CALL_PROVIDER=<it>` needs and why, the
 * variables that say it is meant (`credentials`), the variable of its API's URL and the hosts of
 * the real API, and what it calls the webhooks it sends.
 */
export const REAL_PROVIDERS = {
  twilio: {
    label: 'Twilio',
    webhooks: 'status callbacks',
    required: {
      TWILIO_ACCOUNT_SID: 'the account the calls are placed on',
      // Twilio signs its callbacks with the account's auth token, never with an API key's
      // secret, so the token is needed to check them even when calls are placed with an API key.
      TWILIO_AUTH_TOKEN:
        'Twilio signs its status callbacks with the account auth token, also when calls are placed with an API key',
      PUBLIC_URL:
        'the public base URL Twilio sends status callbacks to ($PUBLIC_URL/webhooks/twilio)',
    },
    /** Set without `CALL_PROVIDER=twilio`, these get a warning. */
    credentials: ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_API_KEY'],
    apiUrl: 'TWILIO_API_URL',
    apiHost: /(^|\.)twilio\.com$/,
  },
  telnyx: {
    label: 'Telnyx',
    webhooks: 'webhooks',
    required: {
      TELNYX_API_KEY: 'the API key the calls are placed with (Mission Control › API Keys)',
      TELNYX_CONNECTION_ID:
        'the Call Control Application (connection id) the calls are dialled from',
      TELNYX_PUBLIC_KEY:
        "the public key that checks the Ed25519 signature of Telnyx's webhooks (Mission Control › Keys & Credentials)",
      CALLER_ID: 'a number of the Telnyx account, the from of every call',
      PUBLIC_URL: 'the public base URL Telnyx sends webhooks to ($PUBLIC_URL/webhooks/telnyx)',
    },
    credentials: ['TELNYX_API_KEY', 'TELNYX_CONNECTION_ID', 'TELNYX_PUBLIC_KEY'],
    apiUrl: 'TELNYX_API_URL',
    apiHost: /(^|\.)telnyx\.com$/,
  },
  signalwire: {
    label: 'SignalWire',
    webhooks: 'status callbacks',
    required: {
      SIGNALWIRE_SPACE_URL:
        "the project's space, where the calls are placed (example.signalwire.com)",
      SIGNALWIRE_PROJECT_ID: 'the project the calls are placed on (API › Project ID)',
      SIGNALWIRE_API_TOKEN: 'an API token of the project, which places the calls (API › Tokens)',
      SIGNALWIRE_SIGNING_KEY:
        "the project's signing key, which checks the signature of SignalWire's status callbacks and voice requests (API › Signing Key)",
      CALLER_ID: 'a number of the SignalWire project, the from of every call',
      PUBLIC_URL:
        'the public base URL SignalWire sends status callbacks to ($PUBLIC_URL/webhooks/signalwire)',
    },
    credentials: [
      'SIGNALWIRE_SPACE_URL',
      'SIGNALWIRE_PROJECT_ID',
      'SIGNALWIRE_API_TOKEN',
      'SIGNALWIRE_SIGNING_KEY',
    ],
    // The space is the API: its URL is required, and a real space is a signalwire.com host.
    apiUrl: 'SIGNALWIRE_SPACE_URL',
    apiHost: /(^|\.)signalwire\.com$/,
  },
  vonage: {
    label: 'Vonage',
    webhooks: 'events',
    required: {
      VONAGE_APPLICATION_ID: 'the Voice application the calls are placed by (Applications › ID)',
      VONAGE_PRIVATE_KEY:
        "the application's private key, which signs the requests that place the calls (its PEM, or the path of its private.key)",
      VONAGE_SIGNATURE_SECRET:
        "the account's signature secret, which checks the signed JWT of Vonage's webhooks (Settings › Signature secret)",
      CALLER_ID: 'a Vonage number linked to the application, the from of every call',
      PUBLIC_URL:
        "the public base URL Vonage sends the calls' events to ($PUBLIC_URL/webhooks/vonage)",
    },
    credentials: ['VONAGE_APPLICATION_ID', 'VONAGE_PRIVATE_KEY', 'VONAGE_SIGNATURE_SECRET'],
    apiUrl: 'VONAGE_API_URL',
    apiHost: /(^|\.)(nexmo|vonage)\.com$/,
  },
} as const;

/** `a, b or c`: names in a sentence. */
export function listed(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

/**
 * A secret of a provider's account, as its console shows it (Twilio's auth token and API
 * secrets, SignalWire's API token and signing key, Vonage's signature secret).
 */
export const accountSecret = z
  .string()
  .regex(/^[\x21-\x7e]{8,200}$/, 'must be 8 to 200 visible ASCII characters');

/** A UUID, as SignalWire names a project and Vonage an application. */
export const uuid = z
  .string()
  .regex(
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
    'must be a UUID (8-4-4-4-12 hexadecimal digits)',
  );

/**
 * A SignalWire space: its host (`example.signalwire.com`, as the dashboard shows it), or an
 * http(s) URL without a path (a simulator's, `http://localhost:5030`); read as its origin.
 */
export const signalWireSpaceUrl = z.string().transform((value, ctx) => {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`;
  const url = URL.parse(withScheme);
  const bare =
    url !== null &&
    /^https?:$/.test(url.protocol) &&
    url.hostname !== '' &&
    url.username === '' &&
    url.password === '' &&
    url.search === '' &&
    url.hash === '' &&
    /^\/*$/.test(url.pathname);
  if (!bare) {
    ctx.addIssue({
      code: 'custom',
      message: "must be the space's host (example.signalwire.com) or an http(s) URL without a path",
    });
    return z.NEVER;
  }
  return url.origin;
});

/**
 * A Vonage application's private key: its PEM text (line breaks may be written `\n`, as in an
 * env file), or the absolute path of the `private.key` file Vonage gave; read as the PEM text of
 * an RSA private key.
 */
export const vonagePrivateKey = z.string().transform((value, ctx) => {
  let pem = value.includes('-----BEGIN') ? value.replaceAll('\\n', '\n') : undefined;
  if (pem === undefined && isAbsolute(value) && existsSync(value)) {
    pem = readFileSync(value, 'utf8');
  }
  try {
    if (pem !== undefined && createPrivateKey(pem).asymmetricKeyType === 'rsa') return pem;
  } catch {
    // not a key: said below
  }
  ctx.addIssue({
    code: 'custom',
    message:
      "must be the Vonage application's RSA private key: its PEM text, or the absolute path of its private.key file",
  });
  return z.NEVER;
});

/** Strict, padded base64 of 32 bytes, as the Telnyx portal shows its public key. */
export const telnyxPublicKey = z
  .string()
  .refine(
    (value) =>
      /^[A-Za-z0-9+/]{43}=$/.test(value) &&
      Buffer.from(value, 'base64').toString('base64') === value,
    'must be the Ed25519 public key Telnyx shows: 32 bytes in base64 (44 characters ending in =)',
  );
