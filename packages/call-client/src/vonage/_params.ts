import type { CallOptions, CallOptionValue } from '../providers/call-options.js';
import { InvalidOptionsError } from '../errors/errors.js';
import { toE164, type CountryCode } from '../phone.js';
import {
  callNcco,
  SSML_TEXT,
  VONAGE_MAX_TALK,
  type NccoAction,
  type TalkSettings,
} from './_ncco.js';

/**
 * The body keys of `POST /v1/calls` as the official `@vonage/voice` package sends them: the keys
 * of its `OutboundCall` (`CallWithNCCO` | `CallWithAnswerURL`), snake-cased by its
 * `createOutboundCall`, which are also those of its `CreateCallRequest`. A test drives the
 * official client with every one of them and compares.
 */
export const VONAGE_CREATE_CALL_PARAMS: ReadonlySet<string> = new Set([
  'to',
  'from',
  'random_from_number',
  'ncco',
  'answer_url',
  'answer_method',
  'dtmf_answer',
  'event_url',
  'event_method',
  'machine_detection',
  'advanced_machine_detection',
  'length_timer',
  'ringing_timer',
]);

/**
 * The create-call keys a call's `extra` may not set: each is an option of its own
 * (`CallOptions`), or the client's wiring of the call (its number, its instructions, its events).
 */
export const VONAGE_RESERVED_PARAMS: ReadonlyMap<string, string> = new Map([
  ['to', 'the number placeCall is given'],
  ['from', 'the option from'],
  ['random_from_number', 'the option from'],
  ['ncco', 'the options say and record (or the client option ncco)'],
  ['answer_url', 'the option answerUrl (or the client option answerUrl)'],
  ['event_url', 'the client option eventUrl'],
  ['event_method', 'the client option eventUrl'],
  ['machine_detection', 'the option machineDetection'],
  ['advanced_machine_detection', 'the option machineDetection'],
  ['length_timer', 'the option timeLimitS'],
  ['ringing_timer', 'the option ringTimeoutS'],
]);

/** `ringing_timer`: 1 to 120 seconds (Vonage's Voice API reference; 60 by default). */
export const VONAGE_MAX_RING_S = 120;
/** `length_timer`: 1 to 7,200 seconds (Vonage's Voice API reference; 7,200 by default). */
export const VONAGE_MAX_TIME_LIMIT_S = 7200;

/**
 * `machineDetection` as Vonage asks for it: `detect` is the standard detection, `machine_detection:
 * 'continue'` (a `human` or `machine` event, and the call goes on); `detect-beep` is the advanced
 * detection in its synchronous beep mode (`mode: 'detect_beep'`), in which the NCCO runs only once
 * a person is detected or a machine's greeting has ended with its beep, so `say` lands in the
 * voicemail.
 */
export const VONAGE_MACHINE_DETECTION = {
  detect: { machine_detection: 'continue' },
  'detect-beep': { advanced_machine_detection: { behavior: 'continue', mode: 'detect_beep' } },
} as const;

/** A phone endpoint of the Voice API: the E.164 number without its `+` (`\d{7,15}`). */
export interface VonagePhoneEndpoint {
  type: 'phone';
  number: string;
}

/** The JSON body of one `POST /v1/calls`, every key one of {@link VONAGE_CREATE_CALL_PARAMS}. */
export type VonageCreateCallBody = {
  to: VonagePhoneEndpoint[];
  from: VonagePhoneEndpoint;
  ncco?: NccoAction[];
  answer_url?: string[];
  event_url?: string[];
  event_method?: 'POST';
  machine_detection?: 'continue';
  advanced_machine_detection?: { behavior: 'continue'; mode: 'detect_beep' };
  ringing_timer?: number;
  length_timer?: number;
} & Record<string, CallOptionValue | object>;

/** An E.164 number (`+14155552671`) as the Voice API writes it (`14155552671`). */
export function vonageNumber(e164: string): string {
  return e164.startsWith('+') ? e164.slice(1) : e164;
}

/** One problem with a call's options, as zod words it. */
interface Problem {
  path: (string | number)[];
  message: string;
}

/**
 * Builds the create-call bodies of one client, and checks a call's options the Vonage way before
 * any request: the ring and length timers' bounds, `say` (its length, and no SSML), `record`
 * only where ringkit writes the NCCO, `extra` names against {@link VONAGE_CREATE_CALL_PARAMS}.
 */
export function createCallBuilder(client: {
  from: string;
  defaultCountry: CountryCode;
  eventUrl: string | undefined;
  answerUrl: string | undefined;
  ncco: readonly NccoAction[];
  talk: TalkSettings;
}) {
  function check(options: CallOptions): void {
    const problems: Problem[] = [];
    const { ringTimeoutS, timeLimitS, say } = options;
    if (ringTimeoutS !== undefined && ringTimeoutS > VONAGE_MAX_RING_S)
      problems.push({
        path: ['ringTimeoutS'],
        message: `Vonage rings for ${VONAGE_MAX_RING_S} seconds at most (ringing_timer)`,
      });
    if (timeLimitS !== undefined && timeLimitS > VONAGE_MAX_TIME_LIMIT_S)
      problems.push({
        path: ['timeLimitS'],
        message: `Vonage limits a call to ${VONAGE_MAX_TIME_LIMIT_S} seconds (length_timer)`,
      });
    if (say !== undefined && say.length > VONAGE_MAX_TALK)
      problems.push({
        path: ['say'],
        message: `Vonage speaks at most ${VONAGE_MAX_TALK} characters (NCCO talk)`,
      });
    if (say !== undefined && SSML_TEXT.test(say))
      problems.push({
        path: ['say'],
        message: 'Vonage reads text in a <speak> element as SSML; say takes plain text',
      });
    const urlDriven =
      options.answerUrl !== undefined || (say === undefined && client.answerUrl !== undefined);
    if (options.record === true && urlDriven)
      problems.push({
        path: ['record'],
        message:
          'Vonage records with an NCCO record action; with an answer URL the NCCO is that URL’s, so record there',
      });
    for (const name of Object.keys(options.extra ?? {})) {
      const reserved = VONAGE_RESERVED_PARAMS.get(name);
      if (reserved !== undefined)
        problems.push({ path: ['extra', name], message: `is set by ${reserved}` });
      else if (!VONAGE_CREATE_CALL_PARAMS.has(name))
        problems.push({
          path: ['extra', name],
          message: 'is not a parameter of Vonage POST /v1/calls (OutboundCall)',
        });
    }
    if (problems.length > 0)
      throw new InvalidOptionsError(
        'call',
        problems.map((p) => ({ code: 'custom', input: undefined, ...p })),
      );
  }

  /** The body calling `to` (E.164) with `options`. */
  function build(to: string, options: CallOptions): VonageCreateCallBody {
    check(options);
    const from =
      options.from === undefined
        ? client.from
        : toE164(options.from, { defaultCountry: client.defaultCountry });
    const body: VonageCreateCallBody = {
      ...options.extra,
      to: [{ type: 'phone', number: vonageNumber(to) }],
      from: { type: 'phone', number: vonageNumber(from) },
    };
    const answerUrl =
      options.say === undefined ? (options.answerUrl ?? client.answerUrl) : undefined;
    if (answerUrl !== undefined) body.answer_url = [answerUrl];
    else
      body.ncco = callNcco({
        say: options.say,
        record: options.record === true,
        talk: client.talk,
        eventUrl: client.eventUrl,
        fallback: client.ncco,
      });
    if (client.eventUrl !== undefined) {
      body.event_url = [client.eventUrl];
      body.event_method = 'POST';
    }
    const detection = options.machineDetection;
    if (detection !== undefined && detection !== 'off')
      Object.assign(body, structuredClone(VONAGE_MACHINE_DETECTION[detection]));
    if (options.ringTimeoutS !== undefined) body.ringing_timer = options.ringTimeoutS;
    if (options.timeLimitS !== undefined) body.length_timer = options.timeLimitS;
    return body;
  }

  return { check, build };
}
