import type { InboundCallUpdate, InboundPolicy } from '@ringkit/call-client';
import { isTerminal } from '@ringkit/call-client';
import type { RecordCallInput } from '@ringkit/scheduler-core';
import type { Config } from './config.js';

/**
 * How the app answers a call to its own number (`CALLER_ID`), the same for Twilio and Telnyx:
 * - `INBOUND_REJECT=busy|rejected`: the call is refused (a busy tone, or refused outright);
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

/**
 * One webhook's news of a call to the app's number, as the scheduler's `recordCall` takes it:
 * keyed `${provider}:${callId}`, so every update of one call, repeated or out of order, merges
 * into one record (and one line of history).
 */
export function inboundRecordOf(update: InboundCallUpdate): RecordCallInput {
  const terminal = isTerminal(update.status);
  return {
    id: `${update.provider}:${update.callId}`,
    from: update.from,
    to: update.to,
    direction: 'inbound',
    status: update.status,
    startedAt: update.at,
    answeredAt: update.answeredAt ?? null,
    endedAt: terminal ? update.at : null,
    durationS: update.durationS ?? null,
    recordingUrl: update.recordingUrl ?? null,
    recordingDurationS: update.recordingDurationS ?? null,
    answeredBy: update.answeredBy ?? null,
    providerStatus: update.providerStatus,
  };
}
