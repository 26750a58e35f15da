/**
 * The providers the demo can place calls through, as its configuration names them: what each
 * honours, what each needs, and the defaults of the inbound side.
 */
import { CALL_OPTION_NAMES, type CallOptionName } from '@ringkit/call-client';
import { TELNYX_CALL_OPTIONS } from '@ringkit/call-client/telnyx';
import { z } from 'zod';

/** Which telephony API places the calls. */
export const CALL_PROVIDERS = ['mock', 'twilio', 'telnyx'] as const;
export type CallProviderName = (typeof CALL_PROVIDERS)[number];

/**
 * The call options each provider honours: its clients' `capabilities.options` (a test holds them
 * to it), so a variable that needs one is checked against this, not against a list of names.
 */
export const CALL_PROVIDER_OPTIONS: Readonly<Record<CallProviderName, readonly CallOptionName[]>> =
  { mock: [], twilio: CALL_OPTION_NAMES, telnyx: TELNYX_CALL_OPTIONS };

/** What a caller hears before leaving a voicemail, unless `INBOUND_MESSAGE` says. */
export const DEFAULT_INBOUND_MESSAGE =
  'Thank you for calling. Please leave a message after the tone.';

/** `INBOUND_REJECT`: `busy` (the caller hears a busy tone) or `rejected` (refused outright). */
export const INBOUND_REJECT_REASONS = ['busy', 'rejected'] as const;

/** `CALLER_ID` unless given: a fictional 555-01xx number. */
export const DEFAULT_CALLER_ID = '+14155550100';

/** What each real provider is called, its variables that `CALL_PROVIDER=<it>` needs, and why. */
export const REAL_PROVIDERS = {
  twilio: {
    label: 'Twilio',
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
} as const;

/** Strict, padded base64 of 32 bytes, as the Telnyx portal shows its public key. */
export const telnyxPublicKey = z
  .string()
  .refine(
    (value) =>
      /^[A-Za-z0-9+/]{43}=$/.test(value) &&
      Buffer.from(value, 'base64').toString('base64') === value,
    'must be the Ed25519 public key Telnyx shows: 32 bytes in base64 (44 characters ending in =)',
  );
