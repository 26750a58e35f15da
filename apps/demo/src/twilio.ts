import { createTwilioClient, type TwilioProvider } from '@ringkit/call-client/twilio';
import type { Config } from './config.js';

/** Where Twilio posts status callbacks: the URL it signs is exactly `PUBLIC_URL` + this path. */
export const TWILIO_WEBHOOK_PATH = '/webhooks/twilio';

/**
 * Twilio's voice webhook for calls to the app's number (the number's "A call comes in" URL):
 * `PUBLIC_URL` + this path. The TwiML answered there reports back to the same URL (`?step=dial`,
 * `?step=voicemail`), so one route takes the call and each of its steps.
 */
export const TWILIO_VOICE_PATH = '/webhooks/twilio/voice';

/** The Twilio variables of a configuration with `CALL_PROVIDER=twilio`, which `loadConfig` checked. */
export function twilioSettings(config: Config) {
  const { TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, PUBLIC_URL } = config;
  if (
    config.CALL_PROVIDER !== 'twilio' ||
    !TWILIO_ACCOUNT_SID ||
    !TWILIO_AUTH_TOKEN ||
    !PUBLIC_URL
  ) {
    throw new Error(
      'CALL_PROVIDER=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and PUBLIC_URL',
    );
  }
  return { accountSid: TWILIO_ACCOUNT_SID, authToken: TWILIO_AUTH_TOKEN, publicUrl: PUBLIC_URL };
}

/**
 * The one Twilio client of the app: the scheduler and the dialer both place calls through it, so
 * one pacer keeps the account's `CALLS_PER_SECOND`. Calls are placed with the API key when one is
 * given, else with the auth token; `from` is `CALLER_ID`, and Twilio reports every stage of each
 * call to `$PUBLIC_URL/webhooks/twilio`.
 */
export function createTwilioProvider(config: Config): TwilioProvider {
  const { accountSid, authToken, publicUrl } = twilioSettings(config);
  const { TWILIO_API_KEY: apiKey, TWILIO_API_SECRET: apiSecret } = config;
  return createTwilioClient({
    accountSid,
    ...(apiKey && apiSecret ? { apiKey, apiSecret } : { authToken }),
    from: config.CALLER_ID,
    statusCallbackUrl: `${publicUrl}${TWILIO_WEBHOOK_PATH}`,
    baseUrl: config.TWILIO_API_URL,
    ...(config.CALLS_PER_SECOND === undefined ? {} : { callsPerSecond: config.CALLS_PER_SECOND }),
  });
}
