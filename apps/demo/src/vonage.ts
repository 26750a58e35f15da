import { createVonageClient, type VonageProvider } from '@ringkit/call-client/vonage';
import type { Config } from './config.js';

/**
 * Where Vonage posts the calls' events: `PUBLIC_URL` + this path, each call's `event_url` (and
 * the application's event URL, where the events of calls to its numbers go).
 */
export const VONAGE_WEBHOOK_PATH = '/webhooks/vonage';

/**
 * The application's answer URL for calls to its numbers: `PUBLIC_URL` + this path, by `GET` or
 * `POST`. The NCCO answered there sends the events of its `record` and `connect` to the same URL,
 * so one route takes the call and each of its steps.
 */
export const VONAGE_ANSWER_PATH = '/webhooks/vonage/answer';

/** The Vonage variables of a configuration with `CALL_PROVIDER=vonage`, which `loadConfig` checked. */
export function vonageSettings(config: Config) {
  const { VONAGE_APPLICATION_ID, VONAGE_PRIVATE_KEY, VONAGE_SIGNATURE_SECRET, PUBLIC_URL } = config;
  if (
    config.CALL_PROVIDER !== 'vonage' ||
    !VONAGE_APPLICATION_ID ||
    !VONAGE_PRIVATE_KEY ||
    !VONAGE_SIGNATURE_SECRET ||
    !PUBLIC_URL
  ) {
    throw new Error(
      'CALL_PROVIDER=vonage needs VONAGE_APPLICATION_ID, VONAGE_PRIVATE_KEY, VONAGE_SIGNATURE_SECRET and PUBLIC_URL',
    );
  }
  return {
    applicationId: VONAGE_APPLICATION_ID,
    privateKey: VONAGE_PRIVATE_KEY,
    signatureSecret: VONAGE_SIGNATURE_SECRET,
    publicUrl: PUBLIC_URL,
  };
}

/**
 * The one Vonage client of the app: the scheduler and the campaigns both place calls through it,
 * so one pacer keeps the account's `CALLS_PER_SECOND`. `from` is `CALLER_ID`, each call's
 * message is its NCCO's `talk`, and Vonage sends every event of each call to
 * `$PUBLIC_URL/webhooks/vonage`.
 */
export function createVonageProvider(config: Config): VonageProvider {
  const { applicationId, privateKey, publicUrl } = vonageSettings(config);
  return createVonageClient({
    applicationId,
    privateKey,
    from: config.CALLER_ID,
    eventUrl: `${publicUrl}${VONAGE_WEBHOOK_PATH}`,
    baseUrl: config.VONAGE_API_URL,
    ...(config.CALLS_PER_SECOND === undefined ? {} : { callsPerSecond: config.CALLS_PER_SECOND }),
  });
}
