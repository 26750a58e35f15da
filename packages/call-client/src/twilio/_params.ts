import type { CallOptions } from '../providers/call-options.js';
import { InvalidOptionsError } from '../errors/errors.js';
import { toE164, type CountryCode } from '../phone.js';

/**
 * The parameters of `POST /2010-04-01/Accounts/{AccountSid}/Calls.json`, as Twilio's OpenAPI
 * description (twilio_api_v2010) lists them.
 */
export const TWILIO_CREATE_PARAMS: ReadonlySet<string> = new Set([
  'To',
  'From',
  'Method',
  'FallbackUrl',
  'FallbackMethod',
  'StatusCallback',
  'StatusCallbackEvent',
  'StatusCallbackMethod',
  'SendDigits',
  'Timeout',
  'Record',
  'RecordingChannels',
  'RecordingStatusCallback',
  'RecordingStatusCallbackMethod',
  'SipAuthUsername',
  'SipAuthPassword',
  'MachineDetection',
  'MachineDetectionTimeout',
  'RecordingStatusCallbackEvent',
  'Trim',
  'CallerId',
  'MachineDetectionSpeechThreshold',
  'MachineDetectionSpeechEndThreshold',
  'MachineDetectionSilenceTimeout',
  'AsyncAmd',
  'AsyncAmdStatusCallback',
  'AsyncAmdStatusCallbackMethod',
  'Byoc',
  'CallReason',
  'CallToken',
  'RecordingTrack',
  'TimeLimit',
  'ClientNotificationUrl',
  'Url',
  'Twiml',
  'ApplicationSid',
]);

/**
 * The create parameters a call's `extra` may not set: each is an option of its own
 * (`CallOptions`), or the client's wiring of the call (its number, its status callbacks).
 */
export const TWILIO_RESERVED_PARAMS: ReadonlyMap<string, string> = new Map([
  ['To', 'the number placeCall is given'],
  ['From', 'the option from'],
  ['Url', 'the option answerUrl'],
  ['Twiml', 'the option say'],
  ['ApplicationSid', 'the options say or answerUrl'],
  ['Timeout', 'the option ringTimeoutS'],
  ['TimeLimit', 'the option timeLimitS'],
  ['MachineDetection', 'the option machineDetection'],
  ['Record', 'the option record'],
  ['StatusCallback', 'the client option statusCallbackUrl'],
  ['StatusCallbackEvent', 'the client option statusCallbackUrl'],
  ['StatusCallbackMethod', 'the client option statusCallbackUrl'],
]);

/** The TwiML of a call given no `say` or `answerUrl`, by a client given no `twiml` or `url`. */
export const DEFAULT_TWIML = '<Response><Say>Hello. This is an automated call.</Say></Response>';

/** The longest `Twiml` Twilio takes, in characters. */
export const TWILIO_MAX_TWIML = 4000;

/** `text` with XML's five special characters escaped, for TwiML. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ENTITIES[c]!);
}

const XML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Twilio's `MachineDetection` for a `machineDetection` option. */
export const TWILIO_MACHINE_DETECTION = {
  detect: 'Enable',
  'detect-beep': 'DetectMessageEnd',
} as const;

/** The client's own settings a create form is made from. */
export interface CreateFormSettings {
  /** The client's `From`, in E.164. */
  from: string;
  defaultCountry: CountryCode;
  twiml: string | undefined;
  url: string | undefined;
  statusCallbackUrl: string | undefined;
}

/**
 * Makes the create form of a call to `to` (in E.164) with `call`'s options, as Twilio's
 * parameters. Throws an `InvalidOptionsError` for what Twilio would refuse (a `say` whose TwiML
 * is too long, an `extra` name the API does not have or that an option sets).
 */
export function createFormBuilder(settings: CreateFormSettings) {
  const { from, defaultCountry, twiml, url, statusCallbackUrl } = settings;
  return function createForm(to: string, call: CallOptions): URLSearchParams {
    const form = new URLSearchParams({
      To: to,
      From: call.from === undefined ? from : toE164(call.from, { defaultCountry }),
    });
    if (call.say !== undefined) {
      const rendered = `<Response><Say>${escapeXml(call.say)}</Say></Response>`;
      if (rendered.length > TWILIO_MAX_TWIML)
        throw callOptionIssue(
          ['say'],
          `makes TwiML of ${rendered.length} characters once XML-escaped; Twilio takes at most ${TWILIO_MAX_TWIML}`,
        );
      form.set('Twiml', rendered);
    } else if (call.answerUrl !== undefined) form.set('Url', call.answerUrl);
    else if (url !== undefined) form.set('Url', url);
    else form.set('Twiml', twiml ?? DEFAULT_TWIML);
    if (call.ringTimeoutS !== undefined) form.set('Timeout', String(call.ringTimeoutS));
    if (call.timeLimitS !== undefined) form.set('TimeLimit', String(call.timeLimitS));
    if (call.machineDetection !== undefined && call.machineDetection !== 'off')
      form.set('MachineDetection', TWILIO_MACHINE_DETECTION[call.machineDetection]);
    if (call.record !== undefined) form.set('Record', String(call.record));
    for (const [name, value] of Object.entries(call.extra ?? {})) {
      const reserved = TWILIO_RESERVED_PARAMS.get(name);
      if (reserved !== undefined)
        throw callOptionIssue(['extra', name], `is set by ${reserved}, not by extra`);
      if (!TWILIO_CREATE_PARAMS.has(name))
        throw callOptionIssue(
          ['extra', name],
          "is not a parameter of Twilio's Calls create (API 2010-04-01)",
        );
      if (Array.isArray(value)) for (const one of value as string[]) form.append(name, one);
      else form.set(name, String(value));
    }
    if (statusCallbackUrl !== undefined) {
      form.set('StatusCallback', statusCallbackUrl);
      form.set('StatusCallbackMethod', 'POST');
      for (const event of ['initiated', 'ringing', 'answered', 'completed'])
        form.append('StatusCallbackEvent', event);
    }
    return form;
  };
}

/** An `InvalidOptionsError` of `placeCall` about one option. */
function callOptionIssue(path: string[], message: string): InvalidOptionsError {
  return new InvalidOptionsError('call', [{ code: 'custom', path, message, input: undefined }]);
}
