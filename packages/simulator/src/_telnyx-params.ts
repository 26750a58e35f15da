import {
  invalid,
  isProblem,
  problem,
  TELNYX_ERRORS,
  type TelnyxProblem,
} from './_telnyx-format.js';
import { isE164, isHttpUrl, isStrictBase64 } from './_values.js';
import type { TelnyxMachineDetection } from './types.js';

/**
 * The body keys of `POST /v2/calls`: every key of `CallDialParams` in the official `telnyx`
 * package (7.x, `resources/calls/calls.d.ts`); a test checks the two lists agree. The simulator
 * keeps its own list, apart from the client's: a fake written from the client would agree with
 * the client's mistakes.
 */
export const DIAL_PARAMS: ReadonlySet<string> = new Set([
  'connection_id',
  'from',
  'to',
  'answering_machine_detection',
  'answering_machine_detection_config',
  'assistant',
  'audio_url',
  'billing_group_id',
  'bridge_intent',
  'bridge_on_answer',
  'client_state',
  'command_id',
  'conference_config',
  'conversation_relay_config',
  'custom_headers',
  'deepfake_detection',
  'dialogflow_config',
  'diversion',
  'enable_dialogflow',
  'from_display_name',
  'link_to',
  'media_encryption',
  'media_name',
  'park_after_unbridge',
  'preferred_codecs',
  'prevent_double_bridge',
  'privacy',
  'record',
  'record_channels',
  'record_custom_file_name',
  'record_format',
  'record_max_length',
  'record_timeout_secs',
  'record_track',
  'record_trim',
  'retry_on_timeout',
  'route_to_mobile',
  'send_digits_on_answer',
  'send_silence_when_idle',
  'sip_auth_password',
  'sip_auth_username',
  'sip_headers',
  'sip_region',
  'sip_transport_protocol',
  'sound_modifications',
  'stream_auth_token',
  'stream_bidirectional_codec',
  'stream_bidirectional_mode',
  'stream_bidirectional_sampling_rate',
  'stream_bidirectional_target_legs',
  'stream_codec',
  'stream_establish_before_call_originate',
  'stream_track',
  'stream_url',
  'supervise_call_control_id',
  'supervisor_role',
  'time_limit_secs',
  'timeout_secs',
  'transcription',
  'transcription_config',
  'webhook_retries_policies',
  'webhook_url',
  'webhook_url_method',
  'webhook_urls',
  'webhook_urls_method',
]);

/** The body keys of `POST /v2/calls/{id}/actions/speak` (`ActionSpeakParams`). */
export const SPEAK_PARAMS: ReadonlySet<string> = new Set([
  'payload',
  'voice',
  'client_state',
  'command_id',
  'language',
  'loop',
  'payload_type',
  'service_level',
  'stop',
  'target_legs',
  'voice_settings',
]);

/** The body keys of `POST /v2/calls/{id}/actions/hangup` (`ActionHangupParams`). */
export const HANGUP_PARAMS: ReadonlySet<string> = new Set([
  'client_state',
  'command_id',
  'custom_headers',
]);

const DETECTIONS = ['premium', 'detect', 'detect_beep', 'detect_words', 'greeting_end', 'disabled'];
const MAX_SPEAK_CHARS = 3000;

/** What every command shares: its `client_state` and `command_id`. */
export interface CommandBase {
  clientState: string | undefined;
  commandId: string | undefined;
}

/** A dial's fields, read and checked. */
export interface DialRequest extends CommandBase {
  to: string;
  from: string;
  webhookUrl: string | undefined;
  timeoutS: number;
  timeLimitS: number;
  machineDetection: TelnyxMachineDetection | undefined;
  record: boolean;
  /** The body as received. */
  params: Readonly<Record<string, unknown>>;
}

/** A speak command's fields. */
export interface SpeakRequest extends CommandBase {
  payload: string;
}

/** Refuses keys not in `known`, then reads `client_state` and `command_id`. */
export function readBase(
  body: Record<string, unknown>,
  known: ReadonlySet<string>,
  what: string,
): CommandBase | TelnyxProblem {
  const unknown = Object.keys(body).find((key) => !known.has(key));
  if (unknown !== undefined) return invalid(unknown, `${what} takes no parameter '${unknown}'.`);
  const clientState = body.client_state;
  if (
    clientState !== undefined &&
    (typeof clientState !== 'string' || !isStrictBase64(clientState))
  ) {
    return invalid('client_state', 'client_state must be a valid Base-64 encoded string.');
  }
  const commandId = body.command_id;
  if (commandId !== undefined && (typeof commandId !== 'string' || commandId === '')) {
    return invalid('command_id', 'command_id must be a non-empty string.');
  }
  return { clientState, commandId };
}

export const required = (field: string) =>
  problem(
    422,
    TELNYX_ERRORS.missingParameter,
    'Missing required parameter',
    `The '${field}' parameter is required.`,
    `/${field}`,
  );

export function readWhole(body: Record<string, unknown>, field: string, min: number, max: number) {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) {
    return value;
  }
  return invalid(field, `${field} must be a whole number of seconds from ${min} to ${max}.`);
}

/** Reads and checks the body of `POST /v2/calls` for the account's `connectionId`. */
export function readDial(
  body: Record<string, unknown>,
  connectionId: string,
): DialRequest | TelnyxProblem {
  const base = readBase(body, DIAL_PARAMS, 'Dial');
  if (isProblem(base)) return base;
  for (const field of ['connection_id', 'from', 'to'] as const) {
    if (body[field] === undefined) return required(field);
  }
  if (body.connection_id !== connectionId) {
    return invalid(
      'connection_id',
      `No Call Control application with connection_id ${JSON.stringify(body.connection_id)}.`,
      TELNYX_ERRORS.associatedResource,
    );
  }
  const { from, to } = body;
  if (typeof from !== 'string' || !isE164(from)) {
    return invalid(
      'from',
      'from must be a phone number in +E.164 format.',
      TELNYX_ERRORS.phoneNumber,
    );
  }
  if (typeof to !== 'string' || !isE164(to)) {
    const detail = Array.isArray(to)
      ? 'The simulator dials one number: to must be a phone number in +E.164 format, not a list.'
      : 'to must be a phone number in +E.164 format.';
    return invalid('to', detail, TELNYX_ERRORS.phoneNumber);
  }
  const webhookUrl = body.webhook_url;
  if (webhookUrl !== undefined && (typeof webhookUrl !== 'string' || !isHttpUrl(webhookUrl))) {
    return invalid('webhook_url', 'webhook_url must be an http(s) URL.', TELNYX_ERRORS.invalidUrl);
  }
  if (body.webhook_url_method !== undefined && body.webhook_url_method !== 'POST') {
    return invalid('webhook_url_method', 'The simulator sends webhooks with POST only.');
  }
  const timeoutS = readWhole(body, 'timeout_secs', 5, 600);
  if (isProblem(timeoutS)) return timeoutS;
  const timeLimitS = readWhole(body, 'time_limit_secs', 30, 14_400);
  if (isProblem(timeLimitS)) return timeLimitS;
  const detection = body.answering_machine_detection;
  if (detection !== undefined && !DETECTIONS.includes(detection as string)) {
    const detail = `answering_machine_detection must be one of ${DETECTIONS.join(', ')}.`;
    return invalid('answering_machine_detection', detail);
  }
  if (body.record !== undefined && body.record !== 'record-from-answer') {
    return invalid('record', "record must be 'record-from-answer'.");
  }
  return {
    ...base,
    to,
    from,
    webhookUrl,
    timeoutS: timeoutS ?? 30,
    timeLimitS: timeLimitS ?? 14_400,
    machineDetection:
      detection === undefined || detection === 'disabled'
        ? undefined
        : (detection as TelnyxMachineDetection),
    record: body.record === 'record-from-answer',
    params: body,
  };
}

/** Reads and checks the body of `…/actions/speak`. */
export function readSpeak(body: Record<string, unknown>): SpeakRequest | TelnyxProblem {
  const base = readBase(body, SPEAK_PARAMS, 'Speak');
  if (isProblem(base)) return base;
  if (body.payload === undefined) return required('payload');
  if (body.voice === undefined) return required('voice');
  const { payload, voice } = body;
  if (typeof payload !== 'string' || payload.length === 0) {
    return invalid('payload', 'payload must be a non-empty string.');
  }
  if (payload.length > MAX_SPEAK_CHARS) {
    return invalid('payload', `payload must be at most ${MAX_SPEAK_CHARS} characters.`);
  }
  if (typeof voice !== 'string' || voice === '') {
    return invalid('voice', 'voice must be a non-empty string.');
  }
  for (const [field, allowed] of [
    ['payload_type', ['text', 'ssml']],
    ['service_level', ['basic', 'premium']],
  ] as const) {
    const value = body[field];
    if (value !== undefined && !(allowed as readonly unknown[]).includes(value)) {
      return invalid(field, `${field} must be one of ${allowed.join(', ')}.`);
    }
  }
  return { ...base, payload };
}

/** Reads and checks the body of `…/actions/hangup`. */
export function readHangup(body: Record<string, unknown>): CommandBase | TelnyxProblem {
  return readBase(body, HANGUP_PARAMS, 'Hangup');
}

/** A page of `GET /v2/connections/{id}/active_calls`: `page[number]` from 1, `page[size]` 1..250. */
export function readActivePage(
  query: URLSearchParams,
): { number: number; size: number } | TelnyxProblem {
  const read = (name: string, fallback: number, max: number) => {
    const value = query.get(name);
    if (value === null) return fallback;
    const n = Number(value);
    if (/^\d+$/.test(value) && n >= 1 && n <= max) return n;
    return problem(
      422,
      TELNYX_ERRORS.badRequest,
      'Invalid parameter',
      `${name} must be a whole number from 1 to ${max}, got ${value}.`,
      name,
    );
  };
  const number = read('page[number]', 1, Number.MAX_SAFE_INTEGER);
  if (isProblem(number)) return number;
  const size = read('page[size]', 20, 250);
  if (isProblem(size)) return size;
  return { number, size };
}
