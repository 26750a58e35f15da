import { strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { spokenText, type AnsweredBy } from '../providers/call-options.js';
import type { CallStatus } from '../status.js';

/**
 * How an app answers a call to its own number, whatever the provider:
 * - `voicemail`: speaks `message`, then records a voicemail (the default);
 * - `forward`: rings `to` for `ringS` seconds; when nobody there picks up, speaks `message` and
 *   records a voicemail;
 * - `reject`: refuses the call (`busy`: the caller hears a busy tone; `rejected`: the call is
 *   refused outright).
 */
export type InboundPolicy =
  | { action: 'voicemail'; message: string; maxRecordingS?: number }
  | { action: 'forward'; to: string; ringS: number; message: string; maxRecordingS?: number }
  | { action: 'reject'; reason: 'busy' | 'rejected' };

/** The longest voicemail recorded, in seconds, unless the policy says. */
export const DEFAULT_MAX_RECORDING_S = 120;

/** {@link InboundPolicy} as zod reads it. */
export const inboundPolicySchema = z.discriminatedUnion('action', [
  strictObject({
    action: z.literal('voicemail'),
    message: z.string().trim().pipe(spokenText(1000)),
    maxRecordingS: z.int().min(1).max(3600).optional(),
  }),
  strictObject({
    action: z.literal('forward'),
    to: z.string().trim().min(1).max(64),
    ringS: z.int().min(5).max(600),
    message: z.string().trim().pipe(spokenText(1000)),
    maxRecordingS: z.int().min(1).max(3600).optional(),
  }),
  strictObject({
    action: z.literal('reject'),
    reason: z.enum(['busy', 'rejected']),
  }),
]);

/**
 * What one provider webhook told of a call to the app's own number. Each field is a fact that
 * stays true once reported: handing the updates of one call, in any order and any number of
 * times, to scheduler-core's `recordInbound` (which keys the record `${provider}:${callId}`)
 * records one call, never two, and never moves it back.
 *
 * The status speaks of the conversation, not of the provider's call leg: a call the app answered
 * itself to play a greeting and record a voicemail, or whose forward nobody picked up, ends
 * `no-answer` (a missed call, its voicemail kept); `completed` is a call where someone talked
 * with the caller (a forward picked up), with that conversation's `answeredAt` and `durationS`.
 * A caller who hung up while it rang is `canceled`; a rejected call `busy`; a call the provider
 * could not connect `failed`.
 */
export interface InboundCallUpdate {
  /** The provider's name: `'twilio'`, `'telnyx'`. */
  provider: string;
  /** The provider's id of the inbound call (Twilio's `CallSid`, Telnyx's `call_control_id`). */
  callId: string;
  /** The caller, as the provider sent it (E.164 where it is a phone number). */
  from: string;
  /** The app's number that was called. */
  to: string;
  /** When the provider says this happened (or when the webhook arrived, if it does not say). */
  at: Date;
  /** `ringing` while the call is under way; a terminal status once it ended (see above). */
  status: CallStatus;
  /** The provider's own word for what this webhook told, verbatim (`DialCallStatus`, `hangup_cause`…). */
  providerStatus: string;
  /** When a conversation began (the forward was picked up). */
  answeredAt?: Date;
  /** The conversation's length in seconds (Twilio's `DialCallDuration`). */
  durationS?: number;
  /** Where the caller's voicemail can be fetched, once recorded. */
  recordingUrl?: string;
  /** The voicemail's length in seconds. */
  recordingDurationS?: number;
  /** Who answered, where the provider detected it. */
  answeredBy?: AnsweredBy;
  /** The webhook's fields as received. */
  raw: unknown;
}
