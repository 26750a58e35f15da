/** What the Twilio client's MSW tests share: the API's addresses, a client's options, a call. */
import type { TwilioClientOptions } from '../src/twilio/index.js';

/** A made-up account: the tests' Twilio is MSW handlers, which check nothing of it. */
export const accountSid = 'AC0123456789abcdef0123456789abcdef';
export const authToken = 'f00dfacef00dfacef00dfacef00dface';
/** Where the tests' Twilio lives (MSW answers there). */
export const BASE = 'https://api.twilio.test';
/** The Calls list: the create POST and the look-ups. */
export const CALLS = `${BASE}/2010-04-01/Accounts/${accountSid}/Calls.json`;
/** The one call SID the tests' answers carry. */
export const SID = 'CA0123456789abcdef0123456789abcdef';
/** The call resource of {@link SID}. */
export const CALL = `${BASE}/2010-04-01/Accounts/${accountSid}/Calls/${SID}.json`;

/** A client's options: quick retries, no reconciliation unless a test asks for it. */
export const options = (extra: Partial<TwilioClientOptions> = {}): TwilioClientOptions => ({
  accountSid,
  authToken,
  from: '+15005550006',
  baseUrl: BASE,
  retry: { limit: 3, baseDelayMs: 1, maxDelayMs: 5 },
  reconcile: false,
  ...extra,
});

/** A call as Twilio answers it, in `status`, with `extra` fields. */
export const callBody = (status = 'queued', extra: Record<string, unknown> = {}) => ({
  sid: SID,
  account_sid: accountSid,
  status,
  to: '+14155552671',
  from: '+15005550006',
  date_created: new Date().toUTCString(),
  ...extra,
});
