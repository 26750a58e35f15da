import { DEFAULT_MAX_RECORDING_S, type InboundPolicy } from '../inbound/inbound.js';
import { toE164, type CountryCode } from '../phone.js';
import type { TelnyxWebhookAction } from './options.js';
import type { InboundEvent } from './_inbound-event.js';
import { encodeInboundState, type InboundState, type InboundStep } from './_state.js';

/**
 * One Call Control command (`POST /v2/calls/{callId}/actions/{action}`), every body key one the
 * official `telnyx` package's `Action…Params` defines (a test compares them).
 */
export interface InboundCommand {
  /** The caller's leg: every command goes to it, whichever leg's webhook made it due. */
  callId: string;
  action: 'answer' | 'speak' | 'record_start' | 'transfer' | 'reject' | 'client_state_update';
  /** `put` for `client_state_update` alone (the `telnyx` package's `updateClientState`). */
  method: 'post' | 'put';
  body: Record<string, string | number | boolean>;
  /** What `actOnWebhook` resolves once it is sent. */
  done: TelnyxWebhookAction;
}

/** What the client knows that the commands need: its policy (numbers normalised) and voice. */
export interface InboundSettings {
  policy: InboundPolicy;
  voice: string;
  language: string;
}

/** The settings of a client's `inbound` policy: its forward number in E.164 (a `sip:` URI as it is). */
export function inboundSettingsOf(
  policy: InboundPolicy,
  client: { defaultCountry: CountryCode; voice: string; language: string },
): InboundSettings {
  const { voice, language, defaultCountry } = client;
  if (policy.action !== 'forward' || /^sips?:/i.test(policy.to)) return { policy, voice, language };
  return { policy: { ...policy, to: toE164(policy.to, { defaultCountry }) }, voice, language };
}

/**
 * The hang-up causes of a forward's leg after which the app does nothing more: someone took the
 * call (`normal_clearing`, `time_limit`: the conversation ended), or the caller left while it rang
 * (`originator_cancel`: Telnyx cancels the forward). After any other (`timeout` when `ringS`
 * passed, `user_busy`, `call_rejected`, `no_answer`, `not_found`, `unspecified`…) nobody took it:
 * the caller's leg, which Telnyx keeps, is answered for a voicemail.
 */
const FORWARD_OVER = new Set(['normal_clearing', 'time_limit', 'originator_cancel']);

/** Telnyx ignores a command whose `command_id` it already took for the same call. */
const commandId = (step: string, callId: string) => `${step}-${callId}`.slice(0, 256);

/**
 * The command an inbound call's webhook makes due under `settings`, or `null`. It reads only the
 * webhook (its `client_state` above all), so any worker, after any restart, sends the same
 * command for the same webhook, with the same `command_id`:
 * - `call.initiated` (incoming, parked): `answer` (voicemail), `transfer` (forward: `to`,
 *   `timeout_secs: ringS`) or `reject` (`USER_BUSY` or `CALL_REJECTED`), each setting the state;
 * - `call.answered` of a voicemail: `speak` the message; its `call.speak.ended`: `record_start`
 *   (mp3, one channel, `max_length`, a beep);
 * - `call.hangup` of the forward's leg, nobody having taken it: `answer` the caller's leg for the
 *   voicemail steps;
 * - `call.bridged` of the caller's leg (the forward picked up): `client_state_update`, noting when,
 *   so that its hang-up tells the conversation's length.
 */
export function inboundCommandDue(
  event: InboundEvent,
  settings: InboundSettings,
): InboundCommand | null {
  const { type, callId, state, payload } = event;
  const { policy } = settings;
  const stateOf = (step: InboundStep, more: Partial<InboundState> = {}) =>
    encodeInboundState({ callId, from: event.from, to: event.to, step, ...more });
  const answer = (): InboundCommand | null =>
    policy.action === 'reject'
      ? null
      : {
          callId,
          action: 'answer',
          method: 'post',
          body: { client_state: stateOf('voicemail'), command_id: commandId('answer', callId) },
          done: 'answered',
        };

  if (state === undefined) {
    if (type !== 'call.initiated' || event.forwardLeg || payload.state === 'bridging') return null;
    if (policy.action === 'voicemail') return answer();
    if (policy.action === 'reject')
      return {
        callId,
        action: 'reject',
        method: 'post',
        body: {
          cause: policy.reason === 'busy' ? 'USER_BUSY' : 'CALL_REJECTED',
          client_state: stateOf('reject'),
          command_id: commandId('reject', callId),
        },
        done: 'rejected',
      };
    const forward = stateOf('forward');
    return {
      callId,
      action: 'transfer',
      method: 'post',
      body: {
        to: policy.to,
        timeout_secs: policy.ringS,
        client_state: forward,
        target_leg_client_state: forward,
        command_id: commandId('transfer', callId),
      },
      done: 'transferred',
    };
  }

  if (event.forwardLeg)
    return type === 'call.hangup' &&
      state.step === 'forward' &&
      !FORWARD_OVER.has(payload.hangup_cause ?? 'unspecified')
      ? answer()
      : null;

  if (type === 'call.bridged' && state.step === 'forward' && state.bridgedAtMs === undefined)
    return {
      callId,
      action: 'client_state_update',
      method: 'put',
      body: { client_state: stateOf('forward', { bridgedAtMs: event.at.getTime() }) },
      done: 'noted',
    };
  if (state.step !== 'voicemail' || policy.action === 'reject') return null;
  const client_state = stateOf('voicemail');
  if (type === 'call.answered')
    return {
      callId,
      action: 'speak',
      method: 'post',
      body: {
        payload: policy.message,
        payload_type: 'text',
        voice: settings.voice,
        language: settings.language,
        client_state,
        command_id: commandId('greeting', callId),
      },
      done: 'spoke',
    };
  if (type === 'call.speak.ended' && payload.status !== 'call_hangup')
    return {
      callId,
      action: 'record_start',
      method: 'post',
      body: {
        format: 'mp3',
        channels: 'single',
        max_length: policy.maxRecordingS ?? DEFAULT_MAX_RECORDING_S,
        play_beep: true,
        client_state,
        command_id: commandId('voicemail', callId),
      },
      done: 'recording',
    };
  return null;
}
