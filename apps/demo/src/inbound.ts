import type { InboundPolicy } from '@ringkit/call-client';
import type { Config } from './config.js';

/**
 * How the app answers a call to its own number (`CALLER_ID`), the same for every real provider:
 * - `INBOUND_REJECT=busy|rejected`: the call is refused (a busy tone, or refused outright;
 *   Vonage has no busy tone: its calls are ended at once, either way);
 * - `INBOUND_FORWARD_TO`: it rings that number for `INBOUND_RING_S` seconds, and when nobody
 *   there picks up the caller hears `INBOUND_MESSAGE` and may leave a voicemail;
 * - else the caller hears `INBOUND_MESSAGE` and may leave a voicemail.
 * `loadConfig` already refused `INBOUND_REJECT` together with `INBOUND_FORWARD_TO`.
 */
export function inboundPolicy(config: Config): InboundPolicy {
  const message = config.INBOUND_MESSAGE;
  if (config.INBOUND_REJECT !== undefined) {
    return { action: 'reject', reason: config.INBOUND_REJECT };
  }
  if (config.INBOUND_FORWARD_TO !== undefined) {
    return {
      action: 'forward',
      to: config.INBOUND_FORWARD_TO,
      ringS: config.INBOUND_RING_S,
      message,
    };
  }
  return { action: 'voicemail', message };
}
