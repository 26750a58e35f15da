import type { CallOptions, CallOptionValue } from '../providers/call-options.js';
import { InvalidOptionsError } from '../errors/errors.js';
import { toE164, type CountryCode } from '../phone.js';
import { encodeClientState } from './_state.js';

/**
 * The body keys of `POST /v2/calls`, as the official `telnyx` package's `CallDialParams`
 * (`resources/calls/calls.d.ts`) defines them; a test compares this list with that type.
 */
export const TELNYX_DIAL_PARAMS: ReadonlySet<string> = new Set([
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

/**
 * The dial keys a call's `extra` may not set: each is an option of its own (`CallOptions`), or
 * the client's wiring of the call (its connection, its number, its webhooks, the state that
 * carries `say` and the placement's identity).
 */
export const TELNYX_RESERVED_PARAMS: ReadonlyMap<string, string> = new Map([
  ['to', 'the number placeCall is given'],
  ['from', 'the option from'],
  ['connection_id', 'the client option connectionId'],
  ['timeout_secs', 'the option ringTimeoutS'],
  ['time_limit_secs', 'the option timeLimitS'],
  ['answering_machine_detection', 'the option machineDetection'],
  ['record', 'the option record'],
  ['client_state', 'the client (it carries say and the placement id)'],
  ['command_id', 'the client (one per placement)'],
  ['webhook_url', 'the client option webhookUrl'],
  ['webhook_url_method', 'the client option webhookUrl'],
  ['webhook_urls', 'the client option webhookUrl'],
  ['webhook_urls_method', 'the client option webhookUrl'],
]);

/** The longest text `actions/speak` takes (`ActionSpeakParams.payload`: 3,000 characters). */
export const TELNYX_MAX_SPEAK = 3000;
/** `timeout_secs`: "Minimum value is 5 seconds. Maximum value is 600 seconds." */
export const TELNYX_MIN_RING_S = 5;
/** `time_limit_secs`: "The default time limit is 14400 seconds or 4 hours and this is also the maximum". */
export const TELNYX_MAX_TIME_LIMIT_S = 14_400;

/**
 * `machineDetection` as Telnyx's `answering_machine_detection`: `detect` reports who answered as
 * soon as it is known; `detect-beep` is `greeting_end`, after which Telnyx sends
 * `call.machine.greeting.ended` when a machine's greeting ends, with a beep or with silence
 * (`detect_beep` would send it for a beep only, so a greeting ending in silence would never be
 * spoken over).
 */
export const TELNYX_MACHINE_DETECTION = {
  detect: 'detect',
  'detect-beep': 'greeting_end',
} as const;

/** The JSON body of one dial, every key one of {@link TELNYX_DIAL_PARAMS}. */
export type TelnyxDialBody = Record<string, CallOptionValue>;

/** One problem with a call's options, as zod words it. */
interface Problem {
  path: (string | number)[];
  message: string;
}

/**
 * Builds the dial bodies of one client, and checks a call's options the Telnyx way before any
 * request: `extra` names against {@link TELNYX_DIAL_PARAMS}, the ring time's lower bound, the time
 * limit's upper bound, the length of `say`.
 */
export function createDialBuilder(client: {
  connectionId: string;
  from: string;
  defaultCountry: CountryCode;
  webhookUrl: string | undefined;
}) {
  function check(options: CallOptions): void {
    const problems: Problem[] = [];
    const { ringTimeoutS, timeLimitS, say } = options;
    if (ringTimeoutS !== undefined && ringTimeoutS < TELNYX_MIN_RING_S)
      problems.push({
        path: ['ringTimeoutS'],
        message: `Telnyx rings for ${TELNYX_MIN_RING_S} seconds at least (timeout_secs)`,
      });
    if (timeLimitS !== undefined && timeLimitS > TELNYX_MAX_TIME_LIMIT_S)
      problems.push({
        path: ['timeLimitS'],
        message: `Telnyx limits a call to ${TELNYX_MAX_TIME_LIMIT_S} seconds (time_limit_secs)`,
      });
    if (say !== undefined && say.length > TELNYX_MAX_SPEAK)
      problems.push({
        path: ['say'],
        message: `Telnyx speaks at most ${TELNYX_MAX_SPEAK} characters (actions/speak)`,
      });
    for (const name of Object.keys(options.extra ?? {})) {
      const reserved = TELNYX_RESERVED_PARAMS.get(name);
      if (reserved !== undefined)
        problems.push({ path: ['extra', name], message: `is set by ${reserved}` });
      else if (!TELNYX_DIAL_PARAMS.has(name))
        problems.push({
          path: ['extra', name],
          message: 'is not a parameter of Telnyx POST /v2/calls (CallDialParams)',
        });
    }
    if (problems.length > 0)
      throw new InvalidOptionsError(
        'call',
        problems.map((p) => ({ code: 'custom', input: undefined, ...p })),
      );
  }

  /** The body dialling `to` with `options`, marked with `placementId`. */
  function build(to: string, options: CallOptions, placementId: string): TelnyxDialBody {
    check(options);
    const body: TelnyxDialBody = {
      ...options.extra,
      connection_id: client.connectionId,
      to,
      from:
        options.from === undefined
          ? client.from
          : toE164(options.from, { defaultCountry: client.defaultCountry }),
      command_id: placementId,
      client_state: encodeClientState({
        placementId,
        ...(options.say === undefined ? {} : { say: options.say }),
        ...(options.machineDetection === 'detect-beep' ? { waitForGreeting: true } : {}),
      }),
    };
    if (client.webhookUrl !== undefined) {
      body.webhook_url = client.webhookUrl;
      body.webhook_url_method = 'POST';
    }
    if (options.ringTimeoutS !== undefined) body.timeout_secs = options.ringTimeoutS;
    if (options.timeLimitS !== undefined) body.time_limit_secs = options.timeLimitS;
    if (options.record === true) body.record = 'record-from-answer';
    const detection = options.machineDetection;
    if (detection !== undefined && detection !== 'off')
      body.answering_machine_detection = TELNYX_MACHINE_DETECTION[detection];
    return body;
  }

  return { check, build };
}
