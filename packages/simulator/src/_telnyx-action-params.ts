import { invalid, isProblem, TELNYX_ERRORS, type TelnyxProblem } from './_telnyx-format.js';
import { readBase, readWhole, required, type CommandBase } from './_telnyx-params.js';
import { isE164, isHttpUrl, isStrictBase64 } from './_values.js';

// The commands an app sends for an incoming call (answer, reject, record_start, transfer,
// client_state_update): their body keys, every key of the official `telnyx` package's params
// type (7.x, `resources/calls/actions.d.ts`), which a test checks, and their readers.

/** The body keys of `…/actions/answer` (`ActionAnswerParams`). */
export const ANSWER_PARAMS: ReadonlySet<string> = new Set([
  'assistant',
  'billing_group_id',
  'client_state',
  'command_id',
  'conversation_relay_config',
  'custom_headers',
  'deepfake_detection',
  'preferred_codecs',
  'record',
  'record_channels',
  'record_custom_file_name',
  'record_format',
  'record_max_length',
  'record_timeout_secs',
  'record_track',
  'record_trim',
  'send_silence_when_idle',
  'sip_headers',
  'sound_modifications',
  'stream_bidirectional_codec',
  'stream_bidirectional_mode',
  'stream_bidirectional_target_legs',
  'stream_codec',
  'stream_track',
  'stream_url',
  'transcription',
  'transcription_config',
  'webhook_retries_policies',
  'webhook_url',
  'webhook_url_method',
  'webhook_urls',
  'webhook_urls_method',
]);

/** The body keys of `…/actions/record_start` (`ActionStartRecordingParams`). */
export const RECORD_START_PARAMS: ReadonlySet<string> = new Set([
  'channels',
  'format',
  'client_state',
  'command_id',
  'custom_file_name',
  'max_length',
  'play_beep',
  'recording_track',
  'timeout_secs',
  'transcription',
  'transcription_engine',
  'transcription_language',
  'transcription_max_speaker_count',
  'transcription_min_speaker_count',
  'transcription_profanity_filter',
  'transcription_speaker_diarization',
  'trim',
]);

/** The body keys of `…/actions/transfer` (`ActionTransferParams`). */
export const TRANSFER_PARAMS: ReadonlySet<string> = new Set([
  'to',
  'answering_machine_detection',
  'answering_machine_detection_config',
  'audio_url',
  'client_state',
  'command_id',
  'custom_headers',
  'diversion',
  'early_media',
  'from',
  'from_display_name',
  'media_encryption',
  'media_name',
  'mute_dtmf',
  'park_after_unbridge',
  'preferred_codecs',
  'privacy',
  'record',
  'record_channels',
  'record_custom_file_name',
  'record_format',
  'record_max_length',
  'record_timeout_secs',
  'record_track',
  'record_trim',
  'route_to_mobile',
  'send_digits_on_answer',
  'sip_auth_password',
  'sip_auth_username',
  'sip_headers',
  'sip_region',
  'sip_transport_protocol',
  'sound_modifications',
  'target_leg_client_state',
  'time_limit_secs',
  'timeout_secs',
  'webhook_retries_policies',
  'webhook_url',
  'webhook_url_method',
  'webhook_urls',
  'webhook_urls_method',
]);

/** The body keys of `…/actions/reject` (`ActionRejectParams`). */
export const REJECT_PARAMS: ReadonlySet<string> = new Set(['cause', 'client_state', 'command_id']);

/** The body key of `PUT …/actions/client_state_update` (`ActionUpdateClientStateParams`). */
export const CLIENT_STATE_UPDATE_PARAMS: ReadonlySet<string> = new Set(['client_state']);

/** An incoming call's command, read and checked. */
export type InboundCommand =
  | ({ action: 'answer'; webhookUrl: string | undefined } & CommandBase)
  | ({ action: 'reject'; cause: 'CALL_REJECTED' | 'USER_BUSY' } & CommandBase)
  | ({
      action: 'record_start';
      format: 'mp3' | 'wav';
      channels: 'single' | 'dual';
      /** 0: no limit. */
      maxLengthS: number;
    } & CommandBase)
  | ({
      action: 'transfer';
      to: string;
      from: string | undefined;
      timeoutS: number;
      targetLegClientState: string | undefined;
      webhookUrl: string | undefined;
    } & CommandBase)
  | ({ action: 'client_state_update' } & CommandBase);

export type InboundAction = InboundCommand['action'];

function oneOf<T extends string>(body: Record<string, unknown>, field: string, allowed: T[]) {
  const value = body[field];
  if (value === undefined) return required(field);
  if (allowed.includes(value as T)) return value as T;
  return invalid(field, `${field} must be one of ${allowed.join(', ')}.`);
}

function webhookUrlOf(body: Record<string, unknown>): string | undefined | TelnyxProblem {
  const url = body.webhook_url;
  if (url !== undefined && (typeof url !== 'string' || !isHttpUrl(url))) {
    return invalid('webhook_url', 'webhook_url must be an http(s) URL.', TELNYX_ERRORS.invalidUrl);
  }
  if (body.webhook_url_method !== undefined && body.webhook_url_method !== 'POST') {
    return invalid('webhook_url_method', 'The simulator sends webhooks with POST only.');
  }
  return url;
}

function phoneOf(body: Record<string, unknown>, field: string): string | undefined | TelnyxProblem {
  const value = body[field];
  if (value === undefined || (typeof value === 'string' && isE164(value))) return value;
  const detail = `${field} must be a phone number in +E.164 format (the simulator dials numbers, not SIP URIs).`;
  return invalid(field, detail, TELNYX_ERRORS.phoneNumber);
}

/** Reads and checks the body of one of an incoming call's commands. */
export function readInboundCommand(
  action: InboundAction,
  body: Record<string, unknown>,
): InboundCommand | TelnyxProblem {
  switch (action) {
    case 'answer': {
      const base = readBase(body, ANSWER_PARAMS, 'Answer');
      const webhookUrl = webhookUrlOf(body);
      if (isProblem(base)) return base;
      return isProblem(webhookUrl) ? webhookUrl : { action, ...base, webhookUrl };
    }
    case 'reject': {
      const base = readBase(body, REJECT_PARAMS, 'Reject');
      if (isProblem(base)) return base;
      const cause = oneOf(body, 'cause', ['CALL_REJECTED', 'USER_BUSY']);
      return isProblem(cause) ? cause : { action, ...base, cause };
    }
    case 'record_start': {
      const base = readBase(body, RECORD_START_PARAMS, 'Record start');
      if (isProblem(base)) return base;
      const format = oneOf(body, 'format', ['mp3', 'wav']);
      if (isProblem(format)) return format;
      const channels = oneOf(body, 'channels', ['single', 'dual']);
      if (isProblem(channels)) return channels;
      const maxLengthS = readWhole(body, 'max_length', 0, 14_400);
      if (isProblem(maxLengthS)) return maxLengthS;
      if (body.play_beep !== undefined && typeof body.play_beep !== 'boolean') {
        return invalid('play_beep', 'play_beep must be true or false.');
      }
      return { action, ...base, format, channels, maxLengthS: maxLengthS ?? 0 };
    }
    case 'transfer': {
      const base = readBase(body, TRANSFER_PARAMS, 'Transfer');
      if (isProblem(base)) return base;
      if (body.to === undefined) return required('to');
      const to = phoneOf(body, 'to');
      const from = phoneOf(body, 'from');
      const timeoutS = readWhole(body, 'timeout_secs', 5, 600);
      const webhookUrl = webhookUrlOf(body);
      for (const read of [to, from, timeoutS, webhookUrl]) if (isProblem(read)) return read;
      const target = body.target_leg_client_state;
      if (target !== undefined && (typeof target !== 'string' || !isStrictBase64(target))) {
        const detail = 'target_leg_client_state must be a valid Base-64 encoded string.';
        return invalid('target_leg_client_state', detail);
      }
      return {
        action,
        ...base,
        to: to as string,
        from: from as string | undefined,
        timeoutS: (timeoutS as number | undefined) ?? 30,
        targetLegClientState: target,
        webhookUrl: webhookUrl as string | undefined,
      };
    }
    case 'client_state_update': {
      const base = readBase(body, CLIENT_STATE_UPDATE_PARAMS, 'Client state update');
      if (isProblem(base)) return base;
      return base.clientState === undefined ? required('client_state') : { action, ...base };
    }
  }
}
