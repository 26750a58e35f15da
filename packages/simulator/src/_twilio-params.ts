import {
  checkParams,
  isProblem,
  problem,
  readMethod,
  TWILIO_ERRORS,
  type FormParams,
  type ParamProblem,
} from './_twilio-format.js';
import { CALLBACK_EVENTS, type CallbackEvent, type TwilioCall } from './_twilio-call.js';
import { isE164, isHttpUrl } from './_values.js';
import type { TwilioMachineDetection } from './types.js';

/**
 * The parameters of `POST …/Calls.json`, as the 2010-04-01 description (twilio_api_v2010) lists
 * them. The simulator keeps its own list, apart from the client's: a fake written from the client
 * would agree with the client's mistakes.
 */
export const CREATE_PARAMS: ReadonlySet<string> = new Set([
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

/** The parameters of `POST …/Calls/{Sid}.json`. */
export const UPDATE_PARAMS: ReadonlySet<string> = new Set([
  'Url',
  'Method',
  'Status',
  'FallbackUrl',
  'FallbackMethod',
  'StatusCallback',
  'StatusCallbackMethod',
  'Twiml',
  'TimeLimit',
]);

/** The query parameters of `GET …/Calls.json`. */
export const LIST_PARAMS: ReadonlySet<string> = new Set([
  'To',
  'From',
  'ParentCallSid',
  'Status',
  'StartTime',
  'StartTime<',
  'StartTime>',
  'EndTime',
  'EndTime<',
  'EndTime>',
  'PageSize',
  'Page',
  'PageToken',
]);

const MACHINE_DETECTION: readonly string[] = ['Enable', 'DetectMessageEnd'];

/**
 * Refuses a `Timeout` (1 to 600 seconds, the description's maximum, code 21208), a `TimeLimit`
 * (1 to 86400 seconds) or a `Record` (`true` or `false`) that is malformed.
 */
function checkTyped(read: (name: string) => string | undefined): ParamProblem | undefined {
  const timeout = read('Timeout');
  if (timeout !== undefined && !isWhole(timeout, 1, 600)) {
    return problem(
      TWILIO_ERRORS.timeoutInvalid,
      `Invalid Timeout: ${timeout}. Timeout must be a whole number of seconds from 1 to 600`,
    );
  }
  const limit = read('TimeLimit');
  if (limit !== undefined && !isWhole(limit, 1, 86_400)) {
    return problem(
      TWILIO_ERRORS.unknownParameter,
      `TimeLimit must be a whole number of seconds from 1 to 86400, got ${limit}`,
    );
  }
  const record = read('Record');
  if (record !== undefined && !/^(?:true|false)$/i.test(record)) {
    return problem(TWILIO_ERRORS.unknownParameter, `Record must be true or false, got ${record}`);
  }
  return undefined;
}

function isWhole(value: string, min: number, max: number): boolean {
  return /^\d{1,9}$/.test(value) && Number(value) >= min && Number(value) <= max;
}

/** What `POST …/Calls/{Sid}.json` asks, or what is wrong with it. */
export function readUpdate(params: FormParams):
  | ParamProblem
  | {
      status: 'canceled' | 'completed' | undefined;
      /** The new TwiML (`Twiml`, `Url`) when the update redirects the call. */
      redirect: { twiml: string | undefined; url: string | undefined } | undefined;
      statusCallback: string | undefined;
      callbackMethod: 'GET' | 'POST' | undefined;
    } {
  const read = checkParams(params, UPDATE_PARAMS);
  if (isProblem(read)) return read;
  const status = read('Status');
  if (status !== undefined && status !== 'canceled' && status !== 'completed') {
    return problem(
      TWILIO_ERRORS.unknownParameter,
      `Status must be canceled or completed, got ${status}`,
    );
  }
  for (const name of ['Url', 'FallbackUrl', 'StatusCallback']) {
    const value = read(name);
    if (value !== undefined && !isHttpUrl(value)) {
      return problem(TWILIO_ERRORS.urlInvalid, `${name} is not a valid URL: ${value}`);
    }
  }
  const typed = checkTyped(read);
  if (typed) return typed;
  const method = readMethod('StatusCallbackMethod', read('StatusCallbackMethod'));
  if (isProblem(method)) return method;
  const twiml = read('Twiml');
  const url = read('Url');
  return {
    status,
    redirect: twiml === undefined && url === undefined ? undefined : { twiml, url },
    statusCallback: read('StatusCallback'),
    callbackMethod: method,
  };
}

/** The fields of a new call from the parameters of `POST …/Calls.json`, or what is wrong. */
export function readCreate(
  params: FormParams,
):
  | ParamProblem
  | Pick<
      TwilioCall,
      | 'to'
      | 'from'
      | 'statusCallback'
      | 'callbackMethod'
      | 'events'
      | 'twiml'
      | 'url'
      | 'machineDetection'
      | 'createParams'
    > {
  const read = checkParams(
    params,
    CREATE_PARAMS,
    new Set(['StatusCallbackEvent', 'RecordingStatusCallbackEvent']),
  );
  if (isProblem(read)) return read;
  const to = read('To');
  const from = read('From');
  if (to === undefined) return problem(TWILIO_ERRORS.toMissing, "A 'To' phone number is required.");
  if (!isE164(to)) return problem(TWILIO_ERRORS.toInvalid, `Invalid 'To' Phone Number: ${to}`);
  if (from === undefined)
    return problem(TWILIO_ERRORS.fromMissing, "A 'From' phone number is required.");
  if (!isE164(from))
    return problem(TWILIO_ERRORS.fromInvalid, `Invalid 'From' Phone Number: ${from}`);
  if (
    read('Url') === undefined &&
    read('Twiml') === undefined &&
    read('ApplicationSid') === undefined
  ) {
    return problem(
      TWILIO_ERRORS.urlInvalid,
      "Either a 'Url', 'ApplicationSid' or 'Twiml' parameter is required.",
    );
  }
  for (const name of ['Url', 'FallbackUrl', 'StatusCallback']) {
    const value = read(name);
    if (value !== undefined && !isHttpUrl(value)) {
      return problem(TWILIO_ERRORS.urlInvalid, `${name} is not a valid URL: ${value}`);
    }
  }
  if (read('Twiml')?.trim() === '')
    return problem(TWILIO_ERRORS.urlInvalid, 'Twiml must not be empty');
  const application = read('ApplicationSid');
  if (application !== undefined && !/^AP[0-9a-fA-F]{32}$/.test(application)) {
    return problem(TWILIO_ERRORS.applicationInvalid, `Invalid ApplicationSid: ${application}`);
  }
  const typed = checkTyped(read);
  if (typed) return typed;
  const machineDetection = read('MachineDetection');
  if (machineDetection !== undefined && !MACHINE_DETECTION.includes(machineDetection)) {
    return problem(
      TWILIO_ERRORS.machineDetectionInvalid,
      `Invalid Machine Detection configuration value: MachineDetection must be Enable or DetectMessageEnd, got ${machineDetection}`,
    );
  }
  const method = readMethod('StatusCallbackMethod', read('StatusCallbackMethod'));
  if (isProblem(method)) return method;
  const words = (params.get('StatusCallbackEvent') ?? []).flatMap((value) =>
    value.split(/[\s,]+/).filter(Boolean),
  );
  const unknown = words.find((word) => !(CALLBACK_EVENTS as readonly string[]).includes(word));
  if (unknown !== undefined) {
    return problem(
      TWILIO_ERRORS.unknownParameter,
      `StatusCallbackEvent must be initiated, ringing, answered or completed, got ${unknown}`,
    );
  }
  return {
    to,
    from,
    statusCallback: read('StatusCallback'),
    callbackMethod: method ?? 'POST',
    events: new Set(words.length > 0 ? (words as CallbackEvent[]) : ['completed']),
    twiml: read('Twiml'),
    url: read('Url'),
    // Twilio ignores MachineDetection when SendDigits is given.
    machineDetection:
      read('SendDigits') === undefined
        ? (machineDetection as TwilioMachineDetection | undefined)
        : undefined,
    createParams: params,
  };
}
