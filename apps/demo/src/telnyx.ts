import { createTelnyxClient, type TelnyxProvider } from '@ringkit/call-client/telnyx';
import type { Config } from './config.js';
import { inboundPolicy } from './inbound.js';

/** Where Telnyx posts the calls' webhooks: `PUBLIC_URL` + this path, each dial's `webhook_url`. */
export const TELNYX_WEBHOOK_PATH = '/webhooks/telnyx';

/** The Telnyx variables of a `CALL_PROVIDER=telnyx` configuration, which `loadConfig` checked. */
export function telnyxSettings(config: Config) {
  const { TELNYX_API_KEY, TELNYX_CONNECTION_ID, TELNYX_PUBLIC_KEY, PUBLIC_URL } = config;
  if (
    config.CALL_PROVIDER !== 'telnyx' ||
    !TELNYX_API_KEY ||
    !TELNYX_CONNECTION_ID ||
    !TELNYX_PUBLIC_KEY ||
    !PUBLIC_URL
  ) {
    throw new Error(
      'CALL_PROVIDER=telnyx needs TELNYX_API_KEY, TELNYX_CONNECTION_ID, TELNYX_PUBLIC_KEY and PUBLIC_URL',
    );
  }
  return {
    apiKey: TELNYX_API_KEY,
    connectionId: TELNYX_CONNECTION_ID,
    publicKey: TELNYX_PUBLIC_KEY,
    publicUrl: PUBLIC_URL,
  };
}

/**
 * The one Telnyx client of the app: the scheduler, the dialer and the campaigns all place calls
 * through it, so one pacer keeps the account's `CALLS_PER_SECOND`. `from` is `CALLER_ID`, and
 * Telnyx sends every event of each call to `$PUBLIC_URL/webhooks/telnyx`, where the same client
 * speaks the call's `say` once it is answered, and answers calls to `CALLER_ID` by the INBOUND_*
 * variables ({@link inboundPolicy}).
 */
export function createTelnyxProvider(config: Config): TelnyxProvider {
  const { apiKey, connectionId, publicUrl } = telnyxSettings(config);
  return createTelnyxClient({
    apiKey,
    connectionId,
    from: config.CALLER_ID,
    webhookUrl: `${publicUrl}${TELNYX_WEBHOOK_PATH}`,
    baseUrl: config.TELNYX_API_URL,
    inbound: inboundPolicy(config),
    ...(config.CALLS_PER_SECOND === undefined ? {} : { callsPerSecond: config.CALLS_PER_SECOND }),
  });
}
