import type { InboundCallUpdate } from '../inbound/inbound.js';
import { callDurationSeconds, type CallStatus } from '../status.js';
import { dateOf } from './event.js';
import type { InboundEvent } from './_inbound-event.js';

/** Hang-up causes that only the app's own `reject` gives a caller's leg. */
const REJECTED = new Set(['call_rejected', 'user_busy']);
/** Causes that end a conversation: on a forward's caller leg, someone took the call. */
const CONVERSATION_ENDED = new Set(['normal_clearing', 'time_limit']);

/**
 * What an inbound call's webhook tells of the call, or `null` when it tells nothing (the app's own
 * answer, its speech, every event of the forward's leg):
 * - `call.initiated` → `ringing`;
 * - `call.bridged` of a forward → `answered`, `answeredAt` its time;
 * - `call.recording.saved` of a voicemail → `no-answer` with `recordingUrl` (the public mp3 URL,
 *   else the mp3 URL, which Telnyx keeps for 10 minutes) and `recordingDurationS`;
 * - `call.hangup` of the caller's leg → `completed` with `answeredAt` and `durationS` when a
 *   forward was picked up, else missed: `canceled` (`originator_cancel`: the caller hung up while
 *   it rang), `busy` (rejected), `no-answer` (the app answered it for a voicemail), `failed`;
 *   `providerStatus` is the `hangup_cause`.
 */
export function inboundUpdateOf(event: InboundEvent): InboundCallUpdate | null {
  if (event.forwardLeg) return null;
  const { type, state, payload } = event;
  const base = {
    provider: 'telnyx',
    callId: event.callId,
    from: event.from,
    to: event.to,
    at: event.at,
    providerStatus: type,
    raw: event.raw,
  };
  if (type === 'call.initiated')
    return payload.direction === 'incoming' ? { ...base, status: 'ringing' } : null;
  if (type === 'call.bridged')
    return state?.step === 'forward' ? { ...base, status: 'answered', answeredAt: event.at } : null;
  if (type === 'call.recording.saved') return state?.step === 'voicemail' ? voicemail() : null;
  if (type !== 'call.hangup') return null;

  const cause = payload.hangup_cause ?? 'unspecified';
  const bridgedAtMs = state?.bridgedAtMs;
  if (bridgedAtMs !== undefined) {
    const durationS = callDurationSeconds({
      status: 'completed',
      startedAt: bridgedAtMs,
      answeredAt: bridgedAtMs,
      endedAt: event.at.getTime(),
    });
    return {
      ...base,
      status: 'completed',
      providerStatus: cause,
      answeredAt: new Date(bridgedAtMs),
      ...(durationS === null ? {} : { durationS }),
    };
  }
  return { ...base, status: missed(state?.step, cause), providerStatus: cause };

  function voicemail(): InboundCallUpdate {
    const urls = [payload.public_recording_urls?.mp3, payload.recording_urls?.mp3];
    const recordingUrl = urls.find((url) => typeof url === 'string' && url !== '');
    const started = dateOf(payload.recording_started_at)?.getTime();
    const ended = dateOf(payload.recording_ended_at)?.getTime();
    const seconds =
      started === undefined || ended === undefined || ended < started
        ? undefined
        : Math.round((ended - started) / 1000);
    return {
      ...base,
      status: 'no-answer',
      ...(recordingUrl ? { recordingUrl } : {}),
      ...(seconds === undefined ? {} : { recordingDurationS: seconds }),
    };
  }
}

/** How a caller's leg that no forward connected ended (its step is what the app was doing). */
function missed(step: string | undefined, cause: string): CallStatus {
  if (cause === 'originator_cancel') return 'canceled';
  if (step === 'voicemail') return 'no-answer';
  if (step === 'reject' || REJECTED.has(cause)) return 'busy';
  // The caller's leg of a forward is answered only by the bridge: a conversation ended before
  // the bridge was noted in the state (its `call.bridged` tells `answeredAt`).
  if (step === 'forward' && CONVERSATION_ENDED.has(cause)) return 'completed';
  return 'failed';
}
