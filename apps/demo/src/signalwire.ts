import { createSignalWireClient, type TwilioProvider } from '@ringkit/call-client/signalwire';
import type { Config } from './config.js';

/**
 * Where SignalWire posts status callbacks: the URL it signs is exactly `PUBLIC_URL` + this path.
 */
export const SIGNALWIRE_WEBHOOK_PATH = '/webhooks/signalwire';

/**
 * SignalWire's voice webhook for calls to the app's number (the number's "When a call comes in"
 * LaML URL): `PUBLIC_URL` + this path. The LaML answered there reports back to the same URL
 * (`?step=dial`, `?step=voicemail`), so one route takes the call and each of its steps.
 */
export const SIGNALWIRE_VOICE_PATH = '/webhooks/signalwire/voice';

/**
 * The SignalWire variables of a configuration with `CALL_PROVIDER=signalwire`, which
 * `loadConfig` checked.
 */
export function signalWireSettings(config: Config) {
  const { SIGNALWIRE_SPACE_URL, SIGNALWIRE_PROJECT_ID, SIGNALWIRE_API_TOKEN } = config;
  const { SIGNALWIRE_SIGNING_KEY, PUBLIC_URL } = config;
  if (
    config.CALL_PROVIDER !== 'signalwire' ||
    !SIGNALWIRE_SPACE_URL ||
    !SIGNALWIRE_PROJECT_ID ||
    !SIGNALWIRE_API_TOKEN ||
    !SIGNALWIRE_SIGNING_KEY ||
    !PUBLIC_URL
  ) {
    throw new Error(
      'CALL_PROVIDER=signalwire needs SIGNALWIRE_SPACE_URL, SIGNALWIRE_PROJECT_ID, SIGNALWIRE_API_TOKEN, SIGNALWIRE_SIGNING_KEY and PUBLIC_URL',
    );
  }
  return {
    spaceUrl: SIGNALWIRE_SPACE_URL,
    projectId: SIGNALWIRE_PROJECT_ID,
    apiToken: SIGNALWIRE_API_TOKEN,
    signingKey: SIGNALWIRE_SIGNING_KEY,
    publicUrl: PUBLIC_URL,
  };
}

/**
 * The one SignalWire client of the app: the scheduler and the campaigns both place calls through
 * it, so one pacer keeps the project's `CALLS_PER_SECOND`. `from` is `CALLER_ID`, and SignalWire
 * reports every stage of each call to `$PUBLIC_URL/webhooks/signalwire`.
 */
export function createSignalWireProvider(config: Config): TwilioProvider {
  const { spaceUrl, projectId, apiToken, publicUrl } = signalWireSettings(config);
  return createSignalWireClient({
    spaceUrl,
    projectId,
    apiToken,
    from: config.CALLER_ID,
    statusCallbackUrl: `${publicUrl}${SIGNALWIRE_WEBHOOK_PATH}`,
    ...(config.CALLS_PER_SECOND === undefined ? {} : { callsPerSecond: config.CALLS_PER_SECOND }),
  });
}
